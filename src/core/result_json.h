/* The JSON object per domain: the contract of ../shared/spec/verdicts.md. */
#ifndef SD_CORE_RESULT_JSON_H
#define SD_CORE_RESULT_JSON_H

#include <cjson/cJSON.h>

#include "core/result.h"

typedef struct sd_json_options {
  int include_pem; /* certificate chains as PEM, not only SHA-256 */
} sd_json_options;

cJSON *sd_result_to_json(const sd_domain_result *r, const sd_json_options *options);
/* One line of JSON (no newline); caller frees. */
char *sd_result_to_json_line(const sd_domain_result *r, const sd_json_options *options);
/* Remote bytes as a JSON-safe string: valid UTF-8 kept, every other byte
 * (and NUL) replaced by U+FFFD, bounded to max bytes of input. */
cJSON *sd_json_remote_string(const char *data, size_t len, size_t max);

#endif
