/* The public API of libstsdane (include/stsdane/stsdane.h). */
#include "stsdane/stsdane.h"

#include <stdlib.h>

#include <event2/event.h>

#include "compare/verdict.h"
#include "core/engine.h"
#include "core/exit_status.h"
#include "core/result_json.h"

struct stsdane {
  struct event_base *base;
  sd_engine *engine;
  int include_pem;
};

stsdane *stsdane_new(const stsdane_options *o, char *err, size_t err_len) {
  stsdane *h = calloc(1, sizeof(*h));
  if (!h || !(h->base = event_base_new())) {
    free(h);
    return NULL;
  }
  sd_engine_options eo = {0};
  eo.dns.resolver = o->resolver;
  eo.dns.trust_anchor_file = o->trust_anchor_file;
  eo.dns.recursive = o->recursive;
  eo.dns.root_hints_file = o->root_hints_file;
  eo.dns.unbound_options = o->unbound_options;
  eo.dns.unbound_option_count = o->unbound_option_count;
  eo.dns.timeout_ms = o->dns_timeout_ms;
  eo.ca_file = o->ca_file;
  eo.no_smtp = o->no_smtp;
  eo.no_https = o->no_https;
  eo.probe.ehlo_name = o->ehlo_name;
  eo.probe.command_timeout_ms = eo.probe.tls_timeout_ms = o->smtp_timeout_ms;
  eo.fetch.timeout_ms = o->https_timeout_ms;
  h->include_pem = o->include_pem;
  h->engine = sd_engine_new(h->base, &eo, err, err_len);
  if (!h->engine) {
    event_base_free(h->base);
    free(h);
    return NULL;
  }
  return h;
}

typedef struct sync_check {
  struct event_base *base;
  sd_domain_result *result;
} sync_check;

static void on_done(sd_domain_result *r, void *arg) {
  sync_check *s = arg;
  s->result = r;
  event_base_loopexit(s->base, NULL);
}

char *stsdane_check(stsdane *h, const char *domain, int *status) {
  sync_check s = {.base = h->base};
  if (sd_evaluate(h->engine, domain, on_done, &s) != 0) return NULL;
  while (!s.result && event_base_dispatch(h->base) == 0) {
  }
  if (!s.result) return NULL;
  sd_json_options jo = {.include_pem = h->include_pem};
  char *json = sd_result_to_json_line(s.result, &jo);
  if (status) *status = s.result->invalid_domain ? STSDANE_AT_RISK : sd_exit_status_for(s.result);
  sd_domain_result_free(s.result);
  free(s.result);
  return json;
}

void stsdane_free_string(char *s) { free(s); }

void stsdane_free(stsdane *h) {
  if (!h) return;
  sd_engine_free(h->engine);
  event_base_free(h->base);
  free(h);
}

const char *stsdane_version(void) { return STSDANE_VERSION; }
