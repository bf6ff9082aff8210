/*
 * libstsdane: is mail to a domain protected by MTA-STS (RFC 8461), by DANE
 * (RFC 7672), by both or by neither, and where do the two disagree?
 *
 * The library evaluates domains on a libevent loop (its own, or the
 * caller's) and returns one JSON object per domain, in the format documented
 * in docs/json.md (the contract of the project's verdict model).
 *
 * Configuration is per handle, from stsdane_options only: the library reads
 * no environment variable and keeps no global state, so several handles
 * with different resolvers can live in one process.
 *
 * Threads: every callback runs on the loop's thread. Each handle also has
 * one thread of libunbound's that resolves and validates DNS and hands its
 * results to the loop through a pipe (docs/dns.md); stsdane_free stops it.
 */
#ifndef STSDANE_STSDANE_H
#define STSDANE_STSDANE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility: only what is marked here is
 * exported (tests/abi/exported-symbols.txt lists it, and a test compares). */
#if defined(__GNUC__)
#define STSDANE_API __attribute__((visibility("default")))
#else
#define STSDANE_API
#endif

/* Exit statuses of `stsdane check`, also returned per domain by the library. */
enum {
  STSDANE_OK = 0,         /* protected, or no problems */
  STSDANE_WARNINGS = 1,   /* warnings only */
  STSDANE_AT_RISK = 2,    /* a sender profile fails or is partial, or an error finding */
  STSDANE_USAGE = 3,      /* bad invocation */
  STSDANE_INCOMPLETE = 4, /* the measurement could not decide (unknown outcome) */
};

typedef struct stsdane_options {
  const char *resolver;          /* stub resolver address; NULL: /etc/resolv.conf */
  const char *trust_anchor_file; /* DNSSEC root trust anchor (zone-file format); NULL: /usr/share/dns/root.key */
  const char *ca_file;           /* trusted WebPKI roots (PEM); NULL: system store */
  int recursive;                 /* full recursion instead of a stub resolver */
  const char *root_hints_file;   /* root hints for recursion; NULL: libunbound's built-in */
  const char *const *unbound_options; /* extra libunbound settings, "name: value" each */
  size_t unbound_option_count;
  const char *ehlo_name;         /* EHLO name; NULL: "stsdane.invalid" */
  int no_smtp;                   /* skip SMTP probes */
  int no_https;                  /* skip policy fetches */
  int dns_timeout_ms;            /* 0: 5000 */
  int smtp_timeout_ms;           /* per step; 0: 30000 */
  int https_timeout_ms;          /* 0: 60000 */
  int include_pem;               /* certificate chains as PEM in the JSON */
} stsdane_options;

typedef struct stsdane stsdane;
struct event_base;

/* A handle with its own event loop. NULL on failure, with the reason in err. */
STSDANE_API stsdane *stsdane_new(const stsdane_options *options, char *err, size_t err_len);

/* A handle on the caller's libevent loop: evaluations started with
 * stsdane_check_start progress while the caller dispatches base, alongside
 * the caller's own events. base must outlive the handle; stsdane_free
 * leaves it alone. NULL on failure, with the reason in err. */
STSDANE_API stsdane *stsdane_new_with_base(struct event_base *base, const stsdane_options *options, char *err,
                                           size_t err_len);

/* The result of one evaluation: the domain as given, its JSON object as one
 * line (both valid during the call only: copy what you keep) and its
 * STSDANE_* status; json is NULL only when out of memory. Called from the
 * loop, never from inside stsdane_check_start. */
typedef void (*stsdane_result_cb)(const char *domain, const char *json, int status, void *arg);

/* Starts evaluating domain; cb is called exactly once. Many evaluations may
 * run at once on one handle: they share its DNS cache and SMTP probes.
 * 0 when started, -1 when out of memory. */
STSDANE_API int stsdane_check_start(stsdane *handle, const char *domain, stsdane_result_cb cb, void *arg);

/* Evaluates one domain and returns its JSON object as one line (free with
 * stsdane_free_string); *status receives the STSDANE_* status when non-NULL.
 * Runs the handle's loop (the caller's, for stsdane_new_with_base) until
 * the result is in. NULL only when out of memory. */
STSDANE_API char *stsdane_check(stsdane *handle, const char *domain, int *status);

STSDANE_API void stsdane_free_string(char *s);
STSDANE_API void stsdane_free(stsdane *handle);
STSDANE_API const char *stsdane_version(void);

#ifdef __cplusplus
}
#endif

#endif
