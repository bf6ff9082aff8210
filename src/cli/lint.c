/*
 * stsdane lint: the checks of `check`, offline, on what an operator is about
 * to publish: an MTA-STS record, a policy file (optionally against the MX
 * hosts it must cover), a TLSRPT record, a TLSA record against a certificate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/findings.h"
#include "dane/tlsa.h"
#include "mtasts/match.h"
#include "mtasts/policy.h"
#include "mtasts/record.h"
#include "mtasts/tlsrpt.h"
#include "tls/verify.h"
#include "util/escape.h"
#include "util/str.h"

static const char lint_usage[] =
    "usage: stsdane lint record 'v=STSv1; id=20240101'\n"
    "       stsdane lint policy FILE|- [--mx HOST]... [--domain DOMAIN]\n"
    "       stsdane lint tlsrpt 'v=TLSRPTv1; rua=mailto:tlsrpt@example.org'\n"
    "       stsdane lint tlsa --cert PEMFILE [--name HOST] 'USAGE SELECTOR MTYPE DATA'\n"
    "\n"
    "Offline checks before publishing; same findings and exit statuses as check\n"
    "(0 fine, 1 warnings, 2 errors, 3 usage).\n";

static int usage_error(const char *msg) {
  fprintf(stderr, "stsdane lint: %s; see 'stsdane lint --help'\n", msg);
  return SD_EXIT_USAGE;
}

static void print_line(const char *label, const char *text) {
  char *e = sd_escape_terminal(text, strlen(text));
  printf("%s%s\n", label, e ? e : "");
  free(e);
}

/* Prints the findings and returns the exit status they call for. */
static int report(const sd_findings *f, const char *ok_message) {
  for (size_t i = 0; i < f->count; i++) {
    const sd_code_info *info = sd_code_lookup(f->items[i].code);
    printf("%-7s %s%s%s%s: ", sd_severity_name(info->severity), info->name, info->tlsrpt ? " [" : "",
           info->tlsrpt ? info->tlsrpt : "", info->tlsrpt ? "]" : "");
    print_line("", f->items[i].detail && *f->items[i].detail ? f->items[i].detail : info->summary);
    if (f->items[i].remedy) print_line("        fix: ", f->items[i].remedy);
  }
  sd_severity worst = sd_findings_worst(f);
  if (f->count == 0) printf("ok: %s\n", ok_message);
  if (f->count == 0 || worst == SD_SEV_INFO) return SD_EXIT_OK;
  return worst == SD_SEV_WARNING ? SD_EXIT_WARNINGS : SD_EXIT_AT_RISK;
}

static int lint_record(int argc, char **argv) {
  if (argc != 2) return usage_error("lint record takes the record text as one argument");
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

static void check_tlsa_against_chain(const sd_tlsa *t, const sd_chain *chain, const char *name, sd_findings *f) {
  sd_dane_result res = {0};
  sd_dane_verify(chain, t, 1, name, NULL, 0, 0, &res);
  if (res.valid) {
    printf("matches the certificate at depth %d\n", res.match_depth);
  } else {
    sd_finding *fi = sd_findings_add(f, res.code, "tlsa", "%s", res.detail ? res.detail : "no match");
    char *rec = sd_tlsa_record_for_cert(chain->certs[0].der, chain->certs[0].len, 3, 1, 1);
    if (rec) sd_finding_set_remedy(fi, "publish _25._tcp.%s IN TLSA %s (the key this certificate carries)", name, rec);
    free(rec);
  }
  sd_dane_result_free(&res);
}

static int lint_tlsa(int argc, char **argv) {
  const char *cert = NULL, *name = NULL, *text = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc) cert = argv[++i];
    else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) name = argv[++i];
    else if (!text) text = argv[i];
    else return usage_error("lint tlsa takes one record, e.g. '3 1 1 <hex>'");
  }
  if (!text) return usage_error("lint tlsa needs a record, e.g. '3 1 1 <hex>'");
  sd_tlsa t = {0};
  if (sd_tlsa_parse_text(text, &t) != 0) return usage_error("the record is not 'USAGE SELECTOR MTYPE HEXDATA'");
  sd_findings f = {0};
  sd_tlsa_usability u = sd_tlsa_check(&t);
  if (u == SD_TLSA_MALFORMED)
    sd_findings_add(&f, SD_C_DANE_TLSA_MALFORMED, "tlsa", "the data does not fit matching type %u", t.mtype);
  else if (u != SD_TLSA_USABLE)
    sd_findings_add(&f, SD_C_DANE_TLSA_UNUSABLE, "tlsa", "%s: SMTP senders ignore this record (RFC 7672 §3.1.3)",
                    sd_tlsa_usability_name(u));
  sd_chain chain = {0};
  if (cert && load_chain(cert, &chain) != 0) {
    sd_tlsa_free(&t);
    sd_findings_clear(&f);
    fprintf(stderr, "stsdane lint: %s holds no PEM certificate\n", cert);
    return SD_EXIT_USAGE;
  }
  if (cert && u == SD_TLSA_USABLE) check_tlsa_against_chain(&t, &chain, name ? name : "mail.invalid", &f);
  int status = report(&f, "a usable TLSA record for SMTP");
  sd_chain_free(&chain);
  sd_tlsa_free(&t);
  sd_findings_clear(&f);
  return status;
}

int sd_cmd_lint(int argc, char **argv) {
  if (argc < 2) return usage_error("lint what? record, policy, tlsrpt or tlsa");
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
