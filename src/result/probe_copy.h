/* Deep copies of probe results, so a domain result owns its evidence even
 * after the prober's cache is gone. */
#ifndef SD_RESULT_PROBE_COPY_H
#define SD_RESULT_PROBE_COPY_H

#include "smtp/prober.h"

void sd_probe_result_copy(sd_probe_result *dst, const sd_probe_result *src);
void sd_probe_result_clear(sd_probe_result *r);

#endif
