/* stsdane: is mail to a domain protected by MTA-STS, by DANE, by both? */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"

static const char usage[] =
    "usage: stsdane COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Tells, for mail domains, whether mail to them is protected by MTA-STS\n"
    "(RFC 8461), by DANE (RFC 7672), by both or by neither, and where the two\n"
    "disagree.\n"
    "\n"
    "Commands:\n"
    "  check DOMAIN...       evaluate domains and explain what each kind of sender does\n"
    "  scan [FILE|-] -o OUT  evaluate a domain list, one JSON object per domain\n"
    "  report RESULTS...     aggregate scan results into the measurement tables\n"
    "  diff OLD NEW          per-domain changes between two scans\n"
    "  lint record|policy|tlsrpt|tlsa ...   offline checks before publishing\n"
    "  plan DOMAIN           can MTA-STS, DANE or both work here, and exactly how\n"
    "\n"
    "  stsdane COMMAND --help   options of one command\n"
    "  stsdane --version\n"
    "\n"
    "Exit status of check, plan and lint: 0 protected or no problems, 1 warnings only,\n"
    "2 mail at risk (a profile fails or is partial, or an error finding),\n"
    "3 usage error, 4 measurement incomplete.\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return SD_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("stsdane %s\n", STSDANE_VERSION);
    return 0;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(cmd, "check") == 0) return sd_cmd_check(argc - 1, argv + 1);
  if (strcmp(cmd, "scan") == 0) return sd_cmd_scan(argc - 1, argv + 1);
  if (strcmp(cmd, "report") == 0) return sd_cmd_report(argc - 1, argv + 1);
  if (strcmp(cmd, "lint") == 0) return sd_cmd_lint(argc - 1, argv + 1);
  if (strcmp(cmd, "diff") == 0) return sd_cmd_diff(argc - 1, argv + 1);
  if (strcmp(cmd, "plan") == 0) return sd_cmd_plan(argc - 1, argv + 1);
  fprintf(stderr, "stsdane: unknown command '%s'; the commands are check, scan, report, diff, lint and plan (see 'stsdane --help')\n", cmd);
  return SD_EXIT_USAGE;
}
