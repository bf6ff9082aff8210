/*
 * Evaluation of one domain: a small state machine on the shared event loop.
 *
 *   MX ──► A/AAAA per host ──► TLSA per host ──► SMTP probe per address
 *   _mta-sts TXT ──► policy fetch ──► policy parse
 *   _smtp._tls TXT
 *
 * Every asynchronous step holds one count in eval->pending; when the count
 * drops to zero everything measured is in, and the verdicts are derived.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "compare/verdict.h"
#include "core/engine.h"
#include "core/policy_cache.h"
#include "result/probe_copy.h"
#include "core/verify_memo.h"
#include "util/domain.h"
#include "util/str.h"

typedef struct eval {
  sd_engine *engine;
  sd_domain_result *r;
  sd_domain_cb cb;
  void *arg;
  int pending;
} eval;

/* Context of one lookup or probe that concerns one MX host (and address). */
typedef struct mx_step {
  eval *ev;
  size_t mx;
  size_t addr;
  int answers;           /* address lookups answered so far (A and AAAA) */
  size_t tlsa_candidate; /* index into the TLSA base candidates */
} mx_step;

static void finish(eval *ev);

static void step_done(eval *ev) {
  if (--ev->pending == 0) finish(ev);
}

static mx_step *new_step(eval *ev, size_t mx) {
  mx_step *s = calloc(1, sizeof(*s));
  if (s) {
    s->ev = ev;
    s->mx = mx;
  }
  return s;
}

static void query(eval *ev, const char *name, uint16_t type, sd_dns_cb cb, void *ctx) {
  ev->pending++;
  if (sd_engine_dns_query(ev->engine, name, type, cb, ctx) != 0) {
    /* Cannot even start: count it as done; the field stays "error". */
    free(ctx != ev ? ctx : NULL);
    ev->pending--;
  }
}

/* ---- copying DNS answers into the result --------------------------------- */

static void copy_txts(const sd_dns_answer *a, char ***txts, size_t **lens, size_t *count) {
  *txts = calloc(a->count ? a->count : 1, sizeof(char *));
  *lens = calloc(a->count ? a->count : 1, sizeof(size_t));
  *count = 0;
  if (!*txts || !*lens) return;
  for (size_t i = 0; i < a->count; i++) {
    const sd_dns_record *rec = &a->records[i];
    (*txts)[*count] = sd_strndup(rec->text ? rec->text : "", rec->text_len);
    (*lens)[*count] = rec->text_len;
    if ((*txts)[*count]) (*count)++;
  }
}

/* ---- SMTP probes ---------------------------------------------------------- */

/* DANE senders use a host's TLSA records only when the MX RRset, the
 * host's address records and the TLSA RRset are all secure (RFC 7672
 * §2.2): a match found otherwise would be reported as a DANE result that no
 * sender ever sees. */
static int dane_applies(const sd_domain_result *r, const sd_mx_result *mx) {
  return r->mx_dnssec == SD_DNSSEC_SECURE && !mx->is_ip_literal && mx->addr_dnssec == SD_DNSSEC_SECURE &&
         mx->tlsa_usable > 0 && mx->tlsa_dnssec == SD_DNSSEC_SECURE;
}

static void verify_address(eval *ev, sd_mx_result *mx, sd_addr_result *addr) {
  const sd_chain *chain = &addr->probe.chain;
  if (chain->count == 0) return;
  time_t now = ev->r->scanned_at;
  sd_memo_pkix_verify(ev->engine->verify_memo, chain, ev->engine->trust, mx->host, now, &addr->pkix);
  addr->pkix_checked = 1;
  if (!dane_applies(ev->r, mx)) return;
  sd_tlsa *usable = calloc(mx->tlsa_usable, sizeof(*usable));
  size_t n = 0;
  for (size_t i = 0; usable && i < mx->tlsa_count; i++)
    if (mx->tlsa_status[i] == SD_TLSA_USABLE) usable[n++] = mx->tlsa[i];
  /* Reference identifiers (RFC 7672 §3.2.2): the TLSA base domain, and the
   * MX host name when the base domain is its CNAME expansion. */
  const char *names[1] = {mx->host};
  int extra = strcmp(mx->host, mx->tlsa_base) != 0;
  sd_memo_dane_verify(ev->engine->verify_memo, chain, usable, n, mx->tlsa_base, names, extra ? 1 : 0, now,
                      &addr->dane);
  addr->dane_checked = 1;
  free(usable); /* shallow copies: the records stay owned by mx->tlsa */
}

static void on_probe(const sd_probe_result *res, void *arg) {
  mx_step *s = arg;
  eval *ev = s->ev;
  sd_mx_result *mx = &ev->r->mx[s->mx];
  sd_addr_result *addr = &mx->addrs[s->addr];
  sd_probe_result_copy(&addr->probe, res);
  addr->probed = 1;
  verify_address(ev, mx, addr);
  free(s);
  step_done(ev);
}

/* DANE needs SNI = TLSA base domain; MTA-STS wants the MX host name. They
 * differ only for a CNAME'd MX with DANE, where DANE's choice wins. */
static const char *probe_sni(const sd_mx_result *mx) {
  if (mx->tlsa_usable && mx->tlsa_dnssec == SD_DNSSEC_SECURE && mx->tlsa_base) return mx->tlsa_base;
  return mx->host;
}

static void start_probes(eval *ev, size_t mx_index) {
  sd_engine *en = ev->engine;
  sd_mx_result *mx = &ev->r->mx[mx_index];
  if (en->options.no_smtp) return;
  for (size_t i = 0; i < mx->addr_count; i++) {
    mx_step *s = new_step(ev, mx_index);
    if (!s) continue;
    s->addr = i;
    ev->pending++;
    if (sd_probe_start(en->prober, mx->addrs[i].ip, en->options.smtp_port, probe_sni(mx), on_probe, s) != 0) {
      free(s);
      ev->pending--;
    }
  }
}

/* ---- TLSA ------------------------------------------------------------------ */

static const char *tlsa_candidate(const sd_mx_result *mx, size_t i) {
  /* RFC 7672 §2.2.3: a secure CNAME chain tries the expanded name first,
   * then the original name; names in the middle of the chain never count. */
  int expanded = mx->cname_target && mx->cname_dnssec == SD_DNSSEC_SECURE;
  if (expanded) return i == 0 ? mx->cname_target : i == 1 ? mx->host : NULL;
  return i == 0 ? mx->host : NULL;
}

static void query_tlsa(eval *ev, mx_step *s);

/* Keeps the validator's reason for a bogus answer (the first one seen). */
static void keep_why_bogus(char **field, const sd_dns_answer *a) {
  if (!*field && a->why_bogus) *field = sd_strdup(a->why_bogus);
}

static void store_tlsa(sd_mx_result *mx, const sd_dns_answer *a, const char *base) {
  free(mx->tlsa_base);
  mx->tlsa_base = sd_strdup(base);
  mx->tlsa_lookup = a->lookup;
  mx->tlsa_dnssec = a->dnssec;
  keep_why_bogus(&mx->tlsa_why_bogus, a);
  if (a->count == 0) return;
  mx->tlsa = calloc(a->count, sizeof(*mx->tlsa));
  mx->tlsa_status = calloc(a->count, sizeof(*mx->tlsa_status));
  if (!mx->tlsa || !mx->tlsa_status) return;
  for (size_t i = 0; i < a->count; i++)
    if (sd_tlsa_from_rdata(a->records[i].rdata, a->records[i].rdata_len, &mx->tlsa[mx->tlsa_count]) == 0)
      mx->tlsa_count++;
  mx->tlsa_usable = sd_tlsa_select_usable(mx->tlsa, mx->tlsa_count, mx->tlsa_status);
}

static void on_tlsa(const sd_dns_answer *a, void *arg) {
  mx_step *s = arg;
  eval *ev = s->ev;
  sd_mx_result *mx = &ev->r->mx[s->mx];
  const char *base = tlsa_candidate(mx, s->tlsa_candidate);
  int denied = a->lookup == SD_LOOKUP_NXDOMAIN || a->lookup == SD_LOOKUP_NODATA;
  store_tlsa(mx, a, base);
  if (denied && a->dnssec == SD_DNSSEC_SECURE && tlsa_candidate(mx, s->tlsa_candidate + 1)) {
    s->tlsa_candidate++;
    query_tlsa(ev, s);
  } else {
    start_probes(ev, s->mx);
    free(s);
  }
  step_done(ev);
}

static void query_tlsa(eval *ev, mx_step *s) {
  sd_mx_result *mx = &ev->r->mx[s->mx];
  char *name = sd_asprintf("_%u._tcp.%s", (unsigned)ev->engine->options.smtp_port,
                           tlsa_candidate(mx, s->tlsa_candidate));
  mx->tlsa_queried = 1;
  if (name) query(ev, name, SD_RR_TLSA, on_tlsa, s);
  else free(s);
  free(name);
}

/* ---- addresses ------------------------------------------------------------ */

static sd_dnssec worse(sd_dnssec a, sd_dnssec b) {
  /* bogus > indeterminate > insecure > secure */
  static const int rank[] = {[SD_DNSSEC_SECURE] = 0, [SD_DNSSEC_INSECURE] = 1,
                             [SD_DNSSEC_INDETERMINATE] = 2, [SD_DNSSEC_BOGUS] = 3};
  return rank[a] >= rank[b] ? a : b;
}

static void add_address(sd_mx_result *mx, const char *ip, int family, sd_dnssec dnssec, size_t max) {
  if (mx->addr_count >= max) return;
  sd_addr_result *addrs = realloc(mx->addrs, (mx->addr_count + 1) * sizeof(*addrs));
  if (!addrs) return;
  mx->addrs = addrs;
  sd_addr_result *a = &addrs[mx->addr_count];
  memset(a, 0, sizeof(*a));
  a->ip = sd_strdup(ip);
  a->family = family;
  a->dnssec = dnssec;
  if (a->ip) mx->addr_count++;
}

/* A and AAAA answers combine: any address wins; failing that an error
 * (we cannot tell the host has no address); then NODATA; then NXDOMAIN. */
static sd_lookup combine_lookups(sd_lookup a, sd_lookup b) {
  static const int rank[] = {[SD_LOOKUP_OK] = 3, [SD_LOOKUP_ERROR] = 2, [SD_LOOKUP_NODATA] = 1,
                             [SD_LOOKUP_NXDOMAIN] = 0};
  return rank[a] >= rank[b] ? a : b;
}

static void merge_address_answer(eval *ev, sd_mx_result *mx, const sd_dns_answer *a, int first) {
  mx->addr_lookup = first ? a->lookup : combine_lookups(mx->addr_lookup, a->lookup);
  mx->addr_dnssec = first ? a->dnssec : worse(mx->addr_dnssec, a->dnssec);
  keep_why_bogus(&mx->addr_why_bogus, a);
  if (a->cname_count && !mx->cname_target) {
    mx->cname_target = sd_strdup(a->cnames[a->cname_count - 1]);
    mx->cname_dnssec = a->dnssec;
  }
  for (size_t i = 0; i < a->count; i++)
    if (a->records[i].ip[0])
      add_address(mx, a->records[i].ip, a->qtype == SD_RR_A ? 4 : 6, a->dnssec, ev->engine->options.max_addrs);
}

static void on_address(const sd_dns_answer *a, void *arg) {
  mx_step *s = arg;
  eval *ev = s->ev;
  sd_mx_result *mx = &ev->r->mx[s->mx];
  merge_address_answer(ev, mx, a, s->answers == 0);
  if (++s->answers == 2) {
    if (mx->addr_count > 0) {
      s->answers = 0;
      query_tlsa(ev, s);
    } else {
      free(s);
    }
  }
  step_done(ev);
}

/* Starts the A lookup of name, and the AAAA lookup when want_aaaa, both
 * answered to cb with the same ctx, and counts them as pending steps. A
 * lookup that cannot even start is answered at once as an error, so cb runs
 * once per lookup whatever happens (the last answer may free ctx, and name
 * with it). */
static void query_addresses(eval *ev, const char *name, int want_aaaa, sd_dns_cb cb, void *ctx) {
  const uint16_t types[2] = {SD_RR_A, SD_RR_AAAA};
  int count = want_aaaa ? 2 : 1, failed[2] = {0, 0};
  ev->pending += count;
  for (int i = 0; i < count; i++) failed[i] = sd_engine_dns_query(ev->engine, name, types[i], cb, ctx) != 0;
  char why[] = "the lookup could not be started";
  sd_dns_answer error = {.qname = (char *)name, .lookup = SD_LOOKUP_ERROR, .dnssec = SD_DNSSEC_INDETERMINATE,
                         .error = why};
  for (int i = 0; i < count; i++) {
    if (!failed[i]) continue;
    error.qtype = types[i];
    cb(&error, ctx);
  }
}

static void lookup_host(eval *ev, size_t i) {
  sd_mx_result *mx = &ev->r->mx[i];
  if (mx->is_ip_literal) {
    char ip[64];
    snprintf(ip, sizeof(ip), "%s", mx->host);
    add_address(mx, ip, strchr(ip, ':') ? 6 : 4, ev->r->mx_dnssec, 1);
    mx->addr_lookup = SD_LOOKUP_OK;
    mx->addr_dnssec = ev->r->mx_dnssec;
    start_probes(ev, i);
    return;
  }
  mx_step *s = new_step(ev, i);
  if (!s) return;
  /* One step object serves both lookups; the second answer frees it. */
  query_addresses(ev, mx->host, 1, on_address, s);
}

/* ---- MX ---------------------------------------------------------------------- */

static int mx_compare(const void *x, const void *y) {
  const sd_mx_result *a = x, *b = y;
  if (a->preference != b->preference) return a->preference < b->preference ? -1 : 1;
  return strcmp(a->host, b->host);
}

static int mx_known(const sd_domain_result *r, const char *host) {
  for (size_t i = 0; i < r->mx_count; i++)
    if (strcmp(r->mx[i].host, host) == 0) return 1;
  return 0;
}

static void add_mx(sd_domain_result *r, const char *host, int preference) {
  if (mx_known(r, host)) return;
  sd_mx_result *mx = realloc(r->mx, (r->mx_count + 1) * sizeof(*mx));
  if (!mx) return;
  r->mx = mx;
  memset(&mx[r->mx_count], 0, sizeof(*mx));
  mx[r->mx_count].host = sd_strdup(host);
  mx[r->mx_count].preference = preference;
  mx[r->mx_count].is_ip_literal = sd_is_ip_literal(host);
  mx[r->mx_count].sts_match = -1;
  if (mx[r->mx_count].host) r->mx_count++;
}

static void build_mx_list(eval *ev, const sd_dns_answer *a) {
  sd_domain_result *r = ev->r;
  size_t nulls = 0;
  for (size_t i = 0; i < a->count; i++)
    if (a->records[i].target && a->records[i].target[0] == '\0') nulls++;
  if (nulls && nulls == a->count) {
    r->null_mx = 1; /* RFC 7505: "MX 0 ." and nothing else */
    return;
  }
  for (size_t i = 0; i < a->count; i++)
    if (a->records[i].target && a->records[i].target[0]) add_mx(r, a->records[i].target, a->records[i].preference);
  if (r->mx_count > 1) qsort(r->mx, r->mx_count, sizeof(*r->mx), mx_compare); /* r->mx may be NULL */
  /* Bounded work: drop the least preferred MX hosts beyond max_mx (only
   * their names are set so far). */
  while (r->mx_count > ev->engine->options.max_mx) free(r->mx[--r->mx_count].host);
}

static void on_dnskey(const sd_dns_answer *a, void *arg) {
  eval *ev = arg;
  if (a->lookup == SD_LOOKUP_OK && a->dnssec == SD_DNSSEC_INSECURE) ev->r->dnskey_without_ds = 1;
  step_done(ev);
}

static void on_mx(const sd_dns_answer *a, void *arg) {
  eval *ev = arg;
  sd_domain_result *r = ev->r;
  r->mx_lookup = a->lookup;
  r->mx_dnssec = a->dnssec;
  keep_why_bogus(&r->mx_why_bogus, a);
  if (a->lookup == SD_LOOKUP_ERROR)
    sd_findings_add(&r->findings, SD_C_MX_LOOKUP_FAILED, "mx", "%s", a->error ? a->error : "lookup failed");
  if (a->rrsig_expired && a->dnssec != SD_DNSSEC_SECURE)
    sd_findings_add(&r->findings, SD_C_DNSSEC_EXPIRED_RRSIG, "mx", "the RRSIG of the MX RRset of %s has expired",
                    r->domain);
  if (a->lookup == SD_LOOKUP_OK) {
    build_mx_list(ev, a);
  } else if (a->lookup == SD_LOOKUP_NODATA) {
    r->implicit_mx = 1; /* RFC 5321 §5.1: the domain itself */
    add_mx(r, r->domain, 0);
  }
  if (a->lookup != SD_LOOKUP_ERROR && a->dnssec == SD_DNSSEC_INSECURE)
    query(ev, r->domain, SD_RR_DNSKEY, on_dnskey, ev);
  for (size_t i = 0; i < r->mx_count; i++) lookup_host(ev, i);
  step_done(ev);
}

/* ---- MTA-STS and TLSRPT ------------------------------------------------------ */

static void on_fetch(const sd_fetch_result *res, void *arg) {
  eval *ev = arg;
  sd_domain_result *r = ev->r;
  sd_fetch_result_copy(&r->fetch, res);
  r->policy_fetched = 1;
  sd_fetch_result_findings(res, &r->findings);
  if (res->error == SD_FETCH_OK) sd_sts_policy_parse(res->body, res->body_len, &r->policy, &r->findings);
  step_done(ev);
}

/* The policy host mta-sts.<domain>: its addresses (A and AAAA, on the loop,
 * with the measurement's resolver), then the fetch connects to them; curl
 * never resolves names itself. The A answer also gives the CNAME: who hosts
 * the policy is what provider attribution in reports needs. */
#define SD_POLICY_HOST_ADDRS 8

typedef struct policy_step {
  eval *ev;
  char *host;
  int answers;                       /* A and AAAA answered so far (AAAA not asked: counted) */
  char *addrs[SD_POLICY_HOST_ADDRS];
  size_t count;
  sd_lookup lookups[2];              /* A, AAAA */
  char *error;                       /* the first failed lookup's text */
} policy_step;

static void free_policy_step(policy_step *p) {
  for (size_t i = 0; i < p->count; i++) free(p->addrs[i]);
  free(p->host);
  free(p->error);
  free(p);
}

static void note_policy_host_answer(policy_step *p, const sd_dns_answer *a) {
  sd_domain_result *r = p->ev->r;
  if (a->qtype == SD_RR_A) {
    r->policy_host_lookup = a->lookup;
    if (a->cname_count && !r->policy_host_cname) r->policy_host_cname = sd_strdup(a->cnames[a->cname_count - 1]);
  }
  p->lookups[a->qtype == SD_RR_A ? 0 : 1] = a->lookup;
  if (a->lookup == SD_LOOKUP_ERROR && !p->error) p->error = sd_strdup(a->error ? a->error : "lookup failed");
  for (size_t i = 0; i < a->count && p->count < SD_POLICY_HOST_ADDRS; i++)
    if (a->records[i].ip[0] && (p->addrs[p->count] = sd_strdup(a->records[i].ip))) p->count++;
}

/* Why the policy host has no address, in plain words. */
static const char *unresolved_reason(const policy_step *p) {
  if (p->error) return p->error;
  if (p->lookups[0] == SD_LOOKUP_NXDOMAIN) return "no such name";
  return "no A or AAAA record";
}

static void fetch_policy(policy_step *p) {
  eval *ev = p->ev;
  ev->pending++;
  if (p->count > 0 && sd_policy_cache_fetch(ev->engine->policies, ev->r->domain, (const char *const *)p->addrs,
                                            p->count, on_fetch, ev) == 0)
    return;
  sd_fetch_result unresolved;
  if (p->count == 0 && sd_fetch_result_unresolved(ev->engine->fetcher, ev->r->domain, unresolved_reason(p),
                                                  &unresolved) == 0) {
    on_fetch(&unresolved, ev); /* counts the step done */
    sd_fetch_result_free(&unresolved);
    return;
  }
  ev->pending--; /* could not start: no policy evidence, as before */
}

static void on_policy_host(const sd_dns_answer *a, void *arg) {
  policy_step *p = arg;
  eval *ev = p->ev;
  note_policy_host_answer(p, a);
  if (++p->answers == 2) {
    if (!ev->engine->options.no_https) fetch_policy(p);
    free_policy_step(p);
  }
  step_done(ev);
}

static void lookup_policy_host(eval *ev) {
  policy_step *p = calloc(1, sizeof(*p));
  if (!p || !(p->host = sd_asprintf("mta-sts.%s", ev->r->domain))) {
    free(p);
    return;
  }
  p->ev = ev;
  /* One step object serves both lookups; the second answer frees it.
   * Without HTTPS only A is asked, for the CNAME: nothing will connect. */
  int want_aaaa = !ev->engine->options.no_https;
  p->answers = want_aaaa ? 0 : 1;
  query_addresses(ev, p->host, want_aaaa, on_policy_host, p);
}

static void on_sts_txt(const sd_dns_answer *a, void *arg) {
  eval *ev = arg;
  sd_domain_result *r = ev->r;
  r->sts_txt_lookup = a->lookup;
  r->sts_txt_dnssec = a->dnssec;
  keep_why_bogus(&r->sts_txt_why_bogus, a);
  if (a->lookup == SD_LOOKUP_ERROR) {
    sd_findings_add(&r->findings, SD_C_STS_RECORD_LOOKUP_FAILED, "record", "%s", a->error ? a->error : "");
  } else {
    copy_txts(a, &r->sts_txts, &r->sts_txt_lens, &r->sts_txt_count);
    if (a->cname_count) r->sts_txt_cname = sd_strdup(a->cnames[a->cname_count - 1]);
    sd_sts_record_evaluate((const char *const *)r->sts_txts, r->sts_txt_lens, r->sts_txt_count, &r->sts_record,
                           &r->findings);
    /* Fetch whenever an MTA-STS record was attempted: even when the record is
     * broken, the policy is evidence an operator and a researcher want. */
    if (r->sts_record.candidates > 0) lookup_policy_host(ev);
  }
  step_done(ev);
}

static void on_tlsrpt_txt(const sd_dns_answer *a, void *arg) {
  eval *ev = arg;
  sd_domain_result *r = ev->r;
  r->tlsrpt_lookup = a->lookup;
  if (a->lookup == SD_LOOKUP_ERROR) {
    sd_findings_add(&r->findings, SD_C_TLSRPT_LOOKUP_FAILED, "tlsrpt", "%s", a->error ? a->error : "");
  } else {
    copy_txts(a, &r->tlsrpt_txts, &r->tlsrpt_txt_lens, &r->tlsrpt_txt_count);
    sd_tlsrpt_evaluate((const char *const *)r->tlsrpt_txts, r->tlsrpt_txt_lens, r->tlsrpt_txt_count, &r->tlsrpt,
                       &r->findings);
  }
  step_done(ev);
}

/* ---- start and finish --------------------------------------------------------- */

static void match_mx_against_policy(sd_domain_result *r) {
  if (!r->policy.valid) return;
  const char **hosts = calloc(r->mx_count ? r->mx_count : 1, sizeof(*hosts));
  for (size_t i = 0; hosts && i < r->mx_count; i++) hosts[i] = r->mx[i].host;
  for (size_t i = 0; i < r->mx_count; i++) {
    sd_mx_result *mx = &r->mx[i];
    mx->sts_match = sd_sts_policy_covers(&r->policy, mx->host);
    if (mx->sts_match) continue;
    mx->mismatch = sd_sts_mismatch_classify(&r->policy, mx->host, r->domain);
    sd_sts_mismatch_among(&mx->mismatch, mx->host, hosts, hosts ? r->mx_count : 0);
  }
  free(hosts);
}

static void finish(eval *ev) {
  match_mx_against_policy(ev->r);
  sd_verdict_derive(ev->r, ev->r->scanned_at);
  ev->cb(ev->r, ev->arg);
  free(ev);
}

/* Invalid input still yields a result, delivered from the loop like any other. */
static void on_invalid(evutil_socket_t fd, short what, void *arg) {
  eval *ev = arg;
  ev->pending = 1;
  step_done(ev);
}

int sd_evaluate(sd_engine *engine, const char *input, sd_domain_cb cb, void *arg) {
  eval *ev = calloc(1, sizeof(*ev));
  sd_domain_result *r = calloc(1, sizeof(*r));
  if (!ev || !r) {
    free(ev);
    free(r);
    return -1;
  }
  *ev = (eval){.engine = engine, .r = r, .cb = cb, .arg = arg};
  r->scanned_at = time(NULL);
  char name[SD_DOMAIN_MAX + 1], err[256];
  if (sd_domain_normalize(input, strlen(input), name, sizeof(name), err, sizeof(err)) != 0) {
    r->invalid_domain = 1;
    r->domain = sd_strndup(input, strnlen(input, 300));
    r->mx_lookup = SD_LOOKUP_ERROR;
    sd_findings_add(&r->findings, SD_C_INVALID_DOMAIN, "domain", "%s", err);
    const struct timeval now = {0, 0};
    return event_base_once(engine->base, -1, EV_TIMEOUT, on_invalid, ev, &now);
  }
  r->domain = sd_strdup(name);
  if (strcmp(name, input) != 0) r->input = sd_strdup(input);
  char *sts = sd_asprintf("_mta-sts.%s", name);
  char *tlsrpt = sd_asprintf("_smtp._tls.%s", name);
  ev->pending = 1; /* held until every first-level query is started */
  query(ev, name, SD_RR_MX, on_mx, ev);
  if (sts) query(ev, sts, SD_RR_TXT, on_sts_txt, ev);
  if (tlsrpt) query(ev, tlsrpt, SD_RR_TXT, on_tlsrpt_txt, ev);
  free(sts);
  free(tlsrpt);
  step_done(ev);
  return 0;
}
