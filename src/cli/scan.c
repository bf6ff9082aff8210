/* stsdane scan [FILE|-] -o OUT.jsonl: evaluate a domain list, one JSON row per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "scan/run.h"

enum {
  OPT_SCAN_CONCURRENCY = OPT__ENGINE_LAST + 100, OPT_SCAN_RESUME, OPT_SCAN_FORCE, OPT_SCAN_SHARD,
  OPT_SCAN_SHARDS, OPT_SCAN_PROGRESS, OPT_SCAN_NO_PROGRESS, OPT_SCAN_FLUSH_LINES, OPT_SCAN_OTHER_INPUT,
  OPT_SCAN_REDO_UNKNOWN,
};

static const struct option scan_long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"concurrency", required_argument, NULL, OPT_SCAN_CONCURRENCY},
    {"resume", no_argument, NULL, OPT_SCAN_RESUME},
    {"force", no_argument, NULL, OPT_SCAN_FORCE},
    {"shard", required_argument, NULL, OPT_SCAN_SHARD},
    {"shards", required_argument, NULL, OPT_SCAN_SHARDS},
    {"progress", no_argument, NULL, OPT_SCAN_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_SCAN_NO_PROGRESS},
    {"flush-lines", required_argument, NULL, OPT_SCAN_FLUSH_LINES},
    {"other-input", no_argument, NULL, OPT_SCAN_OTHER_INPUT},
    {"redo-unknown", no_argument, NULL, OPT_SCAN_REDO_UNKNOWN},
};

static void print_help(void) {
  printf("usage: stsdane scan [OPTIONS] [FILE|-] -o OUT.jsonl\n\n"
         "Evaluates every domain of a list (one per line, or CSV with a domain column)\n"
         "and writes one JSON object per input line, as `stsdane check --json` does,\n"
         "with \"line\" (input line number) and, for CSV, \"rank\". Rows are written in\n"
         "completion order. Details: docs/scan.md.\n\n"
         "Scan options:\n"
         "  -o, --output FILE     JSON Lines output (default: standard output)\n"
         "  --concurrency N       domains in flight (%d); those waiting over 1 s (timeouts) do not\n"
         "                        count, up to 16 x N in all\n"
         "  --resume              finish an interrupted scan: keep the rows in FILE, add the missing ones\n"
         "  --redo-unknown        with --resume: scan again the rows whose protected_by is unknown\n"
         "                        (they are removed from FILE first)\n"
         "  --other-input         with --resume: accept an input that is not the one FILE was started\n"
         "                        with (recorded in FILE.input.json); rows are keyed by line number\n"
         "  --force               overwrite an existing output instead of refusing\n"
         "  --shard K/N           scan only shard K (0..N-1) of N (stable hash of the domain)\n"
         "  --shards N            as --shard, K from STSDANE_SHARD, JOB_COMPLETION_INDEX\n"
         "                        (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)\n"
         "  --progress, --no-progress  live progress on stderr (default: when stderr is a terminal)\n"
         "  --flush-lines N       rows per output batch (1000; also flushed every second)\n"
         "\nExit status: 0 the scan completed (whatever the verdicts), 1 I/O error,\n"
         "3 usage error (also: another scan is writing FILE, or --resume with another input),\n"
         "4 the resolver stopped answering (rerun with --resume when it is back),\n"
         "130/143 interrupted by SIGINT/SIGTERM (rerun with --resume).\n\n%s",
         SD_SCAN_DEFAULT_CONCURRENCY, sd_cli_options_help());
}

static const char *env_lookup(const char *name) { return getenv(name); }

/* Handles one scan option: 1 handled, 0 not ours, -1 bad value. */
static int handle_scan_option(void *ctx, int opt, const char *arg) {
  sd_scan_config *c = ctx;
  double v;
  char err[256];
  switch (opt) {
  case 'o': c->output_path = arg; return 1;
  case OPT_SCAN_CONCURRENCY:
    if (sd_parse_number("concurrency", arg, 1, 100000, &v) != 0) return -1;
    c->concurrency = (size_t)v;
    return 1;
  case OPT_SCAN_RESUME: c->resume = 1; return 1;
  case OPT_SCAN_FORCE: c->force = 1; return 1;
  case OPT_SCAN_OTHER_INPUT: c->other_input = 1; return 1;
  case OPT_SCAN_REDO_UNKNOWN: c->redo_unknown = 1; return 1;
  case OPT_SCAN_SHARD:
    if (sd_shard_parse(arg, &c->shard, err, sizeof(err)) != 0) {
      fprintf(stderr, "stsdane scan: %s\n", err);
      return -1;
    }
    return 1;
  case OPT_SCAN_SHARDS:
    if (sd_parse_number("shards", arg, 1, 1000000, &v) != 0) return -1;
    if (sd_shard_from_env((uint64_t)v, env_lookup, &c->shard, err, sizeof(err)) != 0) {
      fprintf(stderr, "stsdane scan: %s\n", err);
      return -1;
    }
    return 1;
  case OPT_SCAN_PROGRESS: c->progress = 1; return 1;
  case OPT_SCAN_NO_PROGRESS: c->progress = 0; return 1;
  case OPT_SCAN_FLUSH_LINES:
    if (sd_parse_number("flush-lines", arg, 1, 1000000, &v) != 0) return -1;
    c->flush_lines = (size_t)v;
    return 1;
  default: return 0;
  }
}

/* Returns the index of the first operand, or -1 on a usage error. */
static int parse_args(int argc, char **argv, sd_cli_options *o, sd_scan_config *c) {
  const sd_cli_command_options own = {
      .options = scan_long_options,
      .count = sizeof(scan_long_options) / sizeof(scan_long_options[0]),
      .short_options = "o:",
      .handle = handle_scan_option,
      .ctx = c,
  };
  int first = sd_cli_parse_command("scan", argc, argv, o, &own, print_help);
  if (first >= 0 && argc - first > 1) {
    fprintf(stderr, "stsdane scan: give one list file (or - for standard input), not %d\n", argc - first);
    return -1;
  }
  return first;
}

int sd_cmd_scan(int argc, char **argv) {
  sd_cli_options o;
  sd_cli_options_init(&o);
  sd_scan_config c = {.progress = -1, .input_path = "-"};
  int first = parse_args(argc, argv, &o, &c);
  int status = SD_SCAN_EXIT_USAGE;
  if (first >= 0 && sd_cli_options_open_env_logs(&o) == 0) {
    if (first < argc) c.input_path = argv[first];
    c.json.include_pem = o.include_pem;
    static char options_text[256];
    sd_cli_scan_options_text(&o, options_text, sizeof(options_text));
    c.json.scan_options = options_text;
    status = sd_scan_run(&c, &o.engine);
  }
  sd_cli_options_close_logs(&o);
  return status;
}
