/* examples/check_one.c: evaluate one domain, synchronously.
 *
 *   cc check_one.c $(pkg-config --cflags --libs stsdane) -o check_one
 *   ./check_one example.org
 *
 * Prints the domain's JSON object (docs/json.md) and exits with its status,
 * like `stsdane check --json`. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include <stsdane/stsdane.h>

#include "options_from_env.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DOMAIN\n", argv[0]);
    return STSDANE_USAGE;
  }
  example_options e;
  example_options_from_env(&e);
  char err[512];
  stsdane *h = stsdane_new(&e.options, err, sizeof(err));
  if (!h) {
    fprintf(stderr, "check_one: %s\n", err);
    return STSDANE_INCOMPLETE;
  }
  int status = STSDANE_INCOMPLETE;
  char *json = stsdane_check(h, argv[1], &status);
  if (json) printf("%s\n", json);
  stsdane_free_string(json);
  stsdane_free(h);
  return status;
}
