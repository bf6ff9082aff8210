#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct option sd_engine_long_options[] = {
    {"resolver", required_argument, NULL, OPT_RESOLVER},
    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"recursive", no_argument, NULL, OPT_RECURSIVE},
    {"root-hints", required_argument, NULL, OPT_ROOT_HINTS},
    {"ehlo", required_argument, NULL, OPT_EHLO},
    {"dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT},
    {"smtp-timeout", required_argument, NULL, OPT_SMTP_TIMEOUT},
    {"https-timeout", required_argument, NULL, OPT_HTTPS_TIMEOUT},
    {"no-smtp", no_argument, NULL, OPT_NO_SMTP},
    {"no-https", no_argument, NULL, OPT_NO_HTTPS},
    {"smtp-port", required_argument, NULL, OPT_SMTP_PORT},
    {"rate", required_argument, NULL, OPT_RATE},
    {"per-address", required_argument, NULL, OPT_PER_ADDRESS},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"query-log", required_argument, NULL, OPT_QUERY_LOG},
    {"unbound-option", required_argument, NULL, OPT_UNBOUND_OPTION},
    {"json", no_argument, NULL, OPT_JSON},
    {"pem", no_argument, NULL, OPT_PEM},
    {"color", required_argument, NULL, OPT_COLOR},
};
const size_t sd_engine_long_option_count = sizeof(sd_engine_long_options) / sizeof(sd_engine_long_options[0]);

struct option *sd_cli_long_options(const struct option *command, size_t count) {
  size_t n = sd_engine_long_option_count;
  struct option *all = calloc(n + count + 1, sizeof(*all)); /* zeroed: the terminator */
  if (!all) return NULL;
  memcpy(all, sd_engine_long_options, n * sizeof(*all));
  if (count) memcpy(all + n, command, count * sizeof(*all));
  return all;
}

static const char *env_or_null(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

static int add_unbound_option(sd_cli_options *o, const char *option) {
  if (!strchr(option, ':') || o->engine.dns.unbound_option_count >= SD_CLI_MAX_UNBOUND_OPTIONS) return -1;
  o->unbound_options[o->engine.dns.unbound_option_count++] = option;
  return 0;
}

/* STSDANE_UNBOUND_OPTIONS: libunbound settings separated by ';'. */
static void add_unbound_options_from_env(sd_cli_options *o) {
  const char *env = env_or_null("STSDANE_UNBOUND_OPTIONS");
  char *save = NULL;
  if (!env) return;
  if (strlen(env) >= sizeof(o->unbound_options_env)) {
    fprintf(stderr, "stsdane: ignoring STSDANE_UNBOUND_OPTIONS: longer than %zu bytes\n",
            sizeof(o->unbound_options_env) - 1);
    return;
  }
  snprintf(o->unbound_options_env, sizeof(o->unbound_options_env), "%s", env);
  for (char *opt = strtok_r(o->unbound_options_env, ";", &save); opt; opt = strtok_r(NULL, ";", &save))
    if (add_unbound_option(o, opt) != 0)
      fprintf(stderr, "stsdane: ignoring STSDANE_UNBOUND_OPTIONS entry '%s' (want 'name: value')\n", opt);
}

/* STSDANE_RESOLVER_ERRORS=K: failed lookups in a row after which scan stops
 * (0: never); -1 (the default K) when unset or not a number. */
static int resolver_error_limit_from_env(void) {
  const char *env = env_or_null("STSDANE_RESOLVER_ERRORS");
  char *end = NULL;
  long v = env ? strtol(env, &end, 10) : -1;
  if (!env || *end != '\0' || v < 0 || v > 1000000) {
    if (env) fprintf(stderr, "stsdane: ignoring STSDANE_RESOLVER_ERRORS='%s' (want 0 to 1000000)\n", env);
    return -1;
  }
  return (int)v;
}

void sd_cli_options_init(sd_cli_options *o) {
  memset(o, 0, sizeof(*o));
  sd_engine_options *e = &o->engine;
  e->dns.resolver = env_or_null("STSDANE_RESOLVER");
  e->dns.trust_anchor_file = env_or_null("STSDANE_TRUST_ANCHOR");
  e->dns.root_hints_file = env_or_null("STSDANE_ROOT_HINTS");
  e->dns.recursive = env_or_null("STSDANE_RECURSIVE") != NULL;
  e->dns.timeout_ms = 5000;
  e->ca_file = env_or_null("STSDANE_CA_FILE");
  e->probe.ehlo_name = env_or_null("STSDANE_EHLO");
  e->probe.connect_timeout_ms = 10000;
  e->probe.command_timeout_ms = 30000;
  e->probe.tls_timeout_ms = 30000;
  e->probe.total_timeout_ms = 60000;
  /* The value in force, not 0: rows record it in scan_options, and a 0
   * there would read as "no limit" and change meaning with the default. */
  e->probe.per_address_limit = SD_PROBE_DEFAULT_PER_ADDRESS;
  e->fetch.timeout_ms = 60000;
  e->fetch.connect_timeout_ms = 10000;
  e->smtp_port = 25;
  e->resolver_error_limit = resolver_error_limit_from_env();
  e->dns.unbound_options = o->unbound_options;
  add_unbound_options_from_env(o);
  const char *nc = env_or_null("NO_COLOR");
  o->color = nc ? SD_COLOR_NEVER : SD_COLOR_AUTO;
}

int sd_parse_number(const char *option, const char *text, double min, double max, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || *end || v != v || v < min || v > max) { /* v != v: NaN */
    fprintf(stderr, "stsdane: --%s wants a number from %g to %g, not '%s'\n", option, min, max, text);
    return -1;
  }
  *out = v;
  return 0;
}

FILE *sd_cli_fopen_input(const char *path, const char *mode) {
  FILE *f = fopen(path, mode);
  struct stat st;
  if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    errno = EISDIR;
    return NULL;
  }
  return f;
}

int sd_cli_scan_input_verdict(const char *command, const char *path, long long lines, long long rows) {
  const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
  if (rows > 0) return 0;
  if (lines == 0) {
    fprintf(stderr, "stsdane %s: %s holds no rows (it is empty): nothing from it is counted\n", command, name);
    return 1;
  }
  fprintf(stderr,
          "stsdane %s: %s is not stsdane scan output: none of its %lld line(s) is a result object (JSON with "
          "\"domain\" and \"verdict\"); pass the JSON Lines written by 'stsdane scan' or 'stsdane check --json'\n",
          command, name, lines);
  return -1;
}

void sd_cli_option_error(const char *command, int opt, int argc, char **argv) {
  const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
  char shortopt[3] = {'-', (char)optopt, '\0'};
  /* An unknown short option inside a cluster (-xq): name the letter. */
  if (optopt > 0 && optopt < 128 && strncmp(arg, "--", 2) != 0) arg = shortopt;
  fprintf(stderr, "stsdane %s: %s '%s'; see 'stsdane %s --help'\n", command,
          opt == ':' ? "missing value for option" : "unknown option", arg, command);
}

static int set_timeout_ms(const char *option, const char *arg, int *field) {
  double s;
  if (sd_parse_number(option, arg, 0.1, 3600, &s) != 0) return -1;
  *field = (int)(s * 1000);
  return 1;
}

static int set_probe_timeout(sd_engine_options *e, const char *arg) {
  double s;
  if (sd_parse_number("smtp-timeout", arg, 0.1, 3600, &s) != 0) return -1;
  int ms = (int)(s * 1000);
  e->probe.connect_timeout_ms = ms < e->probe.connect_timeout_ms ? ms : e->probe.connect_timeout_ms;
  e->probe.command_timeout_ms = ms;
  e->probe.tls_timeout_ms = ms;
  e->probe.total_timeout_ms = 2 * ms;
  return 1;
}

int sd_cli_options_handle(sd_cli_options *o, int opt, const char *arg) {
  sd_engine_options *e = &o->engine;
  double v;
  switch (opt) {
  case OPT_RESOLVER: e->dns.resolver = arg; return 1;
  case OPT_TRUST_ANCHOR: e->dns.trust_anchor_file = arg; return 1;
  case OPT_CA_FILE: e->ca_file = arg; return 1;
  case OPT_RECURSIVE: e->dns.recursive = 1; return 1;
  case OPT_ROOT_HINTS: e->dns.root_hints_file = arg; return 1;
  case OPT_EHLO: e->probe.ehlo_name = arg; return 1;
  case OPT_DNS_TIMEOUT: return set_timeout_ms("dns-timeout", arg, &e->dns.timeout_ms);
  case OPT_SMTP_TIMEOUT: return set_probe_timeout(e, arg);
  case OPT_HTTPS_TIMEOUT: return set_timeout_ms("https-timeout", arg, &e->fetch.timeout_ms);
  case OPT_NO_SMTP: e->no_smtp = 1; return 1;
  case OPT_NO_HTTPS: e->no_https = 1; return 1;
  case OPT_SMTP_PORT:
    if (sd_parse_number("smtp-port", arg, 1, 65535, &v) != 0) return -1;
    e->smtp_port = (uint16_t)v;
    return 1;
  case OPT_RATE:
    if (sd_parse_number("rate", arg, 0, 1e6, &v) != 0) return -1;
    e->probe.rate = v;
    return 1;
  case OPT_PER_ADDRESS:
    if (sd_parse_number("per-address", arg, 1, 1000, &v) != 0) return -1;
    e->probe.per_address_limit = (int)v;
    return 1;
  case OPT_RETRIES:
    if (sd_parse_number("retries", arg, 0, 10, &v) != 0) return -1;
    e->probe.retries = (int)v;
    return 1;
  case OPT_QUERY_LOG:
    e->dns.query_log = fopen(arg, "w");
    if (!e->dns.query_log) {
      fprintf(stderr, "stsdane: cannot write the query log %s: %s\n", arg, strerror(errno));
      return -1;
    }
    return 1;
  case OPT_UNBOUND_OPTION:
    if (add_unbound_option(o, arg) != 0) {
      fprintf(stderr, "stsdane: --unbound-option wants 'name: value', e.g. 'local-zone: test. nodefault' "
                      "(at most %d)\n", SD_CLI_MAX_UNBOUND_OPTIONS);
      return -1;
    }
    return 1;
  case OPT_JSON: o->json = 1; return 1;
  case OPT_PEM: o->include_pem = 1; return 1;
  case OPT_COLOR:
    if (strcmp(arg, "auto") == 0) o->color = SD_COLOR_AUTO;
    else if (strcmp(arg, "always") == 0) o->color = SD_COLOR_ALWAYS;
    else if (strcmp(arg, "never") == 0) o->color = SD_COLOR_NEVER;
    else {
      fprintf(stderr, "stsdane: --color wants auto, always or never, not '%s'\n", arg);
      return -1;
    }
    return 1;
  default: return 0;
  }
}

int sd_cli_options_open_env_logs(sd_cli_options *o) {
  const char *path = env_or_null("STSDANE_DNS_ANSWER_LOG");
  if (!path) return 0;
  o->engine.dns.answer_log = fopen(path, "w");
  if (!o->engine.dns.answer_log) {
    fprintf(stderr, "stsdane: cannot write the DNS answer log %s (STSDANE_DNS_ANSWER_LOG): %s\n", path,
            strerror(errno));
    return -1;
  }
  return 0;
}

void sd_cli_options_close_logs(sd_cli_options *o) {
  if (o->engine.dns.query_log) fclose(o->engine.dns.query_log);
  if (o->engine.dns.answer_log) fclose(o->engine.dns.answer_log);
  o->engine.dns.query_log = o->engine.dns.answer_log = NULL;
}

void sd_cli_scan_options_text(const sd_cli_options *o, char *out, size_t len) {
  const sd_engine_options *e = &o->engine;
  snprintf(out, len,
           "dns=%s smtp=%s https=%s smtp_port=%u dns_timeout_ms=%d smtp_timeout_ms=%d https_timeout_ms=%d "
           "retries=%d rate=%g per_address=%d unbound_options=%zu",
           e->dns.recursive ? "recursive" : "stub", e->no_smtp ? "off" : "on", e->no_https ? "off" : "on",
           e->smtp_port ? e->smtp_port : 25, e->dns.timeout_ms, e->probe.total_timeout_ms, e->fetch.timeout_ms,
           e->probe.retries, e->probe.rate, e->probe.per_address_limit, e->dns.unbound_option_count);
}

const char *sd_cli_options_help(void) {
  return "Measurement options (defaults from the environment in brackets):\n"
         "  --resolver ADDR       stub resolver address [STSDANE_RESOLVER; /etc/resolv.conf]\n"
         "  --trust-anchor FILE   DNSSEC root trust anchor, zone-file format\n"
         "                        [STSDANE_TRUST_ANCHOR; /usr/share/dns/root.key]\n"
         "  --recursive           resolve from the root instead of through a stub resolver\n"
         "  --root-hints FILE     root hints for --recursive [STSDANE_ROOT_HINTS]\n"
         "  --unbound-option O    libunbound setting, e.g. 'local-zone: test. nodefault'\n"
         "                        [STSDANE_UNBOUND_OPTIONS, ';'-separated]\n"
         "  --ca-file FILE        trusted WebPKI roots, PEM [STSDANE_CA_FILE; system store]\n"
         "  --ehlo NAME           name sent in EHLO [STSDANE_EHLO; this machine's FQDN, as\n"
         "                        posttls-finger; stsdane.invalid when it has none]. Servers that\n"
         "                        check it refuse other names: a research scan needs a name whose\n"
         "                        forward and reverse DNS match the scanning address\n"
         "  --dns-timeout S       per DNS lookup, retries included (5)\n"
         "  --smtp-timeout S      per SMTP step (30)\n"
         "  --https-timeout S     policy fetch (60)\n"
         "  --no-smtp, --no-https skip SMTP probes / policy fetches\n"
         "  --rate N              new SMTP connections per second overall (unlimited)\n"
         "  --per-address N       concurrent SMTP connections per address (2)\n"
         "  --retries N           retries for SMTP timeouts and 4xx greetings (0); a 4xx to EHLO\n"
         "                        or STARTTLS, a reset, an aborted TLS handshake: at least 2\n"
         "  --query-log FILE      write every DNS query sent (dnsperf format)\n"
         "Environment only:\n"
         "  STSDANE_DNS_ANSWER_LOG=FILE  write every DNS answer used: name, type, lookup outcome,\n"
         "                        DNSSEC status (for tests that compare it with another validator)\n"
         "Output options:\n"
         "  --json                one JSON object per domain and line\n"
         "  --pem                 include certificate chains as PEM in JSON\n"
         "  --color WHEN          auto, always or never (NO_COLOR is honoured)\n";
}

int sd_cli_parse_command(const char *command, int argc, char **argv, sd_cli_options *o,
                         const sd_cli_command_options *own, void (*print_help)(void)) {
  static const struct option help = {"help", no_argument, NULL, 'h'};
  size_t own_count = own ? own->count : 0;
  struct option *mine = calloc(own_count + 1, sizeof(*mine));
  if (!mine) return -1;
  if (own_count) memcpy(mine, own->options, own_count * sizeof(*mine));
  mine[own_count] = help;
  struct option *longopts = sd_cli_long_options(mine, own_count + 1);
  free(mine);
  char optstring[32];
  snprintf(optstring, sizeof(optstring), ":h%s", own && own->short_options ? own->short_options : "");
  if (!longopts) return -1;
  int opt;
  optind = 1;
  opterr = 0; /* one line of our own instead of getopt's message */
  while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
    if (opt == 'h') {
      free(longopts);
      print_help();
      exit(0);
    }
    /* The command's own options first: it may give an engine option's
     * letter another meaning. */
    int handled = own && own->handle ? own->handle(own->ctx, opt, optarg) : 0;
    if (handled == 0) handled = sd_cli_options_handle(o, opt, optarg);
    if (handled <= 0) {
      if (handled == 0) sd_cli_option_error(command, opt, argc, argv);
      free(longopts);
      return -1;
    }
  }
  free(longopts);
  return optind;
}

int sd_cli_parse_engine_command(const char *command, int argc, char **argv, sd_cli_options *o,
                                void (*print_help)(void)) {
  return sd_cli_parse_command(command, argc, argv, o, NULL, print_help);
}

int sd_cli_use_color(const sd_cli_options *o) {
  if (o->color == SD_COLOR_ALWAYS) return 1;
  if (o->color == SD_COLOR_NEVER) return 0;
  return isatty(STDOUT_FILENO);
}
