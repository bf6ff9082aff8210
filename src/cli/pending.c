/* Commands whose implementation lands in a later change of this session. */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/options.h"

static int not_yet(const char *cmd) {
  fprintf(stderr, "stsdane %s: not available in this build yet\n", cmd);
  return SD_EXIT_USAGE;
}

