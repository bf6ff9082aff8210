/* The exit status a domain result calls for (check and lint). */
#ifndef SD_CORE_EXIT_STATUS_H
#define SD_CORE_EXIT_STATUS_H

#include "result/result.h"

int sd_exit_status_for(const sd_domain_result *r);
/* Combines statuses of several domains: the most serious wins. */
int sd_exit_status_combine(int a, int b);

#endif
