/* Commands whose implementation lands in a later change of this session. */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/options.h"

static int not_yet(const char *cmd) {
  fprintf(stderr, "stsdane %s: not available in this build yet\n", cmd);
  return SD_EXIT_USAGE;
}

int sd_cmd_scan(int argc, char **argv) { (void)argc; (void)argv; return not_yet("scan"); }
int sd_cmd_report(int argc, char **argv) { (void)argc; (void)argv; return not_yet("report"); }
int sd_cmd_diff(int argc, char **argv) { (void)argc; (void)argv; return not_yet("diff"); }
