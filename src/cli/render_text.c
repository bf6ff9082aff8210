/*
 * Plain words first: one line per kind of sender saying what it does with
 * mail to this domain today, then what is broken and how to fix it, grouped
 * by MX. Every string that came from the network is escaped.
 */
#include "cli/render_text.h"

#include <stdlib.h>
#include <string.h>

#include "util/escape.h"

typedef struct palette {
  const char *bold, *red, *yellow, *green, *dim, *reset;
} palette;

static palette make_palette(int color) {
  if (!color) return (palette){"", "", "", "", "", ""};
  return (palette){"\033[1m", "\033[31m", "\033[33m", "\033[32m", "\033[2m", "\033[0m"};
}

static void put_escaped(FILE *out, const char *s) {
  char *e = sd_escape_terminal(s, s ? strlen(s) : 0);
  fputs(e ? e : "", out);
  free(e);
}

static const char *profile_label(sd_profile p) {
  switch (p) {
  case SD_PROFILE_OPPORTUNISTIC: return "Legacy senders (TLS if offered)";
  case SD_PROFILE_MTASTS: return "MTA-STS senders";
  case SD_PROFILE_DANE: return "DANE senders";
  default: return "DANE + MTA-STS senders";
  }
}

static const char *outcome_words(sd_outcome o) {
  switch (o) {
  case SD_OUTCOME_PROTECTED: return "deliver over authenticated TLS; an attacker cannot force a downgrade";
  case SD_OUTCOME_PARTIAL: return "deliver over authenticated TLS, but an attacker can steer mail to an MX that needs no authentication";
  case SD_OUTCOME_UNPROTECTED: return "deliver, but without authenticating the server (an active attacker can read or redirect mail)";
  case SD_OUTCOME_FAIL: return "DEFER mail (and bounce it after days): no MX passes their checks";
  case SD_OUTCOME_NO_MAIL: return "send nothing: the domain accepts no mail";
  default: return "could not be determined";
  }
}

static const char *outcome_color(const palette *c, sd_outcome o) {
  switch (o) {
  case SD_OUTCOME_PROTECTED: return c->green;
  case SD_OUTCOME_PARTIAL: return c->yellow;
  case SD_OUTCOME_FAIL: return c->red;
  default: return "";
  }
}

static void render_profiles(FILE *out, const sd_domain_result *r, const palette *c) {
  for (int p = 0; p < SD_PROFILE__COUNT; p++) {
    sd_outcome o = r->profiles[p];
    fprintf(out, "  %-32s %s%-11s%s %s", profile_label((sd_profile)p), outcome_color(c, o), sd_outcome_name(o),
            c->reset, outcome_words(o));
    if (o == SD_OUTCOME_UNKNOWN && r->unknown_reason) {
      fputs(": ", out);
      put_escaped(out, r->unknown_reason);
    }
    fputc('\n', out);
  }
}

static void render_summary(FILE *out, const sd_domain_result *r, const palette *c) {
  fprintf(out, "  %sProtected by:%s %s", c->bold, c->reset, sd_protected_by_name(r->protected_by));
  fprintf(out, "   MTA-STS: %s", sd_sts_status_name(r->sts_status));
  if (r->policy.mode) {
    fprintf(out, " (mode %s", sd_sts_mode_name(r->policy.mode));
    /* The JSON says null for a missing max_age: no number here either. */
    if (r->policy.max_age >= 0) fprintf(out, ", max_age %ld", r->policy.max_age);
    else fputs(", no valid max_age", out);
    fputc(')', out);
  }
  fprintf(out, "   DANE: %s   DNSSEC (MX): %s   TLSRPT: %s\n", sd_dane_status_name(r->dane_status),
          sd_dnssec_name(r->mx_dnssec),
          r->tlsrpt.status == SD_TLSRPT_VALID ? "valid" : r->tlsrpt.status == SD_TLSRPT_INVALID ? "invalid" : "absent");
  for (size_t i = 0; i < r->conflict_count; i++) {
    fprintf(out, "  %sConflict %s:%s ", c->yellow, r->conflicts[i].code, c->reset);
    put_escaped(out, r->conflicts[i].detail);
    fputc('\n', out);
  }
}

static const char *severity_color(const palette *c, sd_severity s) {
  return s == SD_SEV_ERROR ? c->red : s == SD_SEV_WARNING ? c->yellow : c->dim;
}

/* A remedy may span lines (policy lines to publish): each line is indented
 * under "fix:" and escaped on its own. */
static void render_remedy(FILE *out, const char *remedy, const palette *c) {
  fprintf(out, "            %sfix:%s ", c->bold, c->reset);
  const char *line = remedy;
  for (;;) {
    const char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    char *e = sd_escape_terminal(line, n);
    fputs(e ? e : "", out);
    free(e);
    fputc('\n', out);
    if (!nl) break;
    line = nl + 1;
    fputs("                 ", out);
  }
}

static void render_finding(FILE *out, const sd_finding *f, const palette *c) {
  const sd_code_info *info = sd_code_lookup(f->code);
  fprintf(out, "    %s%-7s%s %s", severity_color(c, info->severity), sd_severity_name(info->severity), c->reset,
          info->name);
  if (info->tlsrpt) fprintf(out, " [%s]", info->tlsrpt);
  fputs(": ", out);
  put_escaped(out, f->detail && *f->detail ? f->detail : info->summary);
  fputc('\n', out);
  if (f->remedy) render_remedy(out, f->remedy, c);
}

/* Findings whose location starts with prefix ("mx:host" matches "mx:host" and "mx:host/ip"). */
static void render_findings_at(FILE *out, const sd_findings *fs, const char *prefix, const palette *c) {
  size_t n = strlen(prefix);
  for (size_t i = 0; i < fs->count; i++) {
    const char *w = fs->items[i].where;
    if (strncmp(w, prefix, n) == 0 && (w[n] == '\0' || w[n] == '/')) render_finding(out, &fs->items[i], c);
  }
}

static void render_address(FILE *out, const sd_mx_result *mx, const sd_addr_result *a, const palette *c) {
  fprintf(out, "    %s%s%s", c->dim, a->ip, c->reset);
  if (!a->probed) {
    fputs("  not probed\n", out);
    return;
  }
  fprintf(out, "  SMTP %s", sd_probe_status_name(a->probe.status));
  if (a->probe.tls_version) fprintf(out, "  %s", a->probe.tls_version);
  if (a->pkix_checked) fprintf(out, "  WebPKI %s", a->pkix.valid ? "valid" : "invalid");
  if (a->dane_checked) {
    fprintf(out, "  DANE %s", a->dane.valid ? "valid" : "fails");
    if (a->dane.valid && a->dane.matched) {
      fputs(" (", out);
      put_escaped(out, a->dane.matched);
      fprintf(out, " at depth %d)", a->dane.match_depth);
    }
  }
  fputc('\n', out);
  (void)mx;
}

static void render_mx(FILE *out, const sd_domain_result *r, const sd_mx_result *mx, const palette *c) {
  /* Names from the DNS may hold any byte: escaped like every remote string. */
  fprintf(out, "  %sMX ", c->bold);
  put_escaped(out, mx->host);
  fprintf(out, "%s (preference %d)", c->reset, mx->preference);
  if (mx->sts_match == 1) fputs("  policy: listed", out);
  if (mx->sts_match == 0 && mx->mismatch.kind == SD_STS_MISMATCH_UNLISTED) fputs("  policy: NOT listed", out);
  else if (mx->sts_match == 0) fprintf(out, "  policy: NOT listed (%s)", sd_sts_mismatch_name(mx->mismatch.kind));
  fprintf(out, "  DANE: %s", sd_mx_dane_name(mx->dane));
  if (mx->cname_target) {
    fputs("  CNAME ", out);
    put_escaped(out, mx->cname_target);
  }
  fputc('\n', out);
  for (size_t i = 0; i < mx->tlsa_count; i++) {
    char *t = sd_tlsa_format(&mx->tlsa[i]);
    fputs("    TLSA _25._tcp.", out);
    put_escaped(out, mx->tlsa_base ? mx->tlsa_base : mx->host);
    fprintf(out, " %s (%s, %s)\n", t ? t : "?", sd_tlsa_usability_name(mx->tlsa_status[i]),
            sd_dnssec_name(mx->tlsa_dnssec));
    free(t);
  }
  for (size_t i = 0; i < mx->addr_count; i++) render_address(out, mx, &mx->addrs[i], c);
  char prefix[300];
  snprintf(prefix, sizeof(prefix), "mx:%s", mx->host);
  render_findings_at(out, &r->findings, prefix, c);
}

static int is_mx_location(const char *w) { return strncmp(w, "mx:", 3) == 0; }

void sd_render_text(FILE *out, const sd_domain_result *r, int color) {
  palette c = make_palette(color);
  /* An invalid input line is shown as given: escaped, it may hold anything. */
  fputs(c.bold, out);
  put_escaped(out, r->domain ? r->domain : "?");
  fprintf(out, "%s\n", c.reset);
  if (r->invalid_domain) {
    render_findings_at(out, &r->findings, "domain", &c);
    fputc('\n', out);
    return;
  }
  render_profiles(out, r, &c);
  render_summary(out, r, &c);
  int header = 0;
  for (size_t i = 0; i < r->findings.count; i++) {
    if (is_mx_location(r->findings.items[i].where)) continue;
    if (!header++) fprintf(out, "  %sDomain%s\n", c.bold, c.reset);
    render_finding(out, &r->findings.items[i], &c);
  }
  if (r->null_mx) fprintf(out, "  null MX: this domain declares that it accepts no mail (RFC 7505)\n");
  for (size_t i = 0; i < r->mx_count; i++) render_mx(out, r, &r->mx[i], &c);
  fputc('\n', out);
}
