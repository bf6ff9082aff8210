/*
 * The plan as text for an operator: the prerequisites as measured, then per
 * protocol (and for both) the verdict, what is missing, the numbered steps
 * with the exact records and files, the duties and what it protects against.
 * Every string that came from the network is escaped.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/escape.h"

typedef struct palette {
  const char *bold, *red, *yellow, *green, *reset;
} palette;

static void put_escaped(FILE *out, const char *s, size_t len) {
  char *e = sd_escape_terminal(s ? s : "", s ? len : 0);
  fputs(e ? e : "", out);
  free(e);
}

/* Multi-line text (policy bodies, records), each line indented and escaped;
 * the CR of CRLF line endings is not shown. */
static void put_lines(FILE *out, const char *first_prefix, const char *indent, const char *text) {
  const char *prefix = first_prefix;
  while (text) {
    const char *nl = strchr(text, '\n');
    size_t len = nl ? (size_t)(nl - text) : strlen(text);
    if (len && text[len - 1] == '\r') len--;
    if (nl && !nl[1]) nl = NULL; /* a trailing newline ends the text */
    fputs(prefix, out);
    put_escaped(out, text, len);
    fputc('\n', out);
    prefix = indent;
    text = nl ? nl + 1 : NULL;
  }
}

static const char *tri_word(int v, const char *yes, const char *no) { return v < 0 ? "unknown" : v ? yes : no; }

static void render_mx(FILE *out, const sd_plan_mx *mx) {
  fprintf(out, "  MX ");
  put_escaped(out, mx->host, strlen(mx->host));
  fprintf(out, " (preference %d)%s", mx->preference, mx->cname ? " -> " : "");
  if (mx->cname) put_escaped(out, mx->cname, strlen(mx->cname));
  fprintf(out, "\n    run by %s%s, zone %s, STARTTLS %s, WebPKI certificate %s\n",
          mx->third_party ? mx->operator_domain : "you", mx->third_party ? " (third party)" : "",
          sd_zone_state_name(mx->zone), tri_word(mx->starttls, "yes", "no"), tri_word(mx->webpki, "valid", "invalid"));
  if (mx->webpki == 0 && mx->webpki_problem) put_lines(out, "    certificate problem: ", "      ", mx->webpki_problem);
  if (mx->starttls == 0 && mx->tls_problem) put_lines(out, "    TLS problem: ", "      ", mx->tls_problem);
  if (mx->cert_names && *mx->cert_names) put_lines(out, "    certificate names: ", "      ", mx->cert_names);
  for (size_t i = 0; i < mx->key_count; i++) fprintf(out, "    serves key: %s\n", mx->keys[i]);
  fprintf(out, "    DANE today: %s (%zu TLSA records)\n", sd_mx_dane_name(mx->dane), mx->tlsa_count);
}

static void render_prereq(FILE *out, const sd_plan_prereq *p, const palette *c) {
  fprintf(out, "%sWhat is there today%s\n", c->bold, c->reset);
  fprintf(out, "  Mail: %s; DNSSEC of %s: %s\n", sd_plan_mail_name(p->mail), p->domain, sd_zone_state_name(p->zone));
  for (size_t i = 0; i < p->mx_count; i++) render_mx(out, &p->mx[i]);
  fprintf(out, "  Policy host %s: %s", p->policy_host, sd_policy_host_state_name(p->policy_host_state));
  if (p->policy_host_detail && p->policy_host_state != SD_PHOST_FREE) {
    fputs(" (", out);
    put_escaped(out, p->policy_host_detail, strlen(p->policy_host_detail));
    fputc(')', out);
  }
  fprintf(out, "\n  MTA-STS record: %s%s%s; TLSRPT record: %s\n",
          p->sts_record == 1 ? "valid" : p->sts_record == 0 ? "absent" : "invalid",
          p->sts_mode ? ", policy mode " : "", p->sts_mode ? p->sts_mode : "",
          p->tlsrpt == 1 ? "valid" : p->tlsrpt == 0 ? "absent" : "invalid");
}

static const char *status_color(sd_plan_status s, const palette *c) {
  if (s == SD_PLAN_IN_PLACE || s == SD_PLAN_READY) return c->green;
  return s == SD_PLAN_NEEDS_WORK || s == SD_PLAN_UNKNOWN ? c->yellow : c->red;
}

static void render_list(FILE *out, const char *title, const sd_plan_list *l, int numbered) {
  if (!l->count) return;
  fprintf(out, "  %s\n", title);
  for (size_t i = 0; i < l->count; i++) {
    char prefix[32];
    if (numbered) snprintf(prefix, sizeof(prefix), "  %2zu. ", i + 1);
    else snprintf(prefix, sizeof(prefix), "    - ");
    put_lines(out, prefix, "      ", l->items[i]);
  }
}

static const char *protocol_title(sd_plan_protocol_id id) {
  switch (id) {
  case SD_PLAN_MTASTS: return "MTA-STS";
  case SD_PLAN_DANE: return "DANE";
  default: return "DANE + MTA-STS together";
  }
}

static void render_protocol(FILE *out, sd_plan_protocol_id id, const sd_plan_protocol *pr, const palette *c) {
  fprintf(out, "\n%s%s%s: %s%s%s, %s\n", c->bold, protocol_title(id), c->reset, status_color(pr->status, c),
          sd_plan_status_name(pr->status), c->reset, pr->summary ? pr->summary : "");
  render_list(out, "Missing:", &pr->missing, 0);
  render_list(out, "Could not be measured:", &pr->unknown, 0);
  render_list(out, "Steps, in this order:", &pr->steps, 1);
  render_list(out, "Once it runs:", &pr->duties, 0);
  render_list(out, id == SD_PLAN_MTASTS ? "What it gives that DANE does not:"
                   : id == SD_PLAN_DANE ? "What it gives that MTA-STS does not:" : "Together:",
              &pr->protects, 0);
}

void sd_plan_render_text(FILE *out, const sd_plan *plan, int color) {
  palette c = color ? (palette){"\033[1m", "\033[31m", "\033[33m", "\033[32m", "\033[0m"}
                    : (palette){"", "", "", "", ""};
  const sd_domain_result *r = plan->prereq.m->r;
  fprintf(out, "%sPlan for %s%s (today: protected by %s; MTA-STS %s, DANE %s)\n\n", c.bold, r->domain, c.reset,
          sd_protected_by_name(r->protected_by), sd_sts_status_name(r->sts_status), sd_dane_status_name(r->dane_status));
  render_prereq(out, &plan->prereq, &c);
  for (int i = 0; i < SD_PLAN__COUNT; i++) render_protocol(out, (sd_plan_protocol_id)i, &plan->protocols[i], &c);
}
