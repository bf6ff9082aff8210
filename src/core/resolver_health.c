#include "core/resolver_health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

void sd_resolver_health_init(sd_resolver_health *h, int threshold) {
  memset(h, 0, sizeof(*h));
  h->threshold = threshold < 0 ? SD_RESOLVER_DOWN_AFTER : (unsigned)threshold;
}

static int have_good_name(const sd_resolver_health *h) { return h->good_names[0][0] != '\0'; }

/* Keeps qname among the recent good names unless it is there already. */
static void remember_good_name(sd_resolver_health *h, const char *qname) {
  if (!qname || !*qname || strlen(qname) >= sizeof(h->good_names[0])) return;
  for (size_t i = 0; i < SD_RESOLVER_GOOD_NAMES; i++)
    if (strcmp(h->good_names[i], qname) == 0) return;
  snprintf(h->good_names[h->good_next], sizeof(h->good_names[0]), "%s", qname);
  h->good_next = (h->good_next + 1) % SD_RESOLVER_GOOD_NAMES;
}

sd_health_event sd_resolver_health_observe(sd_resolver_health *h, const sd_dns_answer *a) {
  h->answers++;
  if (a->lookup != SD_LOOKUP_ERROR) {
    h->consecutive_errors = 0;
    /* Only names with data: below a name known not to exist, the resolver
     * answers NXDOMAIN from its cache (RFC 8020), alive or not. */
    if (a->lookup == SD_LOOKUP_OK) remember_good_name(h, a->qname);
    return SD_HEALTH_NOTHING;
  }
  h->errors++;
  h->consecutive_errors++;
  snprintf(h->last_error, sizeof(h->last_error), "%s %s: %s", a->qname ? a->qname : "?", sd_rr_type_name(a->qtype),
           a->error && *a->error ? a->error : "no answer");
  if (h->down || h->checking || h->threshold == 0 || h->consecutive_errors < h->threshold) return SD_HEALTH_NOTHING;
  if (!have_good_name(h)) {
    snprintf(h->check_failure, sizeof(h->check_failure), "no lookup of this run has got an answer yet");
    h->down = 1;
    h->errors_when_down = h->consecutive_errors;
    return SD_HEALTH_DOWN;
  }
  h->checking = 1;
  return SD_HEALTH_CHECK;
}

/* name without its leftmost labels until label + "." + name fits a name. */
static const char *room_under(const char *name, size_t label_len) {
  while (strlen(name) + label_len + 1 > 253) {
    const char *dot = strchr(name, '.');
    if (!dot) return "";
    name = dot + 1;
  }
  return name;
}

size_t sd_resolver_health_check_names(const sd_resolver_health *h, char names[][256]) {
  size_t n = 0;
  for (size_t i = 0; i < SD_RESOLVER_GOOD_NAMES; i++) {
    if (!h->good_names[i][0]) continue;
    unsigned char r[8] = {0};
    if (RAND_bytes(r, sizeof(r)) != 1) /* the label needs to be new, not secret */
      for (size_t k = 0; k < sizeof(r); k++) r[k] = (unsigned char)rand();
    char label[40];
    snprintf(label, sizeof(label), "stsdane-check-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
             r[5], r[6], r[7]);
    const char *under = room_under(h->good_names[i], strlen(label));
    snprintf(names[n++], 256, "%s%s%s", label, *under ? "." : "", under);
  }
  return n;
}

sd_health_event sd_resolver_health_check_done(sd_resolver_health *h, int answered, const char *failure) {
  h->checking = 0;
  if (h->down) return SD_HEALTH_NOTHING;
  if (answered) {
    h->checks_passed++;
    h->consecutive_errors = 0;
    return SD_HEALTH_NOTHING;
  }
  snprintf(h->check_failure, sizeof(h->check_failure), "%s", failure && *failure ? failure : "no answer");
  h->down = 1;
  h->errors_when_down = h->consecutive_errors;
  return SD_HEALTH_DOWN;
}

int sd_resolver_health_none_answered(const sd_resolver_health *h) { return h->answers > 0 && h->errors == h->answers; }
