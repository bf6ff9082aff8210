/* Internals shared by the aggregate sources (not part of the report API). */
#ifndef SD_REPORT_AGG_INTERNAL_H
#define SD_REPORT_AGG_INTERNAL_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "report/aggregate.h"

const char *sd_agg_jstr(const cJSON *o, const char *key);
int sd_agg_jtrue(const cJSON *o, const char *key);
/* Index of value in names[0..n), or -1. */
int sd_agg_name_index(const char *const *names, int n, const char *value);
/* RFC 3339 UTC ("...Z") to epoch seconds; 0 when malformed. */
time_t sd_agg_parse_time(const char *s);

/* Stable sub-class keys of each class table (NULL-terminated). */
extern const char *const sd_agg_sts_c1_keys[];
extern const char *const sd_agg_sts_c2_keys[];
extern const char *const sd_agg_sts_c3_keys[];
extern const char *const sd_agg_sts_c4_keys[];
extern const char *const sd_agg_dane_bogus_keys[];
extern const char *const sd_agg_dane_insecure_keys[];

/* Attributes a domain to its policy-host and MX operators (table 4). */
void sd_agg_count_operators(sd_agg *a, const cJSON *r, const char *domain, int sts_record,
                            int sts_misconfigured, int tlsa_any, int dane_population, int dane_misconfigured);
/* dst += src for an operator map (counters summed, served sets united and
 * capped at threshold). */
void sd_agg_merge_operators(sd_strmap *dst, const sd_strmap *src, long threshold);

/* Calls cb for every line of file (without its newline). Lines longer than
 * max are skipped: *lines and *malformed are incremented for them.
 * Returns 0, or -1 on a read error. */
typedef int (*sd_agg_line_fn)(void *ctx, const char *line, size_t len);
int sd_agg_read_lines(void *file, size_t max, sd_agg_line_fn cb, void *ctx, long long *lines,
                      long long *malformed);
int sd_agg_line_cb(void *ctx, const char *line, size_t len);

#endif
