/*
 * How much a change between two snapshots of a domain matters, and which
 * topic it belongs to: `stsdane diff` lists protection lost first and
 * rotations that kept the verdict last, and filters by topic (--only).
 */
#ifndef SD_REPORT_CHANGE_RANK_H
#define SD_REPORT_CHANGE_RANK_H

#include <cjson/cJSON.h>

#include "report/history.h"

/* Importance, most important first. */
typedef enum sd_change_rank {
  SD_RANK_PROTECTION_LOST = 0, /* a sender profile's outcome got worse, a protocol was lost, a rollover broke DANE */
  SD_RANK_PROBLEM_APPEARED,    /* a conflict appeared, the policy no longer follows the MX, policy edited in place */
  SD_RANK_VERDICT_CHANGED,     /* statuses and outcomes that moved otherwise (gains, unknowns) */
  SD_RANK_CONFIGURATION,       /* MX set, mode, policy updates, domains added or removed */
  SD_RANK_ROTATION,            /* certificate, key and id rotations that kept the verdict */
  SD_RANK__COUNT
} sd_change_rank;

extern const char *const sd_change_rank_names[SD_RANK__COUNT];

/* Topics for `diff --only`. */
enum { SD_TOPIC_PROTECTION = 1, SD_TOPIC_VERDICT = 2, SD_TOPIC_DANE = 4, SD_TOPIC_MTASTS = 8, SD_TOPIC_ALL = 15 };

/* The kind of a change entry ({kind, old, new, where} of sd_snap_compare),
 * or SD_CHG__COUNT when unknown. */
sd_change_kind sd_change_kind_of(const cJSON *entry);
/* The importance of one change entry. */
sd_change_rank sd_change_rank_of(const cJSON *entry);
/* How far an outcome change moved (old minus new on protected 4 > partial 3 >
 * unprotected 2 = no-mail 2 > fail 0): positive for a loss; 0 when a side is
 * unknown or the entry is no outcome change. */
int sd_change_loss(const cJSON *entry);
/* The topics of a change entry (SD_TOPIC_*). Protection: the entry moved a
 * sender profile's outcome or protected_by. */
unsigned sd_change_topics(const cJSON *entry);
/* "protection|verdict|dane|mta-sts|all" -> SD_TOPIC_*; 0 when unknown. */
unsigned sd_change_topic_parse(const char *name);

#endif
