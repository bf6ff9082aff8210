/*
 * Is the resolver still answering? A scan whose resolver dies would
 * otherwise go on writing rows that measured nothing. Every DNS answer the
 * engine delivers is observed here. K lookups in a row that failed with
 * SD_LOOKUP_ERROR (a timeout, SERVFAIL or REFUSED from the resolver, a
 * network error), with no other answer in between, make the resolver
 * suspect. One domain with broken name servers gives three or four such
 * errors and any answer (NXDOMAIN and NODATA included) resets the count,
 * but on the real internet a DNS provider that hosts thousands of zones can
 * fail while the resolver is fine, and a list sorted by provider (or a
 * scan whose window fills with that provider's domains) then gives K
 * errors in a row. So a suspect resolver is checked before the scan stops:
 * the engine asks it for fresh names (a random label, never cached) below
 * names that answered with data shortly before, likely in other zones
 * (libunbound runs with aggressive-nsec off, so no cached NSEC chain
 * answers for it). Any answer means the
 * resolver resolves and the failures are the domains' own (they stay
 * unknown rows); no answer means it is down.
 */
#ifndef SD_CORE_RESOLVER_HEALTH_H
#define SD_CORE_RESOLVER_HEALTH_H

#include <stdint.h>

#include "dns/dns.h"

/* K: failed lookups in a row after which the resolver is checked. The
 * command line's STSDANE_RESOLVER_ERRORS overrides it (0: never), through
 * sd_engine_options.resolver_error_limit: the library reads no environment. */
#define SD_RESOLVER_DOWN_AFTER 100
/* Names that answered recently, kept to be checked under (distinct zones are
 * likelier among the last few than in the last one alone). */
#define SD_RESOLVER_GOOD_NAMES 4

typedef enum sd_health_event {
  SD_HEALTH_NOTHING = 0,
  SD_HEALTH_CHECK,   /* K errors in a row: check the resolver now (sd_resolver_health_check_names) */
  SD_HEALTH_DOWN,    /* the resolver counts as down (once) */
} sd_health_event;

typedef struct sd_resolver_health {
  unsigned threshold;          /* K; 0: never judged down */
  unsigned consecutive_errors;
  uint64_t answers;            /* every answer observed */
  uint64_t errors;             /* of which SD_LOOKUP_ERROR */
  int checking;                /* a check is under way: errors go on being counted, no second check */
  unsigned checks_passed;      /* runs of K errors after which the resolver still answered */
  int down;                    /* the check failed, or K errors before any answer (stays set) */
  unsigned errors_when_down;   /* consecutive_errors when down was set (later answers reset the count) */
  char last_error[200];        /* "name TYPE: error text" of the last failure */
  char check_failure[200];     /* why the check said down, or "" */
  char good_names[SD_RESOLVER_GOOD_NAMES][256]; /* recently answered names, distinct, "" when unused */
  unsigned good_next;          /* ring position of the next good name */
} sd_resolver_health;

/* threshold < 0: SD_RESOLVER_DOWN_AFTER. */
void sd_resolver_health_init(sd_resolver_health *h, int threshold);
/* Records one answer. SD_HEALTH_CHECK: K errors in a row and names to
 * check under; SD_HEALTH_DOWN: K errors in a row and nothing ever answered
 * (there is nothing to check under). Each is returned once per run. */
sd_health_event sd_resolver_health_observe(sd_resolver_health *h, const sd_dns_answer *a);
/* The names a check asks for: for every good name, a random label under
 * it (or under its closest suffix that leaves room). Returns how many were
 * written to names[SD_RESOLVER_GOOD_NAMES][256]. */
size_t sd_resolver_health_check_names(const sd_resolver_health *h, char names[][256]);
/* The outcome of the check: answered = some fresh name got an answer that
 * was not SD_LOOKUP_ERROR. Returns SD_HEALTH_DOWN when the resolver now
 * counts as down (failure says why), else SD_HEALTH_NOTHING. */
sd_health_event sd_resolver_health_check_done(sd_resolver_health *h, int answered, const char *failure);
/* 1 when lookups were made and every one of them failed: nothing this run
 * learnt came from the resolver (check's test; a scan uses down). */
int sd_resolver_health_none_answered(const sd_resolver_health *h);

#endif
