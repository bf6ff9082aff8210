/*
 * DANE verification (RFC 7672 §3) of a recorded chain with OpenSSL's DANE
 * API, offline: the same calls Postfix's tls_dane.c makes on a live
 * connection (SSL_CTX_dane_enable, SSL_dane_enable, SSL_add1_host,
 * SSL_dane_tlsa_add), then the steps of OpenSSL's own
 * ssl_verify_cert_chain (ssl/ssl_cert.c) on an SSL that is never
 * connected: X509_STORE_CTX_init with the served chain as untrusted,
 * X509_STORE_CTX_set0_dane, X509_STORE_CTX_set_default("ssl_server"),
 * X509_VERIFY_PARAM_set1 from the SSL's param, X509_verify_cert.
 *
 * How the match is read back: X509_verify_cert records the matched record
 * and depth in the SSL's SSL_DANE (mtlsa, mdpth), but SSL_get0_dane_tlsa
 * and SSL_get0_dane_authority answer only while SSL_get_verify_result is
 * X509_V_OK (ssl/ssl_lib.c). We therefore set the verify result to OK just
 * to read the match (which also tells us a DANE-TA record matched when a
 * later name or expiry check failed), then store the real result.
 *
 * The trust store is empty: DANE-TA and DANE-EE need no WebPKI roots.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dane/explain.h"
#include "dane/verify.h"
#include "tls/x509_util.h"
#include "util/str.h"

enum { DANE_TA = 2, DANE_EE = 3 };

/* What one offline DANE run needs; freed by dane_run_free. */
typedef struct dane_run {
  SSL_CTX *sctx;
  SSL *ssl;
  X509_STORE *store;
  X509_STORE_CTX *ctx;
  size_t records_added;
} dane_run;

static void dane_run_free(dane_run *run) {
  /* The store context points at the SSL's DANE state: free it first. */
  X509_STORE_CTX_free(run->ctx);
  X509_STORE_free(run->store);
  SSL_free(run->ssl);
  SSL_CTX_free(run->sctx);
  memset(run, 0, sizeof(*run));
}

static void fail(sd_dane_result *out, sd_code code, char *detail) {
  out->valid = 0;
  out->code = code;
  free(out->detail);
  out->detail = detail ? detail : sd_strdup("DANE verification failed (no detail: out of memory)");
}

/* A copy of name without one trailing root dot; NULL for no name. */
static char *reference_name(const char *name) {
  if (!name || !*name) return NULL;
  size_t n = strlen(name);
  if (n > 1 && name[n - 1] == '.') n--;
  return sd_strndup(name, n);
}

/* Reference identifiers (RFC 7672 §3.2.2): the base domain is set by
 * SSL_dane_enable (also as SNI); each other name is added. Wildcards only
 * as a whole left-most label, as Postfix sets. */
static int set_names(SSL *ssl, const char *base, const char *const *names, size_t name_count) {
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  for (size_t i = 0; names && i < name_count; i++) {
    char *name = reference_name(names[i]);
    if (!name) continue;
    int ok = sd_strcaseeq(name, base) || SSL_add1_host(ssl, name) == 1;
    free(name);
    if (!ok) return 0;
  }
  return 1;
}

/* Hands each usable record to OpenSSL; counts those it accepted. */
static void add_records(dane_run *run, const sd_tlsa *rrs, size_t count) {
  for (size_t i = 0; rrs && i < count; i++) {
    if (sd_tlsa_check(&rrs[i]) != SD_TLSA_USABLE) continue;
    if (SSL_dane_tlsa_add(run->ssl, rrs[i].usage, rrs[i].selector, rrs[i].mtype, rrs[i].data,
                          rrs[i].data_len) > 0)
      run->records_added++;
  }
  ERR_clear_error();
}

/* SSL_CTX and SSL with DANE enabled for base; NULL detail on success. */
static char *setup_ssl(dane_run *run, const char *base, const char *const *names,
                       size_t name_count) {
  run->sctx = SSL_CTX_new(TLS_client_method());
  if (!run->sctx || SSL_CTX_dane_enable(run->sctx) <= 0)
    return sd_strdup("OpenSSL could not enable DANE on an SSL_CTX (out of memory?)");
  /* RFC 7672 §3.1.1: DANE-EE(3) matches check neither names nor dates. */
  SSL_CTX_dane_set_flags(run->sctx, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  run->ssl = SSL_new(run->sctx);
  if (!run->ssl) return sd_strdup("OpenSSL could not create an SSL object (out of memory?)");
  if (SSL_dane_enable(run->ssl, base) <= 0)
    return sd_asprintf("OpenSSL rejects the TLSA base domain \"%s\" as a reference identifier",
                       base);
  if (!set_names(run->ssl, base, names, name_count))
    return sd_strdup("OpenSSL rejects one of the MX host names as a reference identifier");
  return NULL;
}

/* The steps of ssl_verify_cert_chain, with an empty store. */
static char *setup_store_ctx(dane_run *run, STACK_OF(X509) *all, X509 *leaf, time_t now) {
  run->store = X509_STORE_new();
  run->ctx = X509_STORE_CTX_new();
  if (!run->store || !run->ctx || !X509_STORE_CTX_init(run->ctx, run->store, leaf, all))
    return sd_strdup("could not set up certificate verification (out of memory)");
  X509_STORE_CTX_set0_dane(run->ctx, SSL_get0_dane(run->ssl));
  X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(run->ctx);
  if (!X509_STORE_CTX_set_default(run->ctx, "ssl_server") ||
      !X509_VERIFY_PARAM_set1(param, SSL_get0_param(run->ssl)))
    return sd_strdup("could not copy the DANE verification parameters (out of memory)");
  if (now) X509_VERIFY_PARAM_set_time(param, now);
  return NULL;
}

/* Reads the matched record and its depth (see the comment at the top). */
static void read_match(SSL *ssl, sd_dane_result *out, uint8_t *usage) {
  uint8_t selector = 0, mtype = 0;
  const unsigned char *data = NULL;
  size_t dlen = 0;
  long saved = SSL_get_verify_result(ssl);
  SSL_set_verify_result(ssl, X509_V_OK);
  int depth = SSL_get0_dane_tlsa(ssl, usage, &selector, &mtype, &data, &dlen);
  SSL_set_verify_result(ssl, saved);
  if (depth < 0 || !data) return;
  out->match_depth = depth;
  char *hex = sd_hex(data, dlen);
  if (hex) out->matched = sd_asprintf("%u %u %u %s", *usage, selector, mtype, hex);
  free(hex);
}

static char *join_errors(const sd_verify_errors *errs) {
  sd_buf b = {0};
  for (size_t i = 0; i < errs->count; i++) {
    if (i) sd_buf_puts(&b, "; ");
    sd_buf_puts(&b, errs->detail[i] ? errs->detail[i] : "?");
  }
  return sd_buf_take(&b);
}

/* The verifier sees only the usable records; the findings explain a
 * mismatch again with the whole RRset (compare/findings_mx.c). */
static void diagnose_mismatch(const sd_chain *chain, STACK_OF(X509) *all, const sd_tlsa *rrs, size_t count,
                              sd_dane_result *out) {
  sd_dane_explanation why;
  sd_dane_explain_mismatch(chain, rrs, NULL, count, &why);
  out->params_wrong = why.cause == SD_DANE_CAUSE_PARAMS_WRONG;
  char *hint = out->params_wrong
                   ? sd_asprintf("the data of record \"%.80s%s\" is the certificate at depth %d under "
                                 "other parameters: fix the usage/selector/matching type (\"%.80s%s\")",
                                 why.record ? why.record : "?", why.record && strlen(why.record) > 80 ? "..." : "",
                                 why.depth, why.fixed ? why.fixed : "?",
                                 why.fixed && strlen(why.fixed) > 80 ? "..." : "")
                   : NULL;
  char *leaf_key = NULL;
  unsigned char *der = NULL;
  int n = i2d_X509(sk_X509_value(all, 0), &der);
  if (n > 0) leaf_key = sd_tlsa_record_for_cert(der, (size_t)n, DANE_EE, 1, 1);
  OPENSSL_free(der);
  fail(out, SD_C_DANE_TLSA_MISMATCH,
       sd_asprintf("no usable TLSA record matches the %d certificate(s) served; %s; the served "
                   "leaf key is \"%s\"",
                   sk_X509_num(all), hint ? hint : "no usable record's data is a served certificate",
                   leaf_key ? leaf_key : "?"));
  free(hint);
  free(leaf_key);
  sd_dane_explanation_free(&why);
}

static int has_time_error(const sd_verify_errors *errs) {
  return sd_verify_errors_has(errs, X509_V_ERR_CERT_HAS_EXPIRED) ||
         sd_verify_errors_has(errs, X509_V_ERR_CERT_NOT_YET_VALID);
}

/* Maps the recorded errors to one code, most specific first. */
static void classify_failure(const sd_chain *chain, const sd_verify_errors *errs, STACK_OF(X509) *all, const sd_tlsa *rrs,
                             size_t count, uint8_t matched_usage, sd_dane_result *out) {
  if (sd_verify_errors_has(errs, X509_V_ERR_DANE_NO_MATCH)) {
    diagnose_mismatch(chain, all, rrs, count, out);
    return;
  }
  char *all_errors = join_errors(errs);
  const char *what = all_errors ? all_errors : "?";
  int ta = out->match_depth >= 0 && matched_usage == DANE_TA;
  if (sd_verify_errors_has(errs, X509_V_ERR_HOSTNAME_MISMATCH))
    fail(out, SD_C_DANE_TA_NAME_MISMATCH,
         sd_asprintf("a DANE-TA record%s%s matched but no certificate name matches the TLSA base "
                     "domain or the MX host name: %s",
                     ta ? " " : "", ta ? out->matched : "", what));
  else if (has_time_error(errs))
    fail(out, SD_C_DANE_TA_EXPIRED,
         sd_asprintf("a DANE-TA record%s%s matched but the chain is outside its validity period "
                     "(DANE-TA enforces expiry): %s",
                     ta ? " " : "", ta ? out->matched : "", what));
  else
    fail(out, SD_C_DANE_VALIDATION_FAILED, sd_asprintf("DANE verification failed: %s", what));
  free(all_errors);
}

static void verify_parsed(const sd_chain *chain, STACK_OF(X509) *all, X509 *leaf, const sd_tlsa *rrs, size_t count,
                          const char *base, const char *const *names, size_t name_count,
                          time_t now, sd_dane_result *out) {
  dane_run run = {0};
  sd_verify_errors errs = {0};
  char *why = setup_ssl(&run, base, names, name_count);
  if (!why) {
    add_records(&run, rrs, count);
    if (run.records_added == 0)
      why = sd_asprintf("none of the %zu TLSA records given is usable (usage 2/3, selector 0/1, "
                        "matching type 0/1/2 with well-formed data)",
                        count);
  }
  if (!why) why = setup_store_ctx(&run, all, leaf, now);
  if (why) {
    fail(out, SD_C_DANE_VALIDATION_FAILED, why);
    dane_run_free(&run);
    return;
  }
  sd_verify_errors_attach(run.ctx, &errs);
  int ok = sd_verify_run(run.ctx, &errs);
  SSL_set_verify_result(run.ssl, ok ? X509_V_OK : errs.err[0]);
  uint8_t usage = 0;
  read_match(run.ssl, out, &usage);
  if (ok && out->match_depth >= 0) {
    out->valid = 1;
  } else if (ok) {
    /* Passed without a recorded match: never call that DANE success. */
    fail(out, SD_C_DANE_VALIDATION_FAILED,
         sd_strdup("OpenSSL accepted the chain but reported no matching TLSA record"));
  } else {
    classify_failure(chain, &errs, all, rrs, count, usage, out);
  }
  sd_verify_errors_free(&errs);
  dane_run_free(&run);
}

void sd_dane_verify(const sd_chain *chain, const sd_tlsa *rrs, size_t count,
                    const char *base_domain, const char *const *names, size_t name_count,
                    time_t now, sd_dane_result *out) {
  if (!out) return;
  memset(out, 0, sizeof(*out));
  out->match_depth = -1;
  char *base = reference_name(base_domain);
  STACK_OF(X509) *all = NULL;
  X509 *leaf = NULL;
  char *detail = NULL;
  if (!base)
    fail(out, SD_C_DANE_VALIDATION_FAILED, sd_strdup("no TLSA base domain was given"));
  else if (sd_x509_parse_chain(chain, &all, &leaf, &detail) != 0)
    fail(out, SD_C_DANE_VALIDATION_FAILED, detail);
  else
    verify_parsed(chain, all, leaf, rrs, count, base, names, name_count, now, out);
  sk_X509_pop_free(all, X509_free);
  free(base);
  ERR_clear_error();
}

void sd_dane_result_free(sd_dane_result *r) {
  if (!r) return;
  free(r->matched);
  free(r->detail);
  memset(r, 0, sizeof(*r));
  r->match_depth = -1;
}
