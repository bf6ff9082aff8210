/*
 * Is the resolver still answering? A scan whose resolver dies would
 * otherwise go on writing rows that measured nothing. Every DNS answer the
 * engine delivers is observed here: K lookups in a row that failed with
 * SD_LOOKUP_ERROR (a timeout, SERVFAIL or REFUSED from the resolver, a
 * network error), with no other answer in between, make the resolver count
 * as down. One domain with broken name servers gives three or four such
 * errors, and any answer (NXDOMAIN and NODATA included) resets the count, so
 * K = 100 is far from what broken domains give on a live resolver.
 */
#ifndef SD_CORE_RESOLVER_HEALTH_H
#define SD_CORE_RESOLVER_HEALTH_H

#include <stdint.h>

#include "dns/dns.h"

/* K: failed lookups in a row after which the resolver counts as down. The
 * command line's STSDANE_RESOLVER_ERRORS overrides it (0: never), through
 * sd_engine_options.resolver_error_limit: the library reads no environment. */
#define SD_RESOLVER_DOWN_AFTER 100

typedef struct sd_resolver_health {
  unsigned threshold;          /* K; 0: never judged down */
  unsigned consecutive_errors;
  uint64_t answers;            /* every answer observed */
  uint64_t errors;             /* of which SD_LOOKUP_ERROR */
  int down;                    /* K was reached (stays set) */
  char last_error[200];        /* "name TYPE: error text" of the last failure */
} sd_resolver_health;

/* threshold < 0: SD_RESOLVER_DOWN_AFTER. */
void sd_resolver_health_init(sd_resolver_health *h, int threshold);
/* Records one answer; returns 1 when this answer made the resolver count as
 * down (once), else 0. */
int sd_resolver_health_observe(sd_resolver_health *h, const sd_dns_answer *a);
/* 1 when lookups were made and every one of them failed: nothing this run
 * learnt came from the resolver (check's test; a scan uses down). */
int sd_resolver_health_none_answered(const sd_resolver_health *h);

#endif
