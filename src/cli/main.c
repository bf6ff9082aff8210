/* stsdane: is mail to a domain protected by MTA-STS, by DANE, by both? */
#include <errno.h>
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

/* Output that did not reach standard output (a full disk, a closed pipe,
 * >/dev/full) must not pass for success: the caller would act on a
 * truncated report. scan reports its own output errors (exit 1, see
 * docs/scan.md); every other command exits 3 here. */
static int finish_output(const char *cmd, int status) {
  errno = 0;
  int failed = fflush(stdout) != 0;
  int saved = errno;
  if (!failed && !ferror(stdout)) return status;
  if (strcmp(cmd, "scan") == 0 && status != 0) return status; /* scan said so already */
  fprintf(stderr, "stsdane %s: writing the output failed: %s; the output is incomplete\n", cmd,
          saved ? strerror(saved) : "a write error occurred earlier");
  return strcmp(cmd, "scan") == 0 ? 1 : SD_EXIT_USAGE;
}

static int run_command(const char *cmd, int argc, char **argv) {
  if (strcmp(cmd, "check") == 0) return sd_cmd_check(argc, argv);
  if (strcmp(cmd, "scan") == 0) return sd_cmd_scan(argc, argv);
  if (strcmp(cmd, "report") == 0) return sd_cmd_report(argc, argv);
  if (strcmp(cmd, "lint") == 0) return sd_cmd_lint(argc, argv);
  if (strcmp(cmd, "diff") == 0) return sd_cmd_diff(argc, argv);
  if (strcmp(cmd, "plan") == 0) return sd_cmd_plan(argc, argv);
  return -1;
}

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
    return finish_output("help", 0);
  }
  int status = run_command(cmd, argc - 1, argv + 1);
  if (status >= 0) return finish_output(cmd, status);
  fprintf(stderr, "stsdane: unknown command '%s'; the commands are check, scan, report, diff, lint and plan (see 'stsdane --help')\n", cmd);
  return SD_EXIT_USAGE;
}
