/*
 * The policy host's certificate (RFC 8461 §3.3): OpenSSL checks the name
 * during chain verification, without curl's CN fallback, and the first
 * verification problem is kept with the certificate it concerns, so the
 * detail can say which certificate failed and why.
 */
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts/fetch_internal.h"
#include "util/escape.h"

static void copy_name(char *dst, size_t cap, X509_NAME *name) {
  dst[0] = '\0';
  if (name) X509_NAME_oneline(name, dst, (int)cap);
}

static void copy_time(char *dst, size_t cap, const ASN1_TIME *t) {
  dst[0] = '\0';
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio) return;
  if (t && ASN1_TIME_print(bio, t) == 1) {
    int n = BIO_read(bio, dst, (int)cap - 1);
    dst[n > 0 ? n : 0] = '\0';
  }
  BIO_free(bio);
}

static void copy_dns_names(char *dst, size_t cap, X509 *cert) {
  dst[0] = '\0';
  GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
  if (!names) return;
  size_t used = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_DNS) continue;
    const unsigned char *s = ASN1_STRING_get0_data(gn->d.dNSName);
    int n = ASN1_STRING_length(gn->d.dNSName);
    if (n <= 0 || used + (size_t)n + 2 > cap) break; /* cannot fit even unquoted */
    char *quoted = sd_quote_dup((const char *)s, (size_t)n); /* remote bytes */
    size_t qlen = quoted ? strlen(quoted) : 0;
    /* "name " plus NUL must fit; stop rather than truncate mid-name. */
    if (!quoted || used + qlen + 2 > cap) {
      free(quoted);
      break;
    }
    if (used) dst[used++] = ' ';
    memcpy(dst + used, quoted, qlen + 1);
    used += qlen;
    free(quoted);
  }
  GENERAL_NAMES_free(names);
}

/* Records the first verification failure with the certificate it concerns,
 * so the detail can say which certificate and why. Never changes the
 * verdict. */
static int on_verify(int ok, X509_STORE_CTX *store) {
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  fetch_request *req = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
  if (ok || !req || req->cert.error != 0) return ok;
  cert_problem *p = &req->cert;
  p->error = X509_STORE_CTX_get_error(store);
  p->depth = X509_STORE_CTX_get_error_depth(store);
  X509 *cert = X509_STORE_CTX_get_current_cert(store);
  if (cert) {
    copy_name(p->subject, sizeof(p->subject), X509_get_subject_name(cert));
    copy_dns_names(p->names, sizeof(p->names), cert);
    copy_time(p->not_before, sizeof(p->not_before), X509_get0_notBefore(cert));
    copy_time(p->not_after, sizeof(p->not_after), X509_get0_notAfter(cert));
  }
  return ok;
}

/* CURLOPT_SSL_CTX_FUNCTION: curl's own host check falls back to the CN when
 * there is no SAN; RFC 8461 (via RFC 6125) does not, so OpenSSL checks the
 * name during chain verification, which also yields HOSTNAME_MISMATCH as
 * the verify result. Curl makes a new SSL_CTX per connection, so app data
 * is ours alone. */
CURLcode sd_fetch_on_ssl_ctx(CURL *easy, void *ssl_ctx, void *userp) {
  (void)easy;
  SSL_CTX *ctx = ssl_ctx;
  fetch_request *req = userp;
  X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                             X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, req->host, 0) != 1) return CURLE_OUT_OF_MEMORY;
  SSL_CTX_set_app_data(ctx, req);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_verify);
  return CURLE_OK;
}

sd_fetch_error sd_fetch_verify_error_class(long verify) {
  switch (verify) {
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_OK: /* curl's own name check failed after OpenSSL's passed */
    return SD_FETCH_TLS_NAME;
  case X509_V_ERR_CERT_HAS_EXPIRED:
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return SD_FETCH_TLS_EXPIRED;
  default: /* self-signed, unknown issuer, bad signature, ... */
    return SD_FETCH_TLS_UNTRUSTED;
  }
}

long sd_fetch_verify_result(const fetch_request *req) {
  long verify = X509_V_OK;
  curl_easy_getinfo(req->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
  return verify != X509_V_OK ? verify : req->cert.error;
}

char *sd_fetch_cert_words(const fetch_request *req, sd_fetch_error error) {
  const cert_problem *p = &req->cert;
  long verify = sd_fetch_verify_result(req);
  const char *why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "name check failed";
  char *subject = sd_fetch_quoted(p->subject);
  if (subject && !*subject) {
    free(subject); /* an empty subject: say so instead of "subject )" */
    subject = sd_strdup("(empty)");
  }
  char *out = NULL;
  if (!p->error) {
    out = sd_asprintf("TLS certificate not accepted: %s", why);
  } else if (error == SD_FETCH_TLS_EXPIRED) {
    /* why reads "certificate has expired" / "certificate is not yet valid" */
    out = sd_asprintf("TLS %s (notBefore %s, notAfter %s, depth %d, subject %s)", why,
                      p->not_before, p->not_after, p->depth, subject ? subject : "?");
  } else if (error == SD_FETCH_TLS_NAME) {
    out = sd_asprintf("TLS certificate is not valid for %s: %s (SAN DNS names: %s; subject %s)",
                      req->host, why, p->names[0] ? p->names : "none", subject ? subject : "?");
  } else {
    out = sd_asprintf("TLS certificate is not trusted: %s (depth %d, subject %s)", why, p->depth,
                      subject ? subject : "?");
  }
  free(subject);
  return out;
}
