/*
 * SMTP STARTTLS probes on the shared libevent loop: connect, banner, EHLO,
 * STARTTLS, TLS handshake with SNI, record the served chain, QUIT. Never
 * sends mail. Results are cached per (address, port, SNI) within a byte
 * budget, least recently used out first, so an MX address serving many
 * domains is probed once while its result is kept.
 */
#ifndef SD_SMTP_PROBER_H
#define SD_SMTP_PROBER_H

#include <stddef.h>
#include <stdint.h>

#include "tls/chain.h"

struct event_base;

#define SD_PROBE_DEFAULT_PER_ADDRESS 2
/* Finished results kept for later requests (sd_probe_options.cache_bytes).
 * 8 MiB keeps about 5,000 results with their chains: every MX address
 * shared by many domains stays (they are asked for again within a few
 * thousand results), and the long tail of one-domain MX hosts goes, which
 * no later domain asks for. Measured (docs/bench.md, "Where the memory
 * goes"): on 20,000 domains of the internet-like population, 8 MiB and
 * 32 MiB answered the same requests from the cache (57,018 and 56,132 of
 * 71,609) and opened 13,753 and 13,745 connections; 32 MiB only held 24 MB
 * more at 100,000 domains. */
#define SD_PROBE_DEFAULT_CACHE_BYTES (8u * 1024 * 1024)

typedef struct sd_probe_options {
  const char *ehlo_name;     /* default: the machine's FQDN (smtp/ehlo_name.h) */
  int connect_timeout_ms;    /* default 10000 */
  int command_timeout_ms;    /* per reply; default 30000 */
  int tls_timeout_ms;        /* handshake; default 30000 */
  int total_timeout_ms;      /* whole probe; default 60000 */
  size_t max_reply_bytes;    /* one multi-line reply; default 64 KiB */
  size_t max_line_bytes;     /* one reply line; default 4096 */
  double rate;               /* new connections per second overall; 0 = unlimited */
  int per_address_limit;     /* concurrent connections per address; default SD_PROBE_DEFAULT_PER_ADDRESS */
  int retries;               /* retries for timeouts and 4xx greetings; default 0. Soft failures
                              * (4xx to EHLO or STARTTLS, connection resets, TLS handshake aborts)
                              * get at least SD_PROBE_SOFT_RETRIES */
  int retry_backoff_ms;      /* added: first retry delay, doubled per retry (max 30 s); default 1000 */
  size_t cache_bytes;        /* finished results kept for later requests, least recently used
                              * evicted first; default SD_PROBE_DEFAULT_CACHE_BYTES */
  int max_connections;       /* connections open at once overall (descriptors); default 256.
                              * Lowered by itself when the system runs out of descriptors */
} sd_probe_options;

typedef enum sd_probe_status {
  SD_PROBE_OK = 0,            /* TLS established and chain recorded */
  SD_PROBE_NO_STARTTLS,       /* SMTP fine, STARTTLS not offered in EHLO */
  SD_PROBE_STARTTLS_REJECTED, /* STARTTLS answered with non-220 */
  SD_PROBE_TLS_FAILED,        /* handshake failed after 220 to STARTTLS */
  SD_PROBE_CONNECT_REFUSED,   /* RST on connect */
  SD_PROBE_CONNECT_FAILED,    /* unreachable, other socket error */
  SD_PROBE_TIMEOUT,           /* some step exceeded its time bound */
  SD_PROBE_BANNER_REJECT,     /* greeting 4xx/5xx */
  SD_PROBE_PROTOCOL_ERROR,    /* malformed/oversized reply, EHLO rejected, closed early */
} sd_probe_status;

/* Retries a soft failure always gets: a server saying "not now" (454 4.7.0
 * TLS not available due to local problem) must not become a finding. */
#define SD_PROBE_SOFT_RETRIES 2

typedef struct sd_probe_result {
  sd_probe_status status;
  const char *failed_step; /* "connect", "banner", "ehlo", "starttls", "tls", NULL on success */
  char *detail;            /* plain words, e.g. "connection refused", OpenSSL error string */
  char *ip;
  uint16_t port;
  char *sni;
  char *banner;            /* first line of the greeting, control chars kept as-is (escape when printing) */
  int banner_code;         /* 220 etc; 0 if none */
  char *ehlo;              /* EHLO reply lines joined with '\n' */
  int starttls_offered;    /* -1 unknown (did not get that far), 0, 1 */
  char *tls_version;       /* "TLSv1.3" */
  char *tls_cipher;
  sd_chain chain;          /* as served, leaf first */
  double elapsed_ms;
  int attempts;            /* connections made for this result (retries included) */
  int reply_code;          /* the refusing reply to EHLO/HELO or STARTTLS (454, 502, ...); 0 if none */
  char *transient_error;   /* detail of the last transient failure that was retried, or NULL */
} sd_probe_result;

typedef struct sd_prober sd_prober;
/* The result is owned by the prober's cache and valid only during the
 * callback (it may be evicted afterwards): copy what you keep. */
typedef void (*sd_probe_cb)(const sd_probe_result *result, void *arg);

sd_prober *sd_prober_new(struct event_base *base, const sd_probe_options *options);
/* Starts (or joins, or answers from cache) a probe; cb is always called
 * later from the event loop, never from within this call. 0 on success. */
int sd_probe_start(sd_prober *prober, const char *ip, uint16_t port, const char *sni,
                   sd_probe_cb cb, void *arg);
/* Number of connections actually opened so far (for "probed once" checks). */
size_t sd_prober_connections(const sd_prober *prober);
/* Probes waiting for a connection slot (the per-address cap, the rate or
 * the descriptors), not for the network: a scan starts no more domains
 * beyond --concurrency while many wait here (scan/run.c, may_start). */
size_t sd_prober_queued(const sd_prober *prober);

/* What the prober holds now (tests and memory figures). */
typedef struct sd_prober_stat {
  size_t connections;  /* opened so far */
  size_t requests;     /* sd_probe_start calls */
  size_t answered_cached; /* of which answered by a finished result in the cache */
  size_t joined;       /* of which joined a probe queued or running */
  size_t open;         /* open now */
  size_t max_open;     /* connection slots */
  size_t unfinished;   /* entries queued, running or waiting to retry */
  size_t queued;       /* of which waiting for a connection slot (sd_prober_queued) */
  size_t cached;       /* finished results answering later requests */
  size_t cached_bytes; /* their size, against cache_bytes */
  size_t cache_budget; /* cache_bytes in force (the default when 0 was asked for) */
  size_t retired;      /* evicted or soft failures, waiting for their last delivery */
  size_t indexed;      /* entries in the key index */
  size_t addresses;    /* per-address counters */
} sd_prober_stat;
void sd_prober_stats(const sd_prober *prober, sd_prober_stat *out);
const char *sd_probe_status_name(sd_probe_status status);
void sd_prober_free(sd_prober *prober);

#endif
