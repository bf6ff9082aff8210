#include "dns/sigcrypto.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

int sd_sigcrypto_init(sd_sigcrypto *c) {
  memset(c, 0, sizeof(*c));
  c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  c->sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
  c->sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
  c->ctx = EVP_MD_CTX_new();
  if (c->sha256 && c->sha384 && c->sha512 && c->ctx) return 0;
  sd_sigcrypto_clear(c);
  return -1;
}

static void drop_key(sd_sigcrypto_key *k) {
  EVP_PKEY_CTX_free(k->ctx);
  EVP_PKEY_free(k->pkey);
  k->ctx = NULL;
  k->pkey = NULL;
}

void sd_sigcrypto_clear(sd_sigcrypto *c) {
  for (size_t i = 0; i < SD_SIGCRYPTO_KEYS; i++) drop_key(&c->keys[i]);
  EVP_MD_free(c->sha256);
  EVP_MD_free(c->sha384);
  EVP_MD_free(c->sha512);
  EVP_MD_CTX_free(c->ctx);
  memset(c, 0, sizeof(*c));
}

static const EVP_MD *digest_for(const sd_sigcrypto *c, uint8_t alg) {
  switch (alg) {
  case SD_ALG_RSASHA256:
  case SD_ALG_ECDSAP256: return c->sha256;
  case SD_ALG_ECDSAP384: return c->sha384;
  case SD_ALG_RSASHA512: return c->sha512;
  default: return NULL; /* EdDSA: no separate digest */
  }
}

/* RFC 6605 §4: r | s, each half the signature; OpenSSL wants DER. */
static int ecdsa_der(const uint8_t *sig, size_t len, uint8_t *der, size_t der_cap, size_t *der_len) {
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL), *s = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
  int ok = es && r && s && ECDSA_SIG_set0(es, r, s) == 1;
  if (!ok) {
    BN_free(r);
    BN_free(s);
  }
  int n = ok && i2d_ECDSA_SIG(es, NULL) <= (int)der_cap ? i2d_ECDSA_SIG(es, &der) : -1;
  ECDSA_SIG_free(es);
  if (n <= 0) return -1;
  *der_len = (size_t)n;
  return 0;
}

/* pkey's verification context, set up on first use. NULL: cannot. */
static EVP_PKEY_CTX *key_context(sd_sigcrypto *c, EVP_PKEY *pkey, const EVP_MD *md) {
  for (size_t i = 0; i < SD_SIGCRYPTO_KEYS; i++)
    if (c->keys[i].pkey == pkey) return c->keys[i].ctx;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
  if (!ctx || EVP_PKEY_verify_init(ctx) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 ||
      EVP_PKEY_up_ref(pkey) != 1) {
    EVP_PKEY_CTX_free(ctx);
    return NULL;
  }
  sd_sigcrypto_key *k = &c->keys[c->next_key++ % SD_SIGCRYPTO_KEYS];
  drop_key(k);
  k->pkey = pkey;
  k->ctx = ctx;
  return ctx;
}

/* RSA and ECDSA: hash, then verify the digest with the key's context. */
static int verify_digest(sd_sigcrypto *c, uint8_t algorithm, EVP_PKEY *pkey, const uint8_t *data, size_t len,
                         const uint8_t *sig, size_t sig_len) {
  const EVP_MD *md = digest_for(c, algorithm);
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_PKEY_CTX *ctx = key_context(c, pkey, md);
  return ctx && EVP_Digest(data, len, digest, &digest_len, md, NULL) == 1 &&
         EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;
}

int sd_sigcrypto_verify(sd_sigcrypto *c, uint8_t algorithm, EVP_PKEY *pkey, const uint8_t *data, size_t len,
                        const uint8_t *sig, size_t sig_len) {
  uint8_t der[160];
  switch (algorithm) {
  case SD_ALG_ECDSAP256:
  case SD_ALG_ECDSAP384:
    if (sig_len != (algorithm == SD_ALG_ECDSAP256 ? 64u : 96u) || ecdsa_der(sig, sig_len, der, sizeof(der), &sig_len) != 0)
      return 0;
    return verify_digest(c, algorithm, pkey, data, len, der, sig_len);
  case SD_ALG_RSASHA256:
  case SD_ALG_RSASHA512:
    return verify_digest(c, algorithm, pkey, data, len, sig, sig_len);
  default: /* EdDSA signs the message itself, not a digest */
    EVP_MD_CTX_reset(c->ctx);
    return EVP_DigestVerifyInit(c->ctx, NULL, NULL, NULL, pkey) == 1 &&
           EVP_DigestVerify(c->ctx, sig, sig_len, data, len) == 1;
  }
}
