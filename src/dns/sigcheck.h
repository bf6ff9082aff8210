/*
 * RRSIG verification for the stub fast path (RFC 4034 §3.1.8.1 and §6,
 * RFC 4035 §5.3), with OpenSSL 3.
 *
 * Zone keys are parsed into EVP_PKEYs once (when the zone's DNSKEY RRset has
 * been validated), not once per signature as general-purpose validators do.
 * Results are remembered in a small direct-mapped cache keyed by a SHA-256
 * over the key, the signed data and the signature: the NSEC records of a
 * zone come back in many negative answers, and each is checked with
 * public-key crypto only once. The validity window is checked on every use,
 * before the cache. The public-key step can run on a worker thread
 * (sigworker.h): the caller is then told to wait, and called back.
 */
#ifndef SD_DNS_SIGCHECK_H
#define SD_DNS_SIGCHECK_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dns/wire.h"

typedef struct sd_dnskey {
  uint16_t flags;
  uint8_t algorithm;
  uint16_t tag;
  EVP_PKEY *pkey;
  uint8_t digest[32]; /* SHA-256 of the DNSKEY rdata: identifies the key in the signature cache */
} sd_dnskey;

/* 0: a zone key we can verify with (RSA/SHA-256 and SHA-512, ECDSA P-256 and
 * P-384, Ed25519, Ed448; not revoked). -1: skipped (other algorithm, not a
 * zone key, malformed). */
int sd_dnskey_parse(const uint8_t *rdata, size_t len, sd_dnskey *key);
void sd_dnskey_clear(sd_dnskey *key);

typedef enum sd_sig_result {
  SD_SIG_VALID = 0,
  SD_SIG_INVALID,     /* does not verify, or no matching key */
  SD_SIG_TIME,        /* outside its validity period */
  SD_SIG_UNSUPPORTED, /* not something this verifier judges (wrong signer, rdata we cannot canonicalise...) */
  SD_SIG_PENDING,     /* on the worker: the waiter hears when the result is in the cache */
} sd_sig_result;

typedef struct sd_sigcheck sd_sigcheck;

/* cache_slots: rounded up to a power of two; 0 = 32768. NULL: out of memory. */
sd_sigcheck *sd_sigcheck_new(size_t cache_slots);
void sd_sigcheck_free(sd_sigcheck *v);

struct event_base;
/* Called on the loop once per SD_SIG_PENDING, when that signature's result
 * is in (valid: whether it verified). It is in the cache too: checking
 * again answers at once. */
typedef void (*sd_sigcheck_ready)(void *ctx, void *waiter, int valid);
/* Verifies on a worker thread (sigworker.h) from now on. -1: no thread;
 * verification stays synchronous, which is equally correct. */
int sd_sigcheck_use_worker(sd_sigcheck *v, struct event_base *base, sd_sigcheck_ready ready, void *ctx);

/* Verifies, with the RRSIG record `sig` of m, the RRset it covers: the
 * records of sig's section with sig's owner, class and covered type. The
 * signer must be `zone` and the owner at or below it; now is the time in
 * seconds since the epoch (compared in serial number arithmetic). With a
 * worker and a waiter, a signature not in the cache goes to the worker
 * (SD_SIG_PENDING); otherwise it is verified now. */
sd_sig_result sd_sigcheck_rrset(sd_sigcheck *v, const sd_wire_msg *m, const sd_wire_rr *sig, const sd_wire_name *zone,
                                const sd_dnskey *keys, size_t key_count, uint32_t now, void *waiter);

/* Signatures verified with public-key crypto, and answered from the cache. */
size_t sd_sigcheck_verified(const sd_sigcheck *v);
size_t sd_sigcheck_cache_hits(const sd_sigcheck *v);
size_t sd_sigcheck_queued(const sd_sigcheck *v); /* handed to the worker */

/* The RRSIG rdata fields this module and its callers read. */
typedef struct sd_rrsig_fields {
  uint16_t covered;
  uint8_t algorithm;
  uint8_t labels;
  uint32_t original_ttl, expiration, inception;
  uint16_t key_tag;
  sd_wire_name signer;
  size_t signature_off, signature_len; /* in the message */
  size_t signed_len;                   /* rdata bytes before the signature, signer uncompressed */
} sd_rrsig_fields;

int sd_rrsig_read(const sd_wire_msg *m, const sd_wire_rr *sig, sd_rrsig_fields *f);

#endif
