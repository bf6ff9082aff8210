/*
 * The public-key step of RRSIG verification (RFC 4034 §3.1.8.1 with the
 * algorithm RFCs 5702, 6605, 8080), with OpenSSL 3: one verifier per thread,
 * its digests fetched once, its keys' contexts set up once.
 */
#ifndef SD_DNS_SIGCRYPTO_H
#define SD_DNS_SIGCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers"). */
enum {
  SD_ALG_RSASHA256 = 8,
  SD_ALG_RSASHA512 = 10,
  SD_ALG_ECDSAP256 = 13,
  SD_ALG_ECDSAP384 = 14,
  SD_ALG_ED25519 = 15,
  SD_ALG_ED448 = 16,
};

/* Keys met recently, with a verification context set up once: in OpenSSL 3
 * setting one up (EVP_DigestVerifyInit) costs about a tenth of an ECDSA
 * verification, and a scan verifies thousands of signatures per key. */
#define SD_SIGCRYPTO_KEYS 16

typedef struct sd_sigcrypto_key {
  EVP_PKEY *pkey;    /* referenced, so the address cannot be reused by another key */
  EVP_PKEY_CTX *ctx; /* EVP_PKEY_verify_init done, digest set */
} sd_sigcrypto_key;

typedef struct sd_sigcrypto {
  EVP_MD *sha256, *sha384, *sha512;
  EVP_MD_CTX *ctx;
  sd_sigcrypto_key keys[SD_SIGCRYPTO_KEYS];
  unsigned next_key; /* replaced round robin */
} sd_sigcrypto;

int sd_sigcrypto_init(sd_sigcrypto *c);
void sd_sigcrypto_clear(sd_sigcrypto *c);
/* 1 when sig (in DNSSEC wire form) over data verifies with pkey. */
int sd_sigcrypto_verify(sd_sigcrypto *c, uint8_t algorithm, EVP_PKEY *pkey, const uint8_t *data, size_t len,
                        const uint8_t *sig, size_t sig_len);

#endif
