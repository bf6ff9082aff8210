/*
 * TLSA records (RFC 6698) with the usability rules of RFC 7672 §3.1.3 and
 * the digest agility of RFC 7671 §9.
 *
 * Decision on matching type Full(0) and digest agility: Full is not a
 * digest, so agility (which ranks digest algorithms) does not apply to it.
 * A usable "x y 0" record stays usable next to the strongest digest of the
 * same usage and selector. OpenSSL's DANE matcher (dane_match in
 * x509_vfy.c) makes the same choice, so what we call usable is what a
 * Postfix/OpenSSL sender really uses.
 */
#include "dane/tlsa.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/str.h"

enum {
  TLSA_USAGE_DANE_TA = 2,
  TLSA_USAGE_DANE_EE = 3,
  TLSA_SELECTOR_CERT = 0,
  TLSA_SELECTOR_SPKI = 1,
  TLSA_MTYPE_FULL = 0,
  TLSA_MTYPE_SHA256 = 1,
  TLSA_MTYPE_SHA512 = 2,
  TLSA_FIXED_FIELDS = 3, /* usage, selector, matching type */
};

/* Fills out with a copy of data; 0 on success. */
static int tlsa_set(sd_tlsa *out, unsigned usage, unsigned selector, unsigned mtype,
                    const uint8_t *data, size_t len) {
  memset(out, 0, sizeof(*out));
  if (len > SD_TLSA_MAX_DATA) return -1;
  out->usage = (uint8_t)usage;
  out->selector = (uint8_t)selector;
  out->mtype = (uint8_t)mtype;
  if (len == 0) return 0;
  out->data = malloc(len);
  if (!out->data) return -1;
  memcpy(out->data, data, len);
  out->data_len = len;
  return 0;
}

int sd_tlsa_from_rdata(const uint8_t *rdata, size_t len, sd_tlsa *out) {
  if (!out) return -1;
  memset(out, 0, sizeof(*out));
  if (!rdata || len < TLSA_FIXED_FIELDS) return -1;
  return tlsa_set(out, rdata[0], rdata[1], rdata[2], rdata + TLSA_FIXED_FIELDS,
                  len - TLSA_FIXED_FIELDS);
}

/* Reads one decimal field 0..255 followed by white space; advances *p. */
static int parse_octet_field(const char **p, unsigned *value) {
  const char *s = *p;
  while (isspace((unsigned char)*s)) s++;
  if (!isdigit((unsigned char)*s)) return -1;
  unsigned v = 0;
  size_t digits = 0;
  while (isdigit((unsigned char)*s)) {
    if (++digits > 3) return -1;
    v = v * 10 + (unsigned)(*s - '0');
    s++;
  }
  if (v > 255 || !isspace((unsigned char)*s)) return -1;
  *value = v;
  *p = s;
  return 0;
}

/* Hex with optional white space between digits into out (cap bytes);
 * returns the byte count or -1. */
static long parse_spaced_hex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  int high = -1;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (isspace(c)) continue;
    if (!isxdigit(c)) return -1;
    int v = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
    if (high < 0) {
      high = v;
      continue;
    }
    if (n >= cap) return -1;
    out[n++] = (uint8_t)(high << 4 | v);
    high = -1;
  }
  return high < 0 ? (long)n : -1;
}

int sd_tlsa_parse_text(const char *text, sd_tlsa *out) {
  if (!out) return -1;
  memset(out, 0, sizeof(*out));
  if (!text) return -1;
  unsigned usage, selector, mtype;
  const char *p = text;
  if (parse_octet_field(&p, &usage) || parse_octet_field(&p, &selector) ||
      parse_octet_field(&p, &mtype))
    return -1;
  uint8_t *buf = malloc(SD_TLSA_MAX_DATA);
  if (!buf) return -1;
  long n = parse_spaced_hex(p, buf, SD_TLSA_MAX_DATA);
  /* The presentation form always carries data (RFC 6698 §2.2). */
  int rc = n > 0 ? tlsa_set(out, usage, selector, mtype, buf, (size_t)n) : -1;
  free(buf);
  return rc;
}

char *sd_tlsa_format(const sd_tlsa *tlsa) {
  if (!tlsa) return NULL;
  char *hex = sd_hex(tlsa->data ? tlsa->data : (const uint8_t *)"", tlsa->data ? tlsa->data_len : 0);
  if (!hex) return NULL;
  char *s = sd_asprintf("%u %u %u%s%s", tlsa->usage, tlsa->selector, tlsa->mtype,
                        hex[0] ? " " : "", hex);
  free(hex);
  return s;
}

/* Full(0) data must be what OpenSSL's SSL_dane_tlsa_add accepts: one whole
 * DER certificate (selector 0) or SubjectPublicKeyInfo (selector 1) with a
 * key OpenSSL can decode, and nothing after it. */
static int full_data_parses(const sd_tlsa *t) {
  if (t->data_len > (size_t)INT32_MAX) return 0;
  const unsigned char *p = t->data;
  long len = (long)t->data_len;
  int ok = 0;
  if (t->selector == TLSA_SELECTOR_CERT) {
    X509 *cert = d2i_X509(NULL, &p, len);
    ok = cert && p == t->data + t->data_len && X509_get0_pubkey(cert) != NULL;
    X509_free(cert);
  } else {
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, len);
    ok = key && p == t->data + t->data_len;
    EVP_PKEY_free(key);
  }
  return ok;
}

static int data_fits_mtype(const sd_tlsa *t) {
  if (!t->data || t->data_len == 0) return 0;
  switch (t->mtype) {
  case TLSA_MTYPE_SHA256: return t->data_len == 32;
  case TLSA_MTYPE_SHA512: return t->data_len == 64;
  default: return full_data_parses(t);
  }
}

sd_tlsa_usability sd_tlsa_check(const sd_tlsa *tlsa) {
  if (!tlsa) return SD_TLSA_MALFORMED;
  /* RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP. */
  if (tlsa->usage != TLSA_USAGE_DANE_TA && tlsa->usage != TLSA_USAGE_DANE_EE)
    return SD_TLSA_UNUSABLE_USAGE;
  if (tlsa->selector != TLSA_SELECTOR_CERT && tlsa->selector != TLSA_SELECTOR_SPKI)
    return SD_TLSA_UNUSABLE_SELECTOR;
  if (tlsa->mtype > TLSA_MTYPE_SHA512) return SD_TLSA_UNUSABLE_MTYPE;
  if (tlsa->data_len > SD_TLSA_MAX_DATA || !data_fits_mtype(tlsa)) return SD_TLSA_MALFORMED;
  return SD_TLSA_USABLE;
}

/* Strongest digest matching type among the usable records of one
 * usage+selector; 0 when only Full records (or none) are usable. */
static uint8_t strongest_digest(const sd_tlsa *rrs, size_t count, const sd_tlsa_usability *status,
                                uint8_t usage, uint8_t selector) {
  uint8_t best = 0;
  for (size_t i = 0; i < count; i++) {
    if (status[i] != SD_TLSA_USABLE || rrs[i].usage != usage || rrs[i].selector != selector)
      continue;
    if (rrs[i].mtype != TLSA_MTYPE_FULL && rrs[i].mtype > best) best = rrs[i].mtype;
  }
  return best;
}

size_t sd_tlsa_select_usable(const sd_tlsa *rrs, size_t count, sd_tlsa_usability *status) {
  if (!rrs || !status) return 0;
  for (size_t i = 0; i < count; i++) status[i] = sd_tlsa_check(&rrs[i]);
  /* Agility is decided on the checked statuses before any record is
   * demoted, so the order of the RRset does not matter. Only the two SHA-2
   * types exist, so a higher number is a stronger digest. */
  uint8_t best[4][2] = {{0}};
  for (uint8_t u = TLSA_USAGE_DANE_TA; u <= TLSA_USAGE_DANE_EE; u++)
    for (uint8_t s = TLSA_SELECTOR_CERT; s <= TLSA_SELECTOR_SPKI; s++)
      best[u][s] = strongest_digest(rrs, count, status, u, s);
  size_t usable = 0;
  for (size_t i = 0; i < count; i++) {
    if (status[i] != SD_TLSA_USABLE) continue;
    const sd_tlsa *t = &rrs[i];
    if (t->mtype != TLSA_MTYPE_FULL && t->mtype < best[t->usage][t->selector])
      status[i] = SD_TLSA_WEAKER_DIGEST;
    else
      usable++;
  }
  return usable;
}

const char *sd_tlsa_usability_name(sd_tlsa_usability u) {
  switch (u) {
  case SD_TLSA_USABLE: return "usable";
  case SD_TLSA_UNUSABLE_USAGE: return "unusable-usage";
  case SD_TLSA_UNUSABLE_SELECTOR: return "unusable-selector";
  case SD_TLSA_UNUSABLE_MTYPE: return "unusable-matching-type";
  case SD_TLSA_MALFORMED: return "malformed";
  case SD_TLSA_WEAKER_DIGEST: return "weaker-digest";
  }
  return "unknown";
}

/* DER of the selected part of cert (the whole certificate or its SPKI), as
 * OpenSSL's dane_i2d encodes it; caller frees with OPENSSL_free. */
static unsigned char *selected_der(X509 *cert, int selector, int *len) {
  unsigned char *buf = NULL;
  if (selector == TLSA_SELECTOR_CERT)
    *len = i2d_X509(cert, &buf);
  else
    *len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &buf);
  if (*len <= 0) {
    OPENSSL_free(buf);
    return NULL;
  }
  return buf;
}

char *sd_tlsa_record_for_cert(const uint8_t *der, size_t der_len, int usage, int selector,
                              int mtype) {
  if (!der || der_len == 0 || der_len > (size_t)INT32_MAX || usage < 0 || usage > 255 ||
      selector < TLSA_SELECTOR_CERT || selector > TLSA_SELECTOR_SPKI || mtype < TLSA_MTYPE_FULL ||
      mtype > TLSA_MTYPE_SHA512)
    return NULL;
  const unsigned char *p = der;
  X509 *cert = d2i_X509(NULL, &p, (long)der_len);
  if (!cert) return NULL;
  int len = 0;
  unsigned char *sel = selected_der(cert, selector, &len);
  X509_free(cert);
  if (!sel) return NULL;

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  const unsigned char *value = sel;
  size_t value_len = (size_t)len;
  if (mtype != TLSA_MTYPE_FULL) {
    const EVP_MD *alg = mtype == TLSA_MTYPE_SHA256 ? EVP_sha256() : EVP_sha512();
    if (!EVP_Digest(sel, (size_t)len, md, &md_len, alg, NULL)) {
      OPENSSL_free(sel);
      return NULL;
    }
    value = md;
    value_len = md_len;
  }
  char *hex = sd_hex(value, value_len);
  OPENSSL_free(sel);
  if (!hex) return NULL;
  char *s = sd_asprintf("%d %d %d %s", usage, selector, mtype, hex);
  free(hex);
  return s;
}

void sd_tlsa_free(sd_tlsa *tlsa) {
  if (!tlsa) return;
  free(tlsa->data);
  tlsa->data = NULL;
  tlsa->data_len = 0;
}
