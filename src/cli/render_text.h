/* The operator's report of one domain on a terminal. */
#ifndef SD_CLI_RENDER_TEXT_H
#define SD_CLI_RENDER_TEXT_H

#include <stdio.h>

#include "result/result.h"

void sd_render_text(FILE *out, const sd_domain_result *r, int color);

#endif
