/*
 * Trust store loading and PKIX verification of a recorded chain as MTA-STS
 * requires (RFC 8461 §4.2 with RFC 6125): chain to a trusted root, validity
 * period, a SAN DNS-ID matching the MX host name (no CN fallback, wildcard
 * only as a whole left-most label), purpose TLS server.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls/verify.h"
#include "tls/x509_util.h"
#include "util/str.h"

/* Longest detail kept per code when several OpenSSL errors share it. */
#define PKIX_DETAIL_MAX 1024

static void set_error(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(char *err, size_t err_len, const char *fmt, ...) {
  if (!err || !err_len) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
}

X509_STORE *sd_trust_store_load(const char *ca_file, char *err, size_t err_len) {
  if (err && err_len) err[0] = '\0';
  X509_STORE *store = X509_STORE_new();
  if (!store) {
    set_error(err, err_len, "out of memory creating the trust store");
    return NULL;
  }
  ERR_clear_error();
  int ok = ca_file ? X509_STORE_load_file(store, ca_file) : X509_STORE_set_default_paths(store);
  if (ok != 1) {
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof(why));
    ERR_clear_error();
    if (ca_file)
      set_error(err, err_len,
                "cannot load CA certificates from %s (%s): give a readable PEM file with at "
                "least one certificate",
                ca_file, why);
    else
      set_error(err, err_len, "cannot load the system default CA store (%s)", why);
    X509_STORE_free(store);
    return NULL;
  }
  return store;
}

static sd_code pkix_code_for(int err) {
  switch (err) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return SD_C_CERT_EXPIRED;
  case X509_V_ERR_HOSTNAME_MISMATCH:
    return SD_C_CERT_HOST_MISMATCH;
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
    return SD_C_CERT_UNTRUSTED;
  default:
    return SD_C_CERT_INVALID;
  }
}

/* Adds code with detail (taken), or appends detail to the entry that
 * already has that code, so each code appears once. */
static void add_problem(sd_pkix_result *out, sd_code code, char *detail) {
  for (size_t i = 0; i < out->error_count; i++) {
    if (out->codes[i] != code) continue;
    char *old = out->details[i];
    if (old && detail && strlen(old) + strlen(detail) + 2 < PKIX_DETAIL_MAX) {
      char *joined = sd_asprintf("%s; %s", old, detail);
      if (joined) {
        free(old);
        out->details[i] = joined;
      }
    }
    free(detail);
    return;
  }
  if (out->error_count >= SD_PKIX_MAX_ERRORS) {
    free(detail);
    return;
  }
  out->codes[out->error_count] = code;
  out->details[out->error_count] = detail;
  out->error_count++;
}

static void fill_leaf_info(sd_pkix_result *out, X509 *leaf) {
  out->leaf_subject = sd_x509_subject(leaf);
  out->leaf_sans = sd_x509_dns_sans(leaf);
  out->leaf_not_after = sd_asn1_time_epoch(X509_get0_notAfter(leaf));
}

/* A copy of name without one trailing root dot; NULL for no name. */
static char *reference_name(const char *name) {
  if (!name || !*name) return NULL;
  size_t n = strlen(name);
  if (n > 1 && name[n - 1] == '.') n--;
  return sd_strndup(name, n);
}

/* RFC 8461 §4.2 name rules on top of the "ssl_server" defaults. */
static int set_pkix_params(X509_STORE_CTX *ctx, const char *hostname, time_t now) {
  X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
  if (!X509_STORE_CTX_set_default(ctx, "ssl_server")) return 0;
  char *host = reference_name(hostname);
  if (host) {
    int ok = X509_VERIFY_PARAM_set1_host(param, host, 0);
    free(host);
    if (!ok) return 0;
    X509_VERIFY_PARAM_set_hostflags(
        param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  }
  if (now) X509_VERIFY_PARAM_set_time(param, now);
  return 1;
}

static void run_pkix(STACK_OF(X509) *all, X509 *leaf, X509_STORE *trust, const char *hostname,
                     time_t now, sd_pkix_result *out) {
  X509_STORE *empty = trust ? NULL : X509_STORE_new();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  sd_verify_errors errs = {0};
  if (!ctx || (!trust && !empty) || !X509_STORE_CTX_init(ctx, trust ? trust : empty, leaf, all) ||
      !set_pkix_params(ctx, hostname, now)) {
    add_problem(out, SD_C_CERT_INVALID,
                sd_strdup("could not set up certificate verification (out of memory or a host "
                          "name OpenSSL rejects)"));
  } else {
    sd_verify_errors_attach(ctx, &errs);
    out->valid = sd_verify_run(ctx, &errs);
    for (size_t i = 0; i < errs.count; i++) {
      add_problem(out, pkix_code_for(errs.err[i]), errs.detail[i]);
      errs.detail[i] = NULL;
    }
  }
  sd_verify_errors_free(&errs);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(empty);
  ERR_clear_error();
}

void sd_pkix_verify(const sd_chain *chain, X509_STORE *trust, const char *hostname, time_t now,
                    sd_pkix_result *out) {
  if (!out) return;
  memset(out, 0, sizeof(*out));
  STACK_OF(X509) *all = NULL;
  X509 *leaf = NULL;
  char *detail = NULL;
  if (sd_x509_parse_chain(chain, &all, &leaf, &detail) != 0) {
    add_problem(out, SD_C_CERT_INVALID, detail);
    ERR_clear_error();
    return;
  }
  fill_leaf_info(out, leaf);
  run_pkix(all, leaf, trust, hostname, now, out);
  if (out->error_count) out->valid = 0;
  sk_X509_pop_free(all, X509_free);
}

void sd_pkix_result_free(sd_pkix_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->error_count; i++) free(r->details[i]);
  free(r->leaf_subject);
  free(r->leaf_sans);
  memset(r, 0, sizeof(*r));
}
