/*
 * Changes over time: the per-domain evidence of one scan result kept small
 * (policy id and bytes hash, MX set, leaf certificate hashes, TLSA records,
 * statuses) and the comparison of two snapshots of a domain. Used by
 * `stsdane diff OLD NEW` and `stsdane report --over-time`.
 */
#ifndef SD_REPORT_HISTORY_H
#define SD_REPORT_HISTORY_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "report/aggregate.h"
#include "report/tables.h"

/* Kinds of change between two snapshots of one domain. */
#define SD_CHANGES(X)                                                                            \
  X(STS_GAINED, "sts_gained", "gained an MTA-STS record")                                      \
  X(STS_LOST, "sts_lost", "lost its MTA-STS record")                                           \
  X(DANE_GAINED, "dane_gained", "gained TLSA records")                                         \
  X(DANE_LOST, "dane_lost", "lost its TLSA records")                                           \
  X(STS_STATUS, "sts_status_changed", "MTA-STS status changed")                                \
  X(DANE_STATUS, "dane_status_changed", "DANE status changed")                                 \
  X(TLSRPT_STATUS, "tlsrpt_status_changed", "TLSRPT status changed")                           \
  X(PROFILES, "outcome_changed", "an outcome per sender profile changed")                      \
  X(PROTECTED_BY, "protected_by_changed", "protected_by changed")                              \
  X(CONFLICT_APPEARED, "conflict_appeared", "a conflict between the protocols appeared")       \
  X(CONFLICT_GONE, "conflict_gone", "a conflict between the protocols is gone")                \
  X(POLICY_SAME_ID, "policy_changed_same_id", "policy content changed without an id change")   \
  X(ID_SAME_POLICY, "id_changed_same_policy", "id changed without a policy content change")    \
  X(POLICY_NEW_ID, "policy_changed_new_id", "policy content changed with a new id")            \
  X(MODE, "mode_changed", "MTA-STS mode changed")                                              \
  X(MX_SET, "mx_set_changed", "MX set changed")                                                \
  X(MX_STALE_POLICY, "mx_changed_policy_stale",                                                \
    "MX set changed without the policy following (policy still matches an earlier MX)")        \
  X(CERT_ROLLOVER, "certificate_rollover", "an MX certificate changed")                        \
  X(TLSA_ROLLOVER, "tlsa_rollover", "an MX's TLSA records changed")                            \
  X(ROLLOVER_KEPT_DANE, "rollover_kept_dane", "rollover with DANE valid before and after")     \
  X(ROLLOVER_BROKE_DANE, "rollover_broke_dane", "rollover that broke DANE")                    \
  X(TLSA_OLD_CERT, "tlsa_matches_previous_certificate",                                        \
    "TLSA data matches the previous certificate, not the current one")

#define SD_CHANGE_ENUM_(id, key, text) SD_CHG_##id,
typedef enum { SD_CHANGES(SD_CHANGE_ENUM_) SD_CHG__COUNT } sd_change_kind;
#undef SD_CHANGE_ENUM_

extern const char *const sd_change_keys[SD_CHG__COUNT];
extern const char *const sd_change_texts[SD_CHG__COUNT];

typedef struct sd_snap_mx {
  char *host;     /* lower-case, no trailing dot */
  char *leaves;   /* sorted, comma-joined leaf certificate SHA-256 of its addresses */
  char *tlsa;     /* sorted, "|"-joined TLSA records */
  char *matched;  /* sorted, "|"-joined TLSA records that matched a leaf (dane.matched, depth 0) */
  int sts_match;  /* 1, 0, or -1 (not evaluated) */
} sd_snap_mx;

typedef struct sd_snap {
  char *domain;
  char *scanned_at;
  char *sts_status, *dane_status, *tlsrpt_status, *protected_by, *mode;
  char *conflicts; /* the verdict's conflict codes, sorted, "|"-joined */
  char *profiles[SD_AGG_PROFILES];
  char *sts_id, *policy_sha256;
  char **policy_mx;
  size_t policy_mx_count;
  sd_snap_mx *mx;
  size_t mx_count;
  char **earlier_mx; /* MX hosts of earlier snapshots (carried forward) */
  size_t earlier_count;
} sd_snap;

/* The evidence of one result; NULL when it is not a result object. */
sd_snap *sd_snap_from_json(const cJSON *r);
void sd_snap_free(sd_snap *s);
/* Carries old's MX hosts (and its own history) into cur->earlier_mx. */
void sd_snap_inherit(sd_snap *cur, const sd_snap *old);

/* Compares two snapshots of the same domain. Sets changed[k] for every kind
 * of change; when details is an array, appends {kind, text, old, new}. */
void sd_snap_compare(const sd_snap *old, const sd_snap *cur, unsigned char changed[SD_CHG__COUNT], cJSON *details);

/* ---- over time ----------------------------------------------------------- */

typedef struct sd_transition {
  char *from, *to; /* snapshot labels */
  long long in_both, added, removed;
  long long changes[SD_CHG__COUNT]; /* domains with each kind of change */
} sd_transition;

typedef struct sd_history {
  long provider_threshold;
  sd_strmap prev; /* domain -> ext sd_snap of the previous snapshot */
  sd_agg *snapshots;
  char **labels;
  size_t count;
  sd_transition *transitions; /* count - 1 */
  int failed;
} sd_history;

void sd_history_init(sd_history *h, long provider_threshold);
/* Adds the next snapshot (files must come in scanned_at order). Returns 0,
 * -1 on a read or allocation error. */
int sd_history_add(sd_history *h, FILE *in, const char *label);
cJSON *sd_history_to_json(const sd_history *h);
void sd_history_tables(const sd_history *h, sd_tables *out);
void sd_history_free(sd_history *h);

/* The earliest scanned_at among the first lines of a file (up to 100 valid
 * lines), or NULL; the file is rewound. */
char *sd_history_first_scanned(FILE *in);

#endif
