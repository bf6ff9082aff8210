/* Shared by the examples: an application decides where its settings come
 * from; these read the same environment variables as the stsdane command
 * (the library itself reads none). */
#ifndef EXAMPLES_OPTIONS_FROM_ENV_H
#define EXAMPLES_OPTIONS_FROM_ENV_H

#include <stdlib.h>
#include <string.h>

#include <stsdane/stsdane.h>

#define EXAMPLE_MAX_UNBOUND_OPTIONS 8

typedef struct example_options {
  stsdane_options options;
  const char *unbound[EXAMPLE_MAX_UNBOUND_OPTIONS];
  char unbound_text[1024];
} example_options;

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

/* STSDANE_RESOLVER, STSDANE_TRUST_ANCHOR, STSDANE_CA_FILE,
 * STSDANE_ROOT_HINTS, STSDANE_RECURSIVE and STSDANE_UNBOUND_OPTIONS
 * (';'-separated libunbound settings). */
static void example_options_from_env(example_options *e) {
  memset(e, 0, sizeof(*e));
  e->options.resolver = env("STSDANE_RESOLVER");
  e->options.trust_anchor_file = env("STSDANE_TRUST_ANCHOR");
  e->options.ca_file = env("STSDANE_CA_FILE");
  e->options.root_hints_file = env("STSDANE_ROOT_HINTS");
  e->options.recursive = env("STSDANE_RECURSIVE") != NULL;
  const char *ub = env("STSDANE_UNBOUND_OPTIONS");
  if (ub && strlen(ub) < sizeof(e->unbound_text)) {
    strcpy(e->unbound_text, ub);
    size_t n = 0;
    for (char *save = NULL, *opt = strtok_r(e->unbound_text, ";", &save); opt && n < EXAMPLE_MAX_UNBOUND_OPTIONS;
         opt = strtok_r(NULL, ";", &save))
      e->unbound[n++] = opt;
    e->options.unbound_options = e->unbound;
    e->options.unbound_option_count = n;
  }
}

#endif
