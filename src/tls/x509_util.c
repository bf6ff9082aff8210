/* Helpers shared by PKIX and DANE verification (see x509_util.h). */
#include "tls/x509_util.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "util/str.h"

static char *openssl_error_text(void) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return sd_strdup("no OpenSSL error reported");
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return sd_strdup(buf);
}

/* One certificate: the whole buffer must be exactly one DER certificate. */
static X509 *parse_one(const sd_cert_der *c) {
  if (!c->der || c->len == 0 || c->len > SD_CERT_MAX_DER) return NULL;
  const unsigned char *p = c->der;
  X509 *cert = d2i_X509(NULL, &p, (long)c->len);
  if (cert && p != c->der + c->len) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

int sd_x509_parse_chain(const sd_chain *chain, STACK_OF(X509) **all, X509 **leaf, char **detail) {
  *all = NULL;
  *leaf = NULL;
  *detail = NULL;
  if (!chain || chain->count == 0) {
    *detail = sd_strdup("the server sent no certificate");
    return -1;
  }
  STACK_OF(X509) *sk = sk_X509_new_null();
  if (!sk) {
    *detail = sd_strdup("out of memory while reading the certificate chain");
    return -1;
  }
  for (size_t i = 0; i < chain->count; i++) {
    X509 *cert = parse_one(&chain->certs[i]);
    if (!cert) {
      char *why = openssl_error_text();
      *detail = sd_asprintf("the certificate at depth %zu (%zu bytes) is not one valid DER "
                            "certificate (%s); the server must send well-formed certificates",
                            i, chain->certs[i].len, why ? why : "?");
      free(why);
      sk_X509_pop_free(sk, X509_free);
      return -1;
    }
    if (!sk_X509_push(sk, cert)) {
      X509_free(cert);
      sk_X509_pop_free(sk, X509_free);
      *detail = sd_strdup("out of memory while reading the certificate chain");
      return -1;
    }
  }
  *all = sk;
  *leaf = sk_X509_value(sk, 0);
  return 0;
}

static char *name_text(const X509_NAME *name) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio) return NULL;
  char *text = NULL;
  if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
    char *mem = NULL;
    long n = BIO_get_mem_data(bio, &mem);
    text = n > 0 ? sd_strndup(mem, (size_t)n) : sd_strdup("");
  }
  BIO_free(bio);
  return text;
}

char *sd_x509_subject(X509 *cert) { return name_text(X509_get_subject_name(cert)); }

char *sd_x509_issuer(X509 *cert) { return name_text(X509_get_issuer_name(cert)); }

char *sd_x509_dns_sans(X509 *cert) {
  GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
  sd_buf out = {0};
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_DNS) continue;
    const ASN1_STRING *s = gn->d.dNSName;
    if (out.len) sd_buf_puts(&out, ", ");
    /* SANs are remote data: keep only printable ASCII so they can be shown. */
    const unsigned char *d = ASN1_STRING_get0_data(s);
    for (int j = 0; j < ASN1_STRING_length(s); j++) {
      char c = (d[j] >= 0x20 && d[j] < 0x7f) ? (char)d[j] : '?';
      sd_buf_append(&out, &c, 1);
    }
  }
  GENERAL_NAMES_free(names);
  if (out.failed) {
    sd_buf_free(&out);
    return NULL;
  }
  return sd_buf_take(&out);
}

char *sd_asn1_time_text(const ASN1_TIME *t) {
  struct tm tm;
  if (!t || !ASN1_TIME_to_tm(t, &tm)) return sd_strdup("(unreadable time)");
  char buf[32];
  if (strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return sd_strdup("(unreadable time)");
  return sd_strdup(buf);
}

time_t sd_asn1_time_epoch(const ASN1_TIME *t) {
  struct tm tm;
  if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
  return timegm(&tm);
}

/* Detail for one error: OpenSSL's words plus what is needed to act on it. */
static char *describe_error(X509_STORE_CTX *ctx, int err, int depth) {
  X509 *cert = X509_STORE_CTX_get_current_cert(ctx);
  const char *what = X509_verify_cert_error_string(err);
  char *subject = cert ? sd_x509_subject(cert) : NULL;
  char *extra = NULL;
  if (cert && (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID)) {
    char *nb = sd_asn1_time_text(X509_get0_notBefore(cert));
    char *na = sd_asn1_time_text(X509_get0_notAfter(cert));
    extra = sd_asprintf(", valid %s to %s", nb ? nb : "?", na ? na : "?");
    free(nb);
    free(na);
  } else if (cert && err == X509_V_ERR_HOSTNAME_MISMATCH) {
    char *sans = sd_x509_dns_sans(cert);
    extra = sd_asprintf(", DNS names in the certificate: %s",
                        sans && *sans ? sans : "none");
    free(sans);
  }
  /* An empty subject (common in leaf certificates that rely on SANs) is
   * named as such, not printed as "subject ,". */
  char *s = sd_asprintf("%s (depth %d%s%s%s)", what, depth, subject ? ", subject " : "",
                        subject ? (*subject ? subject : "(empty)") : "", extra ? extra : "");
  free(subject);
  free(extra);
  return s;
}

/* Records err unless already seen or the table is full; takes detail. */
static void add_error(sd_verify_errors *errs, int err, int depth, char *detail) {
  if (sd_verify_errors_has(errs, err) || errs->count >= SD_VERIFY_MAX_ERRORS) {
    free(detail);
    return;
  }
  errs->err[errs->count] = err;
  errs->depth[errs->count] = depth;
  errs->detail[errs->count] = detail;
  errs->count++;
}

static int record_error_cb(int ok, X509_STORE_CTX *ctx) {
  if (ok) return ok;
  sd_verify_errors *errs = X509_STORE_CTX_get_app_data(ctx);
  int err = X509_STORE_CTX_get_error(ctx);
  if (!errs) return 0;
  int depth = X509_STORE_CTX_get_error_depth(ctx);
  add_error(errs, err, depth, describe_error(ctx, err, depth));
  /* Out of memory: nothing sensible to continue with. */
  return err == X509_V_ERR_OUT_OF_MEM ? 0 : 1;
}

int sd_verify_run(X509_STORE_CTX *ctx, sd_verify_errors *errs) {
  int rc = X509_verify_cert(ctx);
  if (rc <= 0 && errs->count == 0) {
    /* Failed without telling the callback (e.g. an internal error): record
     * it so a failure is never mistaken for success. */
    int err = X509_STORE_CTX_get_error(ctx);
    if (err == X509_V_OK) err = X509_V_ERR_UNSPECIFIED;
    char *why = openssl_error_text();
    add_error(errs, err, X509_STORE_CTX_get_error_depth(ctx),
              sd_asprintf("%s (%s)", X509_verify_cert_error_string(err), why ? why : "?"));
    free(why);
  }
  return errs->count == 0;
}

void sd_verify_errors_attach(X509_STORE_CTX *ctx, sd_verify_errors *errs) {
  X509_STORE_CTX_set_app_data(ctx, errs);
  X509_STORE_CTX_set_verify_cb(ctx, record_error_cb);
}

int sd_verify_errors_has(const sd_verify_errors *errs, int err) {
  for (size_t i = 0; i < errs->count; i++)
    if (errs->err[i] == err) return 1;
  return 0;
}

void sd_verify_errors_free(sd_verify_errors *errs) {
  for (size_t i = 0; i < errs->count; i++) free(errs->detail[i]);
  memset(errs, 0, sizeof(*errs));
}
