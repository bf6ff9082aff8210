/*
 * MTA-STS policy fetch with libcurl's multi interface on the shared libevent
 * loop (RFC 8461 §3.3): HTTPS only, SNI = mta-sts.<domain>, trusted roots
 * from the configured CA file, TLS 1.2+, no redirects, HTTP 200 only, 64 KiB
 * body cap enforced while reading, bounded time, no caching, no decoding.
 */
#ifndef SD_MTASTS_FETCH_H
#define SD_MTASTS_FETCH_H

#include <stddef.h>

#include "findings/findings.h"

struct event_base;

typedef struct sd_fetch_options {
  const char *ca_file;   /* NULL: system store */
  int timeout_ms;        /* whole transfer; default 60000 */
  int connect_timeout_ms; /* default 10000 */
  size_t max_body;       /* default 65536 */
  const char *user_agent; /* default "stsdane/<version>" */
  /* Test and testbed aids only; leave 0/NULL in production. */
  int port;              /* connect to this port instead of 443 (it then
                          * appears in the URL); 0: 443 */
  const char *const *resolve; /* NULL-terminated "host:port:addr" entries
                          * that bypass DNS (curl's CURLOPT_RESOLVE) */
} sd_fetch_options;

typedef enum sd_fetch_error {
  SD_FETCH_OK = 0,
  SD_FETCH_DNS,
  SD_FETCH_TCP,
  SD_FETCH_TLS_NAME,
  SD_FETCH_TLS_UNTRUSTED,
  SD_FETCH_TLS_EXPIRED,
  SD_FETCH_TLS_HANDSHAKE,
  SD_FETCH_HTTP_STATUS,
  SD_FETCH_REDIRECT,
  SD_FETCH_TOO_LARGE,
  SD_FETCH_TIMEOUT,
  SD_FETCH_OTHER,
} sd_fetch_error;

typedef struct sd_fetch_result {
  sd_fetch_error error;
  char *detail;          /* curl's error text or our own, plain words */
  char *url;
  long http_status;      /* 0 when no HTTP response */
  char *headers;         /* raw response header block */
  char *content_type;    /* as sent, or NULL */
  char *content_encoding;
  char *location;        /* redirect target, or NULL */
  char *body;            /* NUL-terminated copy; body_len excludes the NUL */
  size_t body_len;
  char *primary_ip;
  double elapsed_ms;
} sd_fetch_result;

typedef struct sd_fetcher sd_fetcher;
/* result is valid only during the callback; copy what you keep
 * (sd_fetch_result_copy). */
typedef void (*sd_fetch_cb)(const sd_fetch_result *result, void *arg);

sd_fetcher *sd_fetcher_new(struct event_base *base, const sd_fetch_options *options);
/* Fetches https://mta-sts.<domain>/.well-known/mta-sts.txt; cb is called
 * later from the event loop, exactly once. 0 on success; -1 (and no
 * callback) when domain is not an ASCII host name (A-labels, one optional
 * trailing dot) or memory runs out. Callbacks may start new fetches and may
 * free the fetcher. */
int sd_fetch_policy(sd_fetcher *fetcher, const char *domain, sd_fetch_cb cb, void *arg);
/* The same, connecting to the given addresses of mta-sts.<domain> (IP
 * literals, at least one) instead of letting libcurl resolve the name: the
 * caller resolved it on the loop, with the resolver the whole measurement
 * uses, and libcurl starts no resolver thread. -1 also for an address that
 * is not an IP literal. */
int sd_fetch_policy_at(sd_fetcher *fetcher, const char *domain, const char *const *addrs, size_t count, sd_fetch_cb cb,
                       void *arg);
/* The result of a fetch that could not start because mta-sts.<domain> has
 * no address (why: what the lookups said), as sd_fetch_policy would report
 * it: SD_FETCH_DNS, the policy URL, a detail in plain words. Free with
 * sd_fetch_result_free. -1: domain unusable or out of memory. */
int sd_fetch_result_unresolved(const sd_fetcher *fetcher, const char *domain, const char *why, sd_fetch_result *r);
/* Appends the findings a fetch result implies (sts-policy-* codes, incl. the
 * content-type warning on success); where = "policy". */
void sd_fetch_result_findings(const sd_fetch_result *result, sd_findings *findings);
void sd_fetch_result_copy(sd_fetch_result *dst, const sd_fetch_result *src);
void sd_fetch_result_free(sd_fetch_result *result);
const char *sd_fetch_error_name(sd_fetch_error error);
/* Abandons fetches in flight: their callbacks are never called. */
void sd_fetcher_free(sd_fetcher *fetcher);
/* Number of fetches in flight. */
int sd_fetcher_pending(const sd_fetcher *fetcher);

#endif
