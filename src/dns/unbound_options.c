#include "dns/unbound_options.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

/* libunbound's API, declared here and reached through dlsym so building
 * needs neither libunbound-dev nor a link against libunbound: getdns loads it. */
struct ub_ctx;
struct ub_event_base;
struct ub_ctx *ub_ctx_create(void);
struct ub_ctx *ub_ctx_create_ub_event(struct ub_event_base *base);

#define SD_UNBOUND_MAX_OPTIONS 16

/* Process-wide by necessity: libunbound contexts are created inside getdns,
 * where no pointer of ours can reach. Set before the first resolver starts. */
static char *option_names[SD_UNBOUND_MAX_OPTIONS];
static char *option_values[SD_UNBOUND_MAX_OPTIONS];
static size_t option_count;

int sd_unbound_option_add(const char *option) {
  const char *colon = strchr(option, ':');
  if (!colon || colon == option || option_count >= SD_UNBOUND_MAX_OPTIONS) return -1;
  char *name = sd_strndup(option, (size_t)(colon - option) + 1); /* libunbound wants the colon */
  const char *value = colon + 1 + strspn(colon + 1, " \t");
  char *val = sd_strdup(value);
  if (!name || !val) {
    free(name);
    free(val);
    return -1;
  }
  option_names[option_count] = name;
  option_values[option_count++] = val;
  return 0;
}

void sd_unbound_options_clear(void) {
  for (size_t i = 0; i < option_count; i++) {
    free(option_names[i]);
    free(option_values[i]);
  }
  option_count = 0;
}

/* Every option, local zones included, goes through ub_ctx_set_option, which
 * only records it: libunbound applies the whole configuration when the
 * context is finalized at the first query. ub_ctx_zone_add would be wrong
 * here: it finalizes the context on the spot, and every setting getdns (or a
 * later option such as root-hints) makes afterwards is then refused with
 * UB_AFTERFINAL, which getdns 1.6.0 ignores, leaving a resolver without its
 * trust anchor and root hints that answers nothing (see docs/dns.md). */
static void apply_option(struct ub_ctx *ctx, const char *name, const char *value) {
  int (*set_option)(struct ub_ctx *, const char *, const char *) = NULL;
  *(void **)&set_option = dlsym(RTLD_DEFAULT, "ub_ctx_set_option");
  if (set_option) set_option(ctx, name, value);
}

static struct ub_ctx *configure(struct ub_ctx *ctx) {
  for (size_t i = 0; ctx && i < option_count; i++) apply_option(ctx, option_names[i], option_values[i]);
  return ctx;
}

struct ub_ctx *ub_ctx_create(void) {
  struct ub_ctx *(*real)(void) = NULL;
  *(void **)&real = dlsym(RTLD_NEXT, "ub_ctx_create"); /* POSIX's way to get a function pointer */
  return real ? configure(real()) : NULL;
}

struct ub_ctx *ub_ctx_create_ub_event(struct ub_event_base *base) {
  struct ub_ctx *(*real)(struct ub_event_base *) = NULL;
  *(void **)&real = dlsym(RTLD_NEXT, "ub_ctx_create_ub_event");
  return real ? configure(real(base)) : NULL;
}
