/* A scan row back into the part of a result the text renderer shows. */
#ifndef SD_RESULT_RESULT_FROM_JSON_H
#define SD_RESULT_RESULT_FROM_JSON_H

#include <cjson/cJSON.h>

#include "result/result.h"

/* Fills r (free it with sd_domain_result_free) from a row of `stsdane scan`.
 * Conflict codes point into row, which must outlive r. Returns 0, or -1
 * when row is not a result object (r is then empty). */
int sd_result_from_json(const cJSON *row, sd_domain_result *r);

#endif
