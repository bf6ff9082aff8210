/*
 * Signature verification beside the event loop.
 *
 * Public-key verification is most of the CPU a DNSSEC-validating scan
 * spends (ECDSA P-256 here: ~60 µs a signature, against a few µs for
 * everything else a reply costs). One worker thread does it, so the event
 * loop keeps sending and reading queries on one core while the signatures
 * are checked on another. This is not a thread per domain: the loop stays
 * the only place where lookups, state and results live; the worker sees
 * nothing but self-contained jobs (bytes, a referenced key) and hands back
 * a yes or no, delivered on the loop.
 */
#ifndef SD_DNS_SIGWORKER_H
#define SD_DNS_SIGWORKER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct event_base;

typedef struct sd_sigjob {
  uint8_t key[16];   /* the signature cache key (sigcheck.c) */
  EVP_PKEY *pkey;    /* referenced: the zone may be forgotten meanwhile */
  uint8_t algorithm;
  uint8_t *data;     /* signed data, then the signature, one allocation */
  size_t data_len, sig_len;
  int valid;         /* the result */
  struct sd_sigjob *next;
} sd_sigjob;

typedef struct sd_sigworker sd_sigworker;
/* Called on the loop with finished jobs, in a list the callee frees
 * (sd_sigjob_free for each). */
typedef void (*sd_sigworker_done)(void *ctx, sd_sigjob *jobs);

/* NULL when the thread or its wakeup cannot be created: callers verify
 * synchronously then. */
sd_sigworker *sd_sigworker_new(struct event_base *base, sd_sigworker_done done, void *ctx);
/* A job with copies of data and sig, and a reference to pkey. NULL: out of memory. */
sd_sigjob *sd_sigjob_new(const uint8_t key[16], EVP_PKEY *pkey, uint8_t algorithm, const uint8_t *data, size_t len,
                         const uint8_t *sig, size_t sig_len);
void sd_sigjob_free(sd_sigjob *job);
/* Queues job (owned by the worker until it comes back through done). */
void sd_sigworker_submit(sd_sigworker *w, sd_sigjob *job);
/* Stops and joins the thread; jobs not delivered yet are freed unseen. */
void sd_sigworker_free(sd_sigworker *w);

#endif
