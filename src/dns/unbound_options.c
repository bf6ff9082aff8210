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

/* Rewrites a "local-zone:" value for ub_ctx_set_option, which (unlike the
 * unbound.conf parser) keeps quotes as part of the name and takes
 * "NAME nodefault" without effect: unbound 1.17's cfg_parse_local_zone files
 * the whole "NAME nodefault" string in its nodefault list, which then never
 * matches a zone. "NAME transparent" gets the effect nodefault is used for:
 * a zone from the configuration keeps libunbound from adding its built-in
 * content for NAME, and a transparent zone without data resolves normally.
 * Returns 0 and leaves out alone when value is not "NAME TYPE". */
static int local_zone_value(const char *value, char *out, size_t out_len) {
  char zone[256], type[32], extra[2];
  if (sscanf(value, "%255s %31s %1s", zone, type, extra) != 2) return 0;
  size_t n = strlen(zone);
  const char *name = zone;
  if (n >= 3 && zone[0] == '"' && zone[n - 1] == '"') {
    zone[n - 1] = '\0';
    name = zone + 1;
  }
  if (strcmp(type, "nodefault") == 0) snprintf(type, sizeof(type), "transparent");
  int len = snprintf(out, out_len, "%s %s", name, type);
  return len > 0 && (size_t)len < out_len;
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
  if (!set_option) return;
  char zone[300];
  if (strcmp(name, "local-zone:") == 0 && local_zone_value(value, zone, sizeof(zone))) value = zone;
  set_option(ctx, name, value);
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
