/* stsdane check DOMAIN...: evaluate domains concurrently, print in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli/commands.h"
#include "core/exit_status.h"
#include "cli/options.h"
#include "cli/render_text.h"
#include "result/result_json.h"

typedef struct check_run {
  struct event_base *base;
  sd_domain_result **results;
  size_t count;
  size_t done;
} check_run;

typedef struct check_slot {
  check_run *run;
  size_t index;
} check_slot;

static void on_result(sd_domain_result *r, void *arg) {
  check_slot *slot = arg;
  slot->run->results[slot->index] = r;
  /* Stop the loop as soon as every domain is in: idle DNS or HTTP
   * connections must not keep a finished check waiting. */
  if (++slot->run->done == slot->run->count) event_base_loopexit(slot->run->base, NULL);
}

static void print_help(void) {
  printf("usage: stsdane check [OPTIONS] DOMAIN...\n\n"
         "Evaluates each domain and tells, per kind of sender, what happens to mail\n"
         "sent to it today, what is broken and how to fix it.\n\n%s", sd_cli_options_help());
}

static int parse_args(int argc, char **argv, sd_cli_options *o) {
  int first = sd_cli_parse_engine_command("check", argc, argv, o, print_help);
  if (first >= 0 && first >= argc) {
    fprintf(stderr, "stsdane check: name at least one domain, e.g. 'stsdane check example.org'\n");
    return -1;
  }
  return first;
}

static int print_results(const check_run *run, const sd_cli_options *o) {
  int status = SD_EXIT_OK;
  char options_text[256];
  sd_cli_scan_options_text(o, options_text, sizeof(options_text));
  sd_json_options jo = {.include_pem = o->include_pem, .scan_options = options_text};
  int color = sd_cli_use_color(o);
  for (size_t i = 0; i < run->count; i++) {
    const sd_domain_result *r = run->results[i];
    if (!r) continue;
    if (o->json) {
      char *line = sd_result_to_json_line(r, &jo);
      if (line) printf("%s\n", line);
      free(line);
    } else {
      sd_render_text(stdout, r, color);
    }
    /* A name that is not a domain is the caller's mistake, not the
     * domain's: a usage error (the row still says why). */
    status = sd_exit_status_combine(status, r->invalid_domain ? SD_EXIT_USAGE : sd_exit_status_for(r));
  }
  return status;
}

/* A resolver that answered nothing (or K lookups in a row failed) makes the
 * whole run incomplete, whatever the per-domain statuses: the results say
 * nothing about the domains. */
static int resolver_verdict(const sd_engine *engine, int status) {
  const sd_resolver_health *h = &engine->health;
  if (!h->down && !sd_resolver_health_none_answered(h)) return status;
  fprintf(stderr,
          "stsdane check: no DNS lookup got an answer (%llu of %llu failed; last: %s): the resolver (or the "
          "domain's name servers) is not answering; the results above are unknown, not findings about the domain: "
          "check the resolver (--resolver) and run again\n",
          (unsigned long long)h->errors, (unsigned long long)h->answers, h->last_error);
  return SD_EXIT_INCOMPLETE;
}

int sd_cmd_check(int argc, char **argv) {
  sd_cli_options o;
  sd_cli_options_init(&o);
  int first = parse_args(argc, argv, &o);
  if (first < 0 || sd_cli_options_open_env_logs(&o) != 0) {
    sd_cli_options_close_logs(&o);
    return SD_EXIT_USAGE;
  }
  struct event_base *base = event_base_new();
  char err[512] = "";
  sd_engine *engine = base ? sd_engine_new(base, &o.engine, err, sizeof(err)) : NULL;
  if (!engine) {
    fprintf(stderr, "stsdane check: %s\n", err[0] ? err : "cannot create the event loop");
    if (base) event_base_free(base);
    return SD_EXIT_USAGE;
  }
  check_run run = {.base = base, .count = (size_t)(argc - first)};
  run.results = calloc(run.count, sizeof(*run.results));
  check_slot *slots = calloc(run.count, sizeof(*slots));
  for (size_t i = 0; run.results && slots && i < run.count; i++) {
    slots[i] = (check_slot){&run, i};
    if (sd_evaluate(engine, argv[first + (int)i], on_result, &slots[i]) != 0) run.done++;
  }
  event_base_dispatch(base);
  int status = print_results(&run, &o);
  status = resolver_verdict(engine, status);
  for (size_t i = 0; i < run.count; i++)
    if (run.results[i]) {
      sd_domain_result_free(run.results[i]);
      free(run.results[i]);
    }
  free(run.results);
  free(slots);
  sd_engine_free(engine);
  event_base_free(base);
  sd_cli_options_close_logs(&o);
  return status;
}
