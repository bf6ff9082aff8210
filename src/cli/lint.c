/*
 * stsdane lint: the checks of `check`, offline, on what an operator is about
 * to publish: an MTA-STS record, a policy file (optionally against the MX
 * hosts it must cover), a TLSRPT record, a TLSA record against a certificate.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/commands.h"
#include "compare/dane_mismatch.h"
#include "result/result_json.h"
#include "cli/options.h"
#include "findings/findings.h"
#include "dane/tlsa.h"
#include "mtasts/match.h"
#include "mtasts/policy.h"
#include "mtasts/record.h"
#include "mtasts/tlsrpt.h"
#include "dane/verify.h"
#include "tls/verify.h"
#include "util/escape.h"
#include "util/str.h"

static const char lint_usage[] =
    "usage: stsdane lint [--json] record 'v=STSv1; id=20240101'\n"
    "       stsdane lint [--json] policy FILE|- [--mx HOST]... [--domain DOMAIN]\n"
    "       stsdane lint [--json] tlsrpt 'v=TLSRPTv1; rua=mailto:tlsrpt@example.org'\n"
    "       stsdane lint [--json] tlsa [--cert PEMFILE] [--name HOST] 'USAGE SELECTOR MTYPE DATA'...\n"
    "\n"
    "Offline checks before publishing; same findings and exit statuses as check\n"
    "(0 fine, 1 warnings, 2 errors, 3 usage).\n"
    "\n"
    "  --json    one JSON object: kind, input, findings (as in check --json),\n"
    "            notes, exit\n"
    "  tlsa      takes the whole RRset: several records as arguments, or one\n"
    "            argument with one record per line (e.g. from dig +short);\n"
    "            with --cert, the chain in PEMFILE (leaf first) must be\n"
    "            authenticated by the usable records, as a DANE sender would\n";

static int usage_error(const char *msg) {
  fprintf(stderr, "stsdane lint: %s; see 'stsdane lint --help'\n", msg);
  return SD_EXIT_USAGE;
}

/* What one lint run found: printed as text, or as one JSON object. */
typedef struct lint_out {
  int json;
  const char *kind;  /* record, policy, tlsrpt, tlsa */
  const char *input; /* the text or file name as given */
  sd_findings findings;
  char *notes[16]; /* plain lines such as "matches the certificate at depth 0" */
  size_t note_count;
} lint_out;

static lint_out g_out;

__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...) {
  if (g_out.note_count >= sizeof(g_out.notes) / sizeof(g_out.notes[0])) return;
  va_list ap;
  va_start(ap, fmt);
  char *text = NULL;
  if (vasprintf(&text, fmt, ap) >= 0) g_out.notes[g_out.note_count++] = text;
  va_end(ap);
}

static void print_line(const char *label, const char *text) {
  char *e = sd_escape_terminal(text, strlen(text));
  printf("%s%s\n", label, e ? e : "");
  free(e);
}

static int exit_for(const sd_findings *f) {
  sd_severity worst = sd_findings_worst(f);
  if (f->count == 0 || worst == SD_SEV_INFO) return SD_EXIT_OK;
  return worst == SD_SEV_WARNING ? SD_EXIT_WARNINGS : SD_EXIT_AT_RISK;
}

static void print_text(const sd_findings *f, const char *ok_message) {
  for (size_t i = 0; i < g_out.note_count; i++) print_line("", g_out.notes[i]);
  for (size_t i = 0; i < f->count; i++) {
    const sd_code_info *info = sd_code_lookup(f->items[i].code);
    printf("%-7s %s%s%s%s: ", sd_severity_name(info->severity), info->name, info->tlsrpt ? " [" : "",
           info->tlsrpt ? info->tlsrpt : "", info->tlsrpt ? "]" : "");
    print_line("", f->items[i].detail && *f->items[i].detail ? f->items[i].detail : info->summary);
    if (f->items[i].remedy) print_line("        fix: ", f->items[i].remedy);
  }
  if (f->count == 0) print_line("ok: ", ok_message);
}

static void print_json(const sd_findings *f, int status) {
  sd_jw w;
  sd_jw_init(&w, 1024);
  sd_jw_object_begin(&w);
  sd_jw_key(&w, "kind");
  sd_jw_string(&w, g_out.kind);
  sd_jw_key(&w, "input");
  sd_jw_utf8(&w, g_out.input ? g_out.input : "", g_out.input ? strlen(g_out.input) : 0);
  sd_jw_key(&w, "findings");
  sd_findings_json(&w, f);
  sd_jw_key(&w, "notes");
  sd_jw_array_begin(&w);
  for (size_t i = 0; i < g_out.note_count; i++) sd_jw_utf8(&w, g_out.notes[i], strlen(g_out.notes[i]));
  sd_jw_array_end(&w);
  sd_jw_key(&w, "exit");
  sd_jw_number(&w, status);
  sd_jw_object_end(&w);
  char *line = sd_jw_finish(&w);
  if (line) printf("%s\n", line);
  free(line);
}

/* Prints the findings and returns the exit status they call for. */
static int report(const sd_findings *f, const char *ok_message) {
  int status = exit_for(f);
  if (g_out.json) print_json(f, status);
  else print_text(f, ok_message);
  for (size_t i = 0; i < g_out.note_count; i++) free(g_out.notes[i]);
  g_out.note_count = 0;
  return status;
}

static int lint_record(int argc, char **argv) {
  if (argc != 2) return usage_error("lint record takes the record text as one argument");
  g_out.input = argv[1];
  sd_findings f = {0};
  sd_sts_record rec = {0};
  const char *txt = argv[1];
  size_t len = strlen(txt);
  sd_sts_record_evaluate(&txt, &len, 1, &rec, &f);
  if (rec.status == SD_STS_RECORD_ABSENT)
    sd_findings_add(&f, SD_C_STS_RECORD_BAD_VERSION, "record", "the text does not start with v=STSv1; so senders ignore it");
  char msg[128];
  snprintf(msg, sizeof(msg), "a valid MTA-STS record with id %s", rec.id);
  int status = report(&f, msg);
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
  return status;
}

static int lint_tlsrpt(int argc, char **argv) {
  if (argc != 2) return usage_error("lint tlsrpt takes the record text as one argument");
  g_out.input = argv[1];
  sd_findings f = {0};
  sd_tlsrpt_record rec = {0};
  const char *txt = argv[1];
  size_t len = strlen(txt);
  sd_tlsrpt_evaluate(&txt, &len, 1, &rec, &f);
  if (rec.status == SD_TLSRPT_ABSENT)
    sd_findings_add(&f, SD_C_TLSRPT_SYNTAX, "tlsrpt", "the text does not start with v=TLSRPTv1; so senders ignore it");
  int status = report(&f, "a valid TLSRPT record");
  sd_tlsrpt_record_free(&rec);
  sd_findings_clear(&f);
  return status;
}

/* Reads at most SD_STS_POLICY_MAX_BYTES + 1 bytes, as a fetch would. */
static char *read_policy(const char *path, size_t *len, int *too_large) {
  FILE *fp = strcmp(path, "-") == 0 ? stdin : sd_cli_fopen_input(path, "rb");
  if (!fp) return NULL;
  char *buf = malloc(SD_STS_POLICY_MAX_BYTES + 2);
  *len = buf ? fread(buf, 1, SD_STS_POLICY_MAX_BYTES + 1, fp) : 0;
  if (fp != stdin) fclose(fp);
  if (!buf) return NULL;
  *too_large = *len > SD_STS_POLICY_MAX_BYTES;
  if (*too_large) *len = SD_STS_POLICY_MAX_BYTES;
  buf[*len] = '\0';
  return buf;
}

static void check_coverage(const sd_sts_policy *p, char **hosts, size_t n, const char *domain, sd_findings *f) {
  for (size_t i = 0; i < n; i++) {
    if (sd_sts_policy_covers(p, hosts[i])) continue;
    sd_sts_mismatch_info m = sd_sts_mismatch_classify(p, hosts[i], domain ? domain : "");
    sd_sts_mismatch_among(&m, hosts[i], (const char *const *)hosts, n);
    sd_finding *fi = sd_findings_add(f, SD_C_STS_MX_MISMATCH, "policy", "MX %s matches no mx pattern (%s%s%s)", hosts[i],
                                     sd_sts_mismatch_name(m.kind), m.closest_pattern ? ", closest: " : "",
                                     m.closest_pattern ? m.closest_pattern : "");
    sd_finding_set_remedy(fi, "add the line 'mx: %s' to the policy and publish a new id in the _mta-sts record", hosts[i]);
  }
  for (size_t j = 0; n && j < p->mx_count; j++) {
    int used = 0;
    for (size_t i = 0; i < n && !used; i++) used = sd_sts_pattern_matches(p->mx[j], hosts[i]);
    if (!used) sd_findings_add(f, SD_C_STS_MX_PATTERN_UNUSED, "policy", "pattern %s covers none of the MX hosts given", p->mx[j]);
  }
}

static int lint_policy(int argc, char **argv) {
  const char *file = NULL, *domain = NULL;
  char **hosts = calloc((size_t)argc, sizeof(char *));
  size_t nhosts = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--mx") == 0 && i + 1 < argc) hosts[nhosts++] = argv[++i];
    else if (strcmp(argv[i], "--domain") == 0 && i + 1 < argc) domain = argv[++i];
    else if (!file) file = argv[i];
    else { free(hosts); return usage_error("lint policy takes one FILE (or -) and --mx HOST options"); }
  }
  if (!file) { free(hosts); return usage_error("lint policy needs a FILE, or - for standard input"); }
  g_out.input = file;
  size_t len = 0;
  int too_large = 0;
  char *body = read_policy(file, &len, &too_large);
  if (!body) {
    fprintf(stderr, "stsdane lint: cannot read %s: %s\n", file, strerror(errno));
    free(hosts);
    return SD_EXIT_USAGE;
  }
  sd_findings f = {0};
  sd_sts_policy p = {0};
  if (too_large)
    sd_findings_add(&f, SD_C_STS_POLICY_TOO_LARGE, "policy", "the file is larger than 64 KiB; senders stop reading there");
  sd_sts_policy_parse(body, len, &p, &f);
  if (p.valid) check_coverage(&p, hosts, nhosts, domain, &f);
  int status = report(&f, "a valid MTA-STS policy");
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);
  free(body);
  free(hosts);
  return status;
}

static int load_chain(const char *path, sd_chain *chain) {
  FILE *fp = sd_cli_fopen_input(path, "r");
  if (!fp) return -1;
  X509 *x;
  while (chain->count < 16 && (x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n > 0) sd_chain_append(chain, der, (size_t)n);
    OPENSSL_free(der);
    X509_free(x);
  }
  fclose(fp);
  return chain->count ? 0 : -1;
}

#define LINT_TLSA_MAX 64 /* records in one RRset */

/* Per-record findings, as check gives them for an RRset (malformed,
 * unusable parameters, weaker digest ignored). */
static void record_findings(const sd_tlsa *rrs, const sd_tlsa_usability *status, size_t n, sd_findings *f) {
  for (size_t i = 0; i < n; i++) {
    char *text = sd_tlsa_format(&rrs[i]);
    const char *t = text ? text : "?";
    switch (status[i]) {
    case SD_TLSA_USABLE: break;
    case SD_TLSA_MALFORMED:
      sd_finding_set_remedy(sd_findings_add(f, SD_C_DANE_TLSA_MALFORMED, "tlsa", "%.200s: the data does not fit "
                                            "matching type %u", t, rrs[i].mtype),
                            "a SHA2-256 digest is 32 bytes (64 hex digits), SHA2-512 64 bytes");
      break;
    case SD_TLSA_WEAKER_DIGEST:
      sd_findings_add(f, SD_C_DANE_WEAKER_DIGEST_IGNORED, "tlsa", "%.200s is ignored: a stronger digest exists for "
                      "the same usage and selector (RFC 7671 §9)", t);
      break;
    default:
      sd_findings_add(f, SD_C_DANE_TLSA_UNUSABLE, "tlsa", "%.200s (%s): SMTP senders ignore this record "
                      "(RFC 7672 §3.1.3)", t, sd_tlsa_usability_name(status[i]));
      break;
    }
    free(text);
  }
}

/* The RRset against the chain, as a DANE sender sees it: OpenSSL decides
 * with the usable records; a failure is explained with all of them. A
 * record that is malformed or unusable, checked against a certificate, is
 * then an error (dane-tlsa-mismatch) whenever nothing else matches. */
static void check_rrset_against_chain(const sd_tlsa *rrs, const sd_tlsa_usability *status, size_t n,
                                      const sd_chain *chain, const char *name, sd_findings *f) {
  sd_tlsa usable[LINT_TLSA_MAX];
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (status[i] == SD_TLSA_USABLE) usable[u++] = rrs[i];
  sd_dane_result res = {0};
  if (u) sd_dane_verify(chain, usable, u, name, NULL, 0, 0, &res);
  if (u && res.valid) {
    note("%s matches the certificate at depth %d", res.matched ? res.matched : "a record", res.match_depth);
  } else if (u && res.code != SD_C_DANE_TLSA_MISMATCH) {
    sd_findings_add(f, res.code, "tlsa", "%s", res.detail ? res.detail : "DANE verification failed");
  } else {
    sd_dane_mismatch_finding(f, "tlsa", name, name, NULL, chain, rrs, status, n, res.params_wrong);
  }
  sd_dane_result_free(&res);
}

/* Parses every record of every argument (one record per line) into rrs. */
static int parse_rrset(char **texts, size_t count, sd_tlsa *rrs, size_t *n) {
  *n = 0;
  for (size_t i = 0; i < count; i++) {
    char *copy = sd_strdup(texts[i]), *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
      size_t blank = strspn(line, " \t\r");
      if (line[blank] == '\0') continue;
      if (*n >= LINT_TLSA_MAX || sd_tlsa_parse_text(line, &rrs[*n]) != 0) {
        free(copy);
        return -1;
      }
      (*n)++;
    }
    free(copy);
  }
  return *n ? 0 : -1;
}

static int lint_tlsa(int argc, char **argv) {
  const char *cert = NULL, *name = NULL;
  char **texts = calloc((size_t)argc, sizeof(char *));
  size_t ntexts = 0;
  if (!texts) return usage_error("out of memory");
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc) cert = argv[++i];
    else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) name = argv[++i];
    else texts[ntexts++] = argv[i];
  }
  sd_tlsa rrs[LINT_TLSA_MAX];
  sd_tlsa_usability status[LINT_TLSA_MAX];
  size_t n = 0;
  int parsed = ntexts ? parse_rrset(texts, ntexts, rrs, &n) : -1;
  g_out.input = ntexts ? texts[0] : "";
  free(texts);
  if (parsed != 0) {
    for (size_t i = 0; i < n; i++) sd_tlsa_free(&rrs[i]);
    return usage_error(ntexts ? "each record must be 'USAGE SELECTOR MTYPE HEXDATA' (at most 64 records)"
                              : "lint tlsa needs a record, e.g. '3 1 1 <hex>'");
  }
  sd_chain chain = {0};
  if (cert && load_chain(cert, &chain) != 0) {
    for (size_t i = 0; i < n; i++) sd_tlsa_free(&rrs[i]);
    fprintf(stderr, "stsdane lint: %s holds no PEM certificate\n", cert);
    return SD_EXIT_USAGE;
  }
  sd_findings f = {0};
  sd_tlsa_select_usable(rrs, n, status);
  record_findings(rrs, status, n, &f);
  if (cert) check_rrset_against_chain(rrs, status, n, &chain, name ? name : "mail.invalid", &f);
  int rc = report(&f, n == 1 ? "a usable TLSA record for SMTP" : "usable TLSA records for SMTP");
  sd_chain_free(&chain);
  for (size_t i = 0; i < n; i++) sd_tlsa_free(&rrs[i]);
  sd_findings_clear(&f);
  return rc;
}

int sd_cmd_lint(int argc, char **argv) {
  /* --json may come anywhere; it is taken out before the kind's own args. */
  int kept = 0;
  for (int i = 0; i < argc; i++) {
    if (i > 0 && strcmp(argv[i], "--json") == 0) g_out.json = 1;
    else argv[kept++] = argv[i];
  }
  argc = kept;
  if (argc < 2) return usage_error("lint what? record, policy, tlsrpt or tlsa");
  g_out.kind = argv[1];
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(lint_usage, stdout);
    return SD_EXIT_OK;
  }
  const char *what = argv[1];
  if (strcmp(what, "record") == 0) return lint_record(argc - 1, argv + 1);
  if (strcmp(what, "policy") == 0) return lint_policy(argc - 1, argv + 1);
  if (strcmp(what, "tlsrpt") == 0) return lint_tlsrpt(argc - 1, argv + 1);
  if (strcmp(what, "tlsa") == 0) return lint_tlsa(argc - 1, argv + 1);
  return usage_error("lint what? record, policy, tlsrpt or tlsa");
}
