/*
 * The verdict engine: from the measured facts of one domain (filled by
 * src/core/evaluate.c) to statuses, per-profile outcomes, conflicts and
 * derived findings with remedies. See docs/verdicts.md for the model.
 */
#ifndef SD_COMPARE_VERDICT_H
#define SD_COMPARE_VERDICT_H

#include <stddef.h>
#include <time.h>

#include "result/result.h"

/*
 * Fills r->sts_status, r->mx[i].dane, r->dane_status, r->profiles[],
 * r->protected_by, r->conflicts, r->unknown_reason, and appends the derived
 * findings (with remedies) to r->findings. now is used for remedies that
 * carry a date (a new MTA-STS id); pass the scan time.
 *
 * Calling it again on the same result replaces the derived fields but
 * appends the findings again: call it once per measurement.
 */
void sd_verdict_derive(sd_domain_result *r, time_t now);

/* What one sender profile decides about one MX host (exposed for tests and
 * for reports that explain a walk). */
typedef enum sd_mx_decision {
  SD_MX_ACCEPT_AUTH = 0, /* delivers over authenticated TLS */
  SD_MX_ACCEPT_UNAUTH,   /* delivers, no authentication required */
  SD_MX_REJECT,          /* the profile's rules refuse this MX */
  SD_MX_UNREACHABLE,     /* no address answered SMTP */
  SD_MX_UNKNOWN,         /* the measurement cannot tell (timeouts, no probe, lookup error) */
} sd_mx_decision;

/* The decision of profile p for mx (after sd_verdict_derive filled mx->dane). */
sd_mx_decision sd_verdict_mx_decision(const sd_domain_result *r, const sd_mx_result *mx,
                                      sd_profile p);
const char *sd_mx_decision_name(sd_mx_decision d);

/*
 * The generic form of one part of an unknown_reason ("mx1.example: no address
 * answered in time" -> "no address answered in time"), so tallies of reasons
 * do not grow per host. part is len bytes (not NUL-terminated); out gets at
 * most out_len - 1 bytes. Returns out.
 */
char *sd_unknown_reason_generic(const char *part, size_t len, char *out, size_t out_len);

#endif
