/* stsdane plan DOMAIN: which protocol, and exactly how (src/plan/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/exit_status.h"
#include "plan/plan.h"
#include "util/domain.h"

static void print_help(void) {
  printf("usage: stsdane plan [OPTIONS] DOMAIN\n\n"
         "Measures the domain as it is today and tells, for MTA-STS, for DANE and for\n"
         "both together, whether it can work here, what is missing, the exact records\n"
         "and files to publish in the safe order, the duties once it runs, and what\n"
         "each protects against that the other does not. Details: docs/plan.md.\n\n"
         "Exit status: as 'stsdane check' for the domain today (0 protected, 1 warnings,\n"
         "2 mail at risk, 4 measurement incomplete), 3 usage error.\n\n%s",
         sd_cli_options_help());
}

static int parse_args(int argc, char **argv, sd_cli_options *o) {
  int first = sd_cli_parse_engine_command("plan", argc, argv, o, print_help);
  if (first < 0) return -1;
  if (first != argc - 1) {
    fprintf(stderr, "stsdane plan: name exactly one domain, e.g. 'stsdane plan example.org'\n");
    return -1;
  }
  char name[SD_DOMAIN_MAX + 1], err[256];
  if (sd_domain_normalize(argv[first], strlen(argv[first]), name, sizeof(name), err, sizeof(err)) != 0) {
    fprintf(stderr, "stsdane plan: '%s' is not a domain name: %s\n", argv[first], err);
    return -1;
  }
  return first;
}

typedef struct plan_run {
  struct event_base *base;
  sd_plan_measurement *m;
} plan_run;

static void on_measured(sd_plan_measurement *m, void *arg) {
  plan_run *run = arg;
  run->m = m;
  /* Done: idle DNS or HTTP connections must not keep the loop waiting. */
  event_base_loopexit(run->base, NULL);
}

static int print_plan(const sd_plan *plan, const sd_cli_options *o) {
  if (o->json) {
    cJSON *j = sd_plan_to_json(plan);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!text) return -1;
    printf("%s\n", text);
    free(text);
  } else {
    sd_plan_render_text(stdout, plan, sd_cli_use_color(o));
  }
  /* A full disk or a closed pipe must not pass for a printed plan. */
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "stsdane plan: cannot write the plan to standard output: %s\n", strerror(errno));
    return -1;
  }
  return 0;
}

static int plan_measured(sd_plan_measurement *m, const sd_cli_options *o) {
  sd_plan plan;
  if (sd_plan_build(m, time(NULL), &plan) != 0) {
    sd_plan_free(&plan);
    fprintf(stderr, "stsdane plan: out of memory while building the plan\n");
    return SD_EXIT_INCOMPLETE;
  }
  int status = print_plan(&plan, o) == 0 ? sd_exit_status_for(m->r) : SD_EXIT_INCOMPLETE;
  sd_plan_free(&plan);
  return status;
}

int sd_cmd_plan(int argc, char **argv) {
  sd_cli_options o;
  sd_cli_options_init(&o);
  int first = parse_args(argc, argv, &o);
  if (first < 0) return SD_EXIT_USAGE;
  struct event_base *base = event_base_new();
  char err[512] = "";
  sd_engine *engine = base ? sd_engine_new(base, &o.engine, err, sizeof(err)) : NULL;
  if (!engine) {
    fprintf(stderr, "stsdane plan: %s\n", err[0] ? err : "cannot create the event loop");
    if (base) event_base_free(base);
    return SD_EXIT_USAGE;
  }
  plan_run run = {.base = base};
  int status = SD_EXIT_INCOMPLETE;
  if (sd_plan_measure(engine, argv[first], on_measured, &run) == 0) event_base_dispatch(base);
  if (run.m) status = plan_measured(run.m, &o);
  else fprintf(stderr, "stsdane plan: the measurement of %s could not start (out of memory)\n", argv[first]);
  sd_plan_measurement_free(run.m);
  sd_engine_free(engine);
  event_base_free(base);
  if (o.engine.dns.query_log) fclose(o.engine.dns.query_log);
  return status;
}
