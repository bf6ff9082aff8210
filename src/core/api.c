/* The public API of libstsdane (include/stsdane/stsdane.h). */
#include "stsdane/stsdane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "compare/verdict.h"
#include "core/engine.h"
#include "core/exit_status.h"
#include "result/result_json.h"

struct stsdane {
  struct event_base *base;
  int owns_base;
  sd_engine *engine;
  int include_pem;
};

static void engine_options(const stsdane_options *o, sd_engine_options *eo) {
  memset(eo, 0, sizeof(*eo));
  eo->resolver_error_limit = -1; /* the default K (core/resolver_health.h) */
  eo->dns.resolver = o->resolver;
  eo->dns.trust_anchor_file = o->trust_anchor_file;
  eo->dns.recursive = o->recursive;
  eo->dns.root_hints_file = o->root_hints_file;
  eo->dns.unbound_options = o->unbound_options;
  eo->dns.unbound_option_count = o->unbound_option_count;
  eo->dns.timeout_ms = o->dns_timeout_ms;
  eo->ca_file = o->ca_file;
  eo->no_smtp = o->no_smtp;
  eo->no_https = o->no_https;
  eo->probe.ehlo_name = o->ehlo_name;
  eo->probe.command_timeout_ms = eo->probe.tls_timeout_ms = o->smtp_timeout_ms;
  eo->fetch.timeout_ms = o->https_timeout_ms;
}

static stsdane *handle_new(struct event_base *base, int owns_base, const stsdane_options *o, char *err,
                           size_t err_len) {
  stsdane *h = calloc(1, sizeof(*h));
  if (!h) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  sd_engine_options eo;
  engine_options(o, &eo);
  h->base = base;
  h->owns_base = owns_base;
  h->include_pem = o->include_pem;
  h->engine = sd_engine_new(base, &eo, err, err_len);
  if (!h->engine) {
    free(h);
    return NULL;
  }
  return h;
}

stsdane *stsdane_new(const stsdane_options *o, char *err, size_t err_len) {
  struct event_base *base = event_base_new();
  if (!base) {
    snprintf(err, err_len, "cannot create a libevent loop");
    return NULL;
  }
  stsdane *h = handle_new(base, 1, o, err, err_len);
  if (!h) event_base_free(base);
  return h;
}

stsdane *stsdane_new_with_base(struct event_base *base, const stsdane_options *o, char *err, size_t err_len) {
  if (!base) {
    snprintf(err, err_len, "no event_base given");
    return NULL;
  }
  return handle_new(base, 0, o, err, err_len);
}

static char *result_json(const stsdane *h, const sd_domain_result *r, int *status) {
  sd_json_options jo = {.include_pem = h->include_pem};
  if (status) *status = r->invalid_domain ? STSDANE_AT_RISK : sd_exit_status_for(r);
  return sd_result_to_json_line(r, &jo);
}

/* ---- asynchronous ----------------------------------------------------------- */

typedef struct async_check {
  stsdane *handle;
  stsdane_result_cb cb;
  void *arg;
  char *domain; /* as the caller gave it */
} async_check;

static void on_async_done(sd_domain_result *r, void *arg) {
  async_check *c = arg;
  int status = STSDANE_INCOMPLETE;
  char *json = result_json(c->handle, r, &status);
  c->cb(c->domain, json, status, c->arg);
  free(json);
  sd_domain_result_free(r);
  free(r);
  free(c->domain);
  free(c);
}

int stsdane_check_start(stsdane *h, const char *domain, stsdane_result_cb cb, void *arg) {
  async_check *c = calloc(1, sizeof(*c));
  if (!c) return -1;
  *c = (async_check){.handle = h, .cb = cb, .arg = arg, .domain = strdup(domain)};
  if (!c->domain || sd_evaluate(h->engine, domain, on_async_done, c) != 0) {
    free(c->domain);
    free(c);
    return -1;
  }
  return 0;
}

/* ---- synchronous ------------------------------------------------------------ */

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
  char *json = result_json(h, s.result, status);
  sd_domain_result_free(s.result);
  free(s.result);
  return json;
}

void stsdane_free_string(char *s) { free(s); }

void stsdane_free(stsdane *h) {
  if (!h) return;
  sd_engine_free(h->engine);
  if (h->owns_base) event_base_free(h->base);
  free(h);
}

const char *stsdane_version(void) { return STSDANE_VERSION; }
