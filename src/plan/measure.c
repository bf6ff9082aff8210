/*
 * The plan's measurement: the evaluation check runs, then, when that
 * evaluation did not fetch a policy (no MTA-STS record yet), a look at the
 * policy host mta-sts.<domain>: its addresses with the measurement's own
 * resolver, then an HTTPS fetch of the policy URL. The fetch result says
 * whether the name is free, serves HTTPS with a valid certificate, or is in
 * use with a certificate that would have to change.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/str.h"

#define POLICY_HOST_ADDRS 8

typedef struct measure_run {
  sd_engine *engine;
  sd_plan_measurement *m;
  sd_plan_measured_cb cb;
  void *arg;
  int answers;                /* A and AAAA answered so far */
  sd_lookup lookups[2];
  char *addrs[POLICY_HOST_ADDRS];
  size_t addr_count;
} measure_run;

static void finish(measure_run *run) {
  run->cb(run->m, run->arg);
  for (size_t i = 0; i < run->addr_count; i++) free(run->addrs[i]);
  free(run);
}

static void on_fetch(const sd_fetch_result *res, void *arg) {
  measure_run *run = arg;
  sd_fetch_result_copy(&run->m->policy_host_fetch, res);
  run->m->policy_host_fetched = 1;
  finish(run);
}

/* Any address wins; then an error (cannot tell the name is free); then
 * NODATA; then NXDOMAIN. */
static sd_lookup combined(const sd_lookup l[2]) {
  static const int rank[] = {[SD_LOOKUP_OK] = 3, [SD_LOOKUP_ERROR] = 2, [SD_LOOKUP_NODATA] = 1,
                             [SD_LOOKUP_NXDOMAIN] = 0};
  return rank[l[0]] >= rank[l[1]] ? l[0] : l[1];
}

static void on_address(const sd_dns_answer *a, void *arg) {
  measure_run *run = arg;
  sd_plan_measurement *m = run->m;
  run->lookups[a->qtype == SD_RR_A ? 0 : 1] = a->lookup;
  if (a->lookup == SD_LOOKUP_ERROR && !m->policy_host_error)
    m->policy_host_error = sd_strdup(a->error ? a->error : "lookup failed");
  for (size_t i = 0; i < a->count && run->addr_count < POLICY_HOST_ADDRS; i++)
    if (a->records[i].ip[0] && (run->addrs[run->addr_count] = sd_strdup(a->records[i].ip))) run->addr_count++;
  if (++run->answers < 2) return;
  m->policy_host_looked_up = 1;
  m->policy_host_lookup = run->addr_count ? SD_LOOKUP_OK : combined(run->lookups);
  if (run->addr_count == 0 || run->engine->options.no_https ||
      sd_fetch_policy_at(run->engine->fetcher, m->r->domain, (const char *const *)run->addrs, run->addr_count,
                         on_fetch, run) != 0)
    finish(run);
}

static void look_at_policy_host(measure_run *run) {
  char *host = sd_asprintf("mta-sts.%s", run->m->r->domain);
  static const uint16_t types[2] = {SD_RR_A, SD_RR_AAAA};
  for (int i = 0; i < 2; i++) {
    if (host && sd_dns_query(run->engine->dns, host, types[i], on_address, run) == 0) continue;
    /* Could not start: answered at once as a failed lookup, so that the
     * second answer still arrives and finishes the run. */
    sd_dns_answer failed = {.qname = host, .qtype = types[i], .lookup = SD_LOOKUP_ERROR,
                            .error = (char *)"the lookup could not be started"};
    on_address(&failed, run);
  }
  free(host);
}

static int needs_policy_host_look(const sd_domain_result *r) {
  if (r->invalid_domain || r->policy_fetched) return 0;
  return r->mx_lookup != SD_LOOKUP_NXDOMAIN;
}

static void on_result(sd_domain_result *r, void *arg) {
  measure_run *run = arg;
  run->m->r = r;
  if (r->policy_fetched) {
    /* The evaluation fetched the policy: its lookup and fetch serve. */
    run->m->policy_host_looked_up = 1;
    run->m->policy_host_lookup = r->policy_host_lookup;
    run->m->policy_host_fetched = 1;
    sd_fetch_result_copy(&run->m->policy_host_fetch, &r->fetch);
  }
  if (needs_policy_host_look(r)) look_at_policy_host(run);
  else finish(run);
}

int sd_plan_measure(sd_engine *engine, const char *domain, sd_plan_measured_cb cb, void *arg) {
  measure_run *run = calloc(1, sizeof(*run));
  sd_plan_measurement *m = calloc(1, sizeof(*m));
  if (!run || !m) {
    free(run);
    free(m);
    return -1;
  }
  *run = (measure_run){.engine = engine, .m = m, .cb = cb, .arg = arg};
  if (sd_evaluate(engine, domain, on_result, run) != 0) {
    free(run);
    free(m);
    return -1;
  }
  return 0;
}

void sd_plan_measurement_free(sd_plan_measurement *m) {
  if (!m) return;
  if (m->r) {
    sd_domain_result_free(m->r);
    free(m->r);
  }
  free(m->policy_host_error);
  if (m->policy_host_fetched) sd_fetch_result_free(&m->policy_host_fetch);
  free(m);
}
