#include "core/resolver_health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sd_resolver_health_init(sd_resolver_health *h, int threshold) {
  memset(h, 0, sizeof(*h));
  h->threshold = threshold < 0 ? SD_RESOLVER_DOWN_AFTER : (unsigned)threshold;
}

int sd_resolver_health_observe(sd_resolver_health *h, const sd_dns_answer *a) {
  h->answers++;
  if (a->lookup != SD_LOOKUP_ERROR) {
    h->consecutive_errors = 0;
    return 0;
  }
  h->errors++;
  h->consecutive_errors++;
  snprintf(h->last_error, sizeof(h->last_error), "%s %s: %s", a->qname ? a->qname : "?", sd_rr_type_name(a->qtype),
           a->error && *a->error ? a->error : "no answer");
  if (h->down || h->threshold == 0 || h->consecutive_errors < h->threshold) return 0;
  h->down = 1;
  return 1;
}

int sd_resolver_health_none_answered(const sd_resolver_health *h) { return h->answers > 0 && h->errors == h->answers; }
