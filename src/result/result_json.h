/* The JSON object per domain: the contract of ../shared/spec/verdicts.md. */
#ifndef SD_RESULT_RESULT_JSON_H
#define SD_RESULT_RESULT_JSON_H

#include <cjson/cJSON.h>

#include "result/result.h"
#include "util/json_writer.h"

typedef struct sd_json_options {
  int include_pem; /* certificate chains as PEM, not only SHA-256 */
  /* The measurement options that shape the row ("dns=stub smtp=on ..."),
   * written as scan_options so a report can say how rows were measured;
   * NULL: left out. */
  const char *scan_options;
} sd_json_options;

/* Bytes a row's buffer starts with: a row is a few kB, and most need no
 * regrowing. */
#define SD_RESULT_JSON_ROW_CAP 4096

/* The members of the result's object, written into the object w has open:
 * a caller puts its own members first (the scan's "line" and "rank"). */
void sd_result_json_members(sd_jw *w, const sd_domain_result *r, const sd_json_options *options);
/* The findings array of a result: [{code, severity, tlsrpt, where,
 * detail, remedy}, ...]; lint --json writes the same shape. */
void sd_findings_json(sd_jw *w, const sd_findings *f);
/* One line of JSON (no newline); caller frees; NULL when memory ran out. */
char *sd_result_to_json_line(const sd_domain_result *r, const sd_json_options *options);
/* Remote bytes as a JSON-safe cJSON string, as the rows write them: valid
 * UTF-8 kept, every other byte (and NUL) replaced by U+FFFD, bounded to max
 * bytes of input. */
cJSON *sd_json_remote_string(const char *data, size_t len, size_t max);

#endif
