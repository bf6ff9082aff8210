/* Command-line options shared by the subcommands, with defaults from the
 * environment (STSDANE_RESOLVER, STSDANE_TRUST_ANCHOR, STSDANE_CA_FILE, ...). */
#ifndef SD_CLI_OPTIONS_H
#define SD_CLI_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "core/engine.h"

enum { SD_EXIT_OK = 0, SD_EXIT_WARNINGS = 1, SD_EXIT_AT_RISK = 2, SD_EXIT_USAGE = 3, SD_EXIT_INCOMPLETE = 4 };

typedef enum sd_color { SD_COLOR_AUTO, SD_COLOR_ALWAYS, SD_COLOR_NEVER } sd_color;

/* --unbound-option values kept: more is surely a mistake. */
#define SD_CLI_MAX_UNBOUND_OPTIONS 32

typedef struct sd_cli_options {
  sd_engine_options engine;
  const char *unbound_options[SD_CLI_MAX_UNBOUND_OPTIONS]; /* engine.dns points here */
  char unbound_options_env[4096]; /* STSDANE_UNBOUND_OPTIONS, split in place */
  int json;
  int include_pem;
  sd_color color;
} sd_cli_options;

/* Option ids above the ASCII range for long-only options. */
enum {
  OPT_RESOLVER = 1000, OPT_TRUST_ANCHOR, OPT_CA_FILE, OPT_RECURSIVE, OPT_ROOT_HINTS, OPT_EHLO,
  OPT_DNS_TIMEOUT, OPT_SMTP_TIMEOUT, OPT_HTTPS_TIMEOUT, OPT_NO_SMTP, OPT_NO_HTTPS, OPT_SMTP_PORT,
  OPT_JSON, OPT_PEM, OPT_COLOR, OPT_RATE, OPT_PER_ADDRESS, OPT_RETRIES, OPT_QUERY_LOG, OPT_UNBOUND_OPTION,
  OPT__ENGINE_LAST
};

/* The getopt_long table of engine options; each command appends its own. */
extern const struct option sd_engine_long_options[];
extern const size_t sd_engine_long_option_count;

/* The engine options followed by a command's own (count entries) and the
 * terminating entry, as one getopt_long table; caller frees. NULL when out
 * of memory. */
struct option *sd_cli_long_options(const struct option *command, size_t count);

void sd_cli_options_init(sd_cli_options *o);
/* Handles one engine option; 1 when handled, 0 when not ours, -1 on a bad value
 * (message printed). */
int sd_cli_options_handle(sd_cli_options *o, int opt, const char *arg);
/* Opens the logs named only by the environment (STSDANE_DNS_ANSWER_LOG), after
 * the arguments are parsed so --help creates no file; -1 with a message when
 * one cannot be written. */
int sd_cli_options_open_env_logs(sd_cli_options *o);
/* Closes the query and answer logs, if open. */
void sd_cli_options_close_logs(sd_cli_options *o);
/* The measurement options that shape a row, as one short text for the rows'
 * scan_options ("dns=stub smtp=on https=on smtp_port=25 dns_timeout_ms=5000
 * ..."; the values in force, rate=0 meaning no limit). */
void sd_cli_scan_options_text(const sd_cli_options *o, char *out, size_t len);
/* Help text for the engine options. */
const char *sd_cli_options_help(void);
/* Parses a number within [min, max]; -1 with a message naming the option. */
int sd_parse_number(const char *option, const char *text, double min, double max, double *out);
/* One clear line on stderr for a getopt_long failure of command: an unknown
 * option or a missing value. Call getopt_long with opterr = 0 and an
 * optstring starting with ':' (so a missing value returns ':'). */
void sd_cli_option_error(const char *command, int opt, int argc, char **argv);
/* A command's own options, parsed in the same pass as the engine options. */
typedef struct sd_cli_command_options {
  const struct option *options; /* getopt_long entries (count of them) */
  size_t count;
  const char *short_options;    /* its short options beyond h, e.g. "o:" */
  /* One option: 1 handled, 0 not the command's (the engine's are tried
   * next), -1 bad value (one line printed on stderr). */
  int (*handle)(void *ctx, int opt, const char *arg);
  void *ctx;
} sd_cli_command_options;

/* The one parser of a measuring command's arguments: the engine options,
 * the command's own (own; NULL: none), --help (print_help, then exit 0) and
 * operands. Returns the index of the first operand, or -1 after printing one
 * line on stderr. */
int sd_cli_parse_command(const char *command, int argc, char **argv, sd_cli_options *o,
                         const sd_cli_command_options *own, void (*print_help)(void));
/* sd_cli_parse_command for a command without options of its own. */
int sd_cli_parse_engine_command(const char *command, int argc, char **argv, sd_cli_options *o,
                                void (*print_help)(void));
/* 1 when text output should be coloured (--color, NO_COLOR, a terminal). */
int sd_cli_use_color(const sd_cli_options *o);
/* fopen for reading an input file, refusing directories (fopen succeeds on
 * them on Linux and the first read fails): NULL with errno = EISDIR. */
FILE *sd_cli_fopen_input(const char *path, const char *mode);
/*
 * What report and diff make of one input after reading it: lines (not blank)
 * and rows (lines that are result objects). 0: rows to use; 1: the file holds
 * no rows (said on stderr; not an error); -1: lines but no row, so it is not
 * scan output (said on stderr; the caller exits 3).
 */
int sd_cli_scan_input_verdict(const char *command, const char *path, long long lines, long long rows);

#endif
