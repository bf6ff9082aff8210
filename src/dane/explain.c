/*
 * The cause of a DANE mismatch (see explain.h). Each cause is checked
 * against the served certificates directly: a record "matches" a served
 * certificate when its data equals that certificate's value under the
 * record's own selector and matching type.
 */
#include "dane/explain.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/x509_util.h"
#include "util/str.h"

enum { PKIX_TA = 0, PKIX_EE = 1, DANE_TA = 2, DANE_EE = 3 };

/* Full value of cert under selector and matching type; caller frees with
 * OPENSSL_free. */
static unsigned char *cert_value(X509 *cert, int selector, int mtype, size_t *len) {
  unsigned char *der = NULL;
  int n = selector == 0 ? i2d_X509(cert, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (n <= 0) {
    OPENSSL_free(der);
    return NULL;
  }
  if (mtype == 0) {
    *len = (size_t)n;
    return der;
  }
  unsigned char *md = OPENSSL_malloc(EVP_MAX_MD_SIZE);
  unsigned int md_len = 0;
  int ok = md && EVP_Digest(der, (size_t)n, md, &md_len, mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL);
  OPENSSL_free(der);
  if (!ok) {
    OPENSSL_free(md);
    return NULL;
  }
  *len = md_len;
  return md;
}

static int value_is(X509 *cert, int selector, int mtype, const sd_tlsa *t) {
  if (selector > 1 || mtype > 2 || !t->data) return 0;
  size_t len = 0;
  unsigned char *v = cert_value(cert, selector, mtype, &len);
  int same = v && len == t->data_len && memcmp(v, t->data, len) == 0;
  OPENSSL_free(v);
  return same;
}

/* Depth of the served certificate whose value under the record's own
 * selector and matching type is its data; -1 when none. */
static int matching_depth(STACK_OF(X509) *all, const sd_tlsa *t) {
  for (int d = 0; d < sk_X509_num(all); d++)
    if (value_is(sk_X509_value(all, d), t->selector, t->mtype, t)) return d;
  return -1;
}

/* Usage a record needs to match a certificate served at depth. */
static int usage_for_depth(int depth) { return depth == 0 ? DANE_EE : DANE_TA; }

static char *record_text(const sd_tlsa *t) { return sd_tlsa_format(t); }

static char *record_for(X509 *cert, int usage, int selector, int mtype) {
  unsigned char *der = NULL;
  int n = i2d_X509(cert, &der);
  char *rec = n > 0 ? sd_tlsa_record_for_cert(der, (size_t)n, usage, selector, mtype) : NULL;
  OPENSSL_free(der);
  return rec;
}

static sd_tlsa_usability status_of(const sd_tlsa_usability *status, const sd_tlsa *rrs, size_t i) {
  return status ? status[i] : sd_tlsa_check(&rrs[i]);
}

/* A usable record whose data is a served certificate under other
 * parameters. */
static int explain_params(STACK_OF(X509) *all, const sd_tlsa *rrs, const sd_tlsa_usability *status,
                          size_t count, sd_dane_explanation *out) {
  for (size_t i = 0; i < count; i++) {
    if (status_of(status, rrs, i) != SD_TLSA_USABLE) continue;
    for (int d = 0; d < sk_X509_num(all); d++)
      for (int sel = 0; sel <= 1; sel++)
        for (int mt = 0; mt <= 2; mt++) {
          const sd_tlsa *t = &rrs[i];
          if (t->usage == usage_for_depth(d) && t->selector == sel && t->mtype == mt) continue;
          if (!value_is(sk_X509_value(all, d), sel, mt, t)) continue;
          out->cause = SD_DANE_CAUSE_PARAMS_WRONG;
          out->depth = d;
          out->record = record_text(t);
          out->fixed = record_for(sk_X509_value(all, d), usage_for_depth(d), sel, mt);
          return 1;
        }
  }
  return 0;
}

/* The usable record of the same usage and selector with the strongest
 * digest, which made rrs[weak] be ignored. */
static const sd_tlsa *stronger_of(const sd_tlsa *rrs, const sd_tlsa_usability *status, size_t count,
                                  const sd_tlsa *weak) {
  const sd_tlsa *best = NULL;
  for (size_t i = 0; i < count; i++) {
    const sd_tlsa *t = &rrs[i];
    if (status_of(status, rrs, i) != SD_TLSA_USABLE || t->usage != weak->usage || t->selector != weak->selector ||
        t->mtype <= weak->mtype)
      continue;
    if (!best || t->mtype > best->mtype) best = t;
  }
  return best;
}

static int explain_weaker_digest(STACK_OF(X509) *all, const sd_tlsa *rrs, const sd_tlsa_usability *status,
                                 size_t count, sd_dane_explanation *out) {
  for (size_t i = 0; status && i < count; i++) {
    if (status[i] != SD_TLSA_WEAKER_DIGEST) continue;
    int d = matching_depth(all, &rrs[i]);
    const sd_tlsa *strong = stronger_of(rrs, status, count, &rrs[i]);
    if (d < 0 || !strong || rrs[i].usage != usage_for_depth(d)) continue;
    out->cause = SD_DANE_CAUSE_WEAKER_DIGEST;
    out->depth = d;
    out->record = record_text(&rrs[i]);
    out->blocking = record_text(strong);
    out->fixed = record_for(sk_X509_value(all, d), strong->usage, strong->selector, strong->mtype);
    return 1;
  }
  return 0;
}

static int explain_unusable_usage(STACK_OF(X509) *all, const sd_tlsa *rrs, const sd_tlsa_usability *status,
                                  size_t count, sd_dane_explanation *out) {
  for (size_t i = 0; i < count; i++) {
    const sd_tlsa *t = &rrs[i];
    if (status_of(status, rrs, i) != SD_TLSA_UNUSABLE_USAGE || (t->usage != PKIX_TA && t->usage != PKIX_EE))
      continue;
    int d = matching_depth(all, t);
    if (d < 0) continue;
    out->cause = SD_DANE_CAUSE_UNUSABLE_USAGE;
    out->depth = d;
    out->record = record_text(t);
    sd_tlsa fixed = *t;
    fixed.usage = (uint8_t)usage_for_depth(d);
    out->fixed = sd_tlsa_format(&fixed);
    return 1;
  }
  return 0;
}

/* A DANE-TA digest that matches nothing while the served chain stops below
 * the issuer of its top certificate: the CA the record most likely names
 * is not sent. A Full (matching type 0) record carries the CA itself and
 * needs no certificate from the server, so it is not this cause. */
static int explain_ta_not_served(STACK_OF(X509) *all, const sd_tlsa *rrs, const sd_tlsa_usability *status,
                                 size_t count, sd_dane_explanation *out) {
  int n = sk_X509_num(all);
  X509 *top = sk_X509_value(all, n - 1);
  if (X509_check_issued(top, top) == X509_V_OK) return 0; /* the chain ends with a self-issued root */
  for (size_t i = 0; i < count; i++) {
    const sd_tlsa *t = &rrs[i];
    if (status_of(status, rrs, i) != SD_TLSA_USABLE || t->usage != DANE_TA || t->mtype == 0) continue;
    if (matching_depth(all, t) >= 0) continue;
    out->cause = SD_DANE_CAUSE_TA_NOT_SERVED;
    out->record = record_text(t);
    out->issuer = sd_x509_issuer(top);
    out->fixed = n > 1 ? record_for(top, DANE_TA, 1, 1) : record_for(top, DANE_EE, 1, 1);
    return 1;
  }
  return 0;
}

void sd_dane_explain_mismatch(const sd_chain *chain, const sd_tlsa *rrs, const sd_tlsa_usability *status,
                              size_t count, sd_dane_explanation *out) {
  memset(out, 0, sizeof(*out));
  out->cause = SD_DANE_CAUSE_STALE;
  out->depth = -1;
  STACK_OF(X509) *all = NULL;
  X509 *leaf = NULL;
  char *detail = NULL;
  if (!rrs || !chain || sd_x509_parse_chain(chain, &all, &leaf, &detail) != 0) {
    free(detail);
    return;
  }
  /* Most specific first: wrong parameters and ignored-but-right records
   * say exactly which record to change; a missing CA explains a DANE-TA
   * record that otherwise looks stale. */
  if (!explain_params(all, rrs, status, count, out) && !explain_weaker_digest(all, rrs, status, count, out) &&
      !explain_unusable_usage(all, rrs, status, count, out))
    explain_ta_not_served(all, rrs, status, count, out);
  sk_X509_pop_free(all, X509_free);
  ERR_clear_error();
}

void sd_dane_explanation_free(sd_dane_explanation *e) {
  if (!e) return;
  free(e->record);
  free(e->blocking);
  free(e->fixed);
  free(e->issuer);
  memset(e, 0, sizeof(*e));
  e->depth = -1;
}
