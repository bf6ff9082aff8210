#include "core/engine.h"

#include "core/policy_cache.h"
#include "core/verify_memo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void apply_defaults(sd_engine_options *o) {
  if (!o->smtp_port) o->smtp_port = 25;
  if (!o->max_mx) o->max_mx = 16;
  if (!o->max_addrs) o->max_addrs = 8;
  if (!o->fetch.ca_file) o->fetch.ca_file = o->ca_file;
}

sd_engine *sd_engine_new(struct event_base *base, const sd_engine_options *options, char *err, size_t err_len) {
  sd_engine *en = calloc(1, sizeof(*en));
  if (!en) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  en->base = base;
  en->options = *options;
  sd_resolver_health_init(&en->health, options->resolver_error_limit);
  apply_defaults(&en->options);
  en->trust = sd_trust_store_load(en->options.ca_file, err, err_len);
  if (!en->trust) goto fail;
  en->dns = sd_dns_new(base, &en->options.dns, err, err_len);
  if (!en->dns) goto fail;
  en->fetcher = sd_fetcher_new(base, &en->options.fetch);
  if (!en->fetcher) {
    snprintf(err, err_len, "cannot set up the HTTPS policy fetcher (libcurl)");
    goto fail;
  }
  en->policies = sd_policy_cache_new(en->fetcher);
  if (!en->policies) {
    snprintf(err, err_len, "out of memory");
    goto fail;
  }
  en->verify_memo = sd_verify_memo_new(0);
  en->prober = sd_prober_new(base, &en->options.probe);
  if (!en->prober) {
    snprintf(err, err_len, "cannot set up the SMTP prober");
    goto fail;
  }
  return en;
fail:
  sd_engine_free(en);
  return NULL;
}

void sd_engine_free(sd_engine *en) {
  if (!en) return;
  sd_verify_memo_free(en->verify_memo);
  sd_prober_free(en->prober);
  sd_fetcher_free(en->fetcher);
  sd_policy_cache_free(en->policies); /* after the fetcher: no fetch can answer into it any more */
  sd_dns_free(en->dns);
  if (en->trust) X509_STORE_free(en->trust);
  free(en);
}

typedef struct observed_query {
  sd_engine *engine;
  sd_dns_cb cb;
  void *arg;
} observed_query;

static void report_down(sd_engine *engine) {
  if (engine->on_resolver_down) engine->on_resolver_down(engine->on_resolver_down_arg);
}

static void on_check_answer(const sd_dns_answer *answer, void *arg) {
  sd_engine *engine = arg;
  if (answer->lookup != SD_LOOKUP_ERROR)
    engine->resolver_check.answered = 1;
  else
    snprintf(engine->resolver_check.failure, sizeof(engine->resolver_check.failure),
             "fresh names under names that had answered failed too (%s %s: %s)", answer->qname,
             sd_rr_type_name(answer->qtype), answer->error && *answer->error ? answer->error : "no answer");
  if (--engine->resolver_check.outstanding > 0) return;
  if (sd_resolver_health_check_done(&engine->health, engine->resolver_check.answered,
                                    engine->resolver_check.failure) == SD_HEALTH_DOWN)
    report_down(engine);
}

/* K lookups failed in a row: asks for a fresh name (never cached, ours or
 * the resolver's) under each name that answered recently. Straight to
 * sd_dns_query: these answers are not observed as the domains' are. */
static void start_resolver_check(sd_engine *engine) {
  char names[SD_RESOLVER_GOOD_NAMES][256];
  size_t n = sd_resolver_health_check_names(&engine->health, names);
  engine->resolver_check.outstanding = 0;
  engine->resolver_check.answered = 0;
  snprintf(engine->resolver_check.failure, sizeof(engine->resolver_check.failure), "no check lookup could start");
  for (size_t i = 0; i < n; i++)
    if (sd_dns_query(engine->dns, names[i], SD_RR_A, on_check_answer, engine) == 0) engine->resolver_check.outstanding++;
  if (engine->resolver_check.outstanding == 0 &&
      sd_resolver_health_check_done(&engine->health, 0, engine->resolver_check.failure) == SD_HEALTH_DOWN)
    report_down(engine);
}

static void on_observed_answer(const sd_dns_answer *answer, void *arg) {
  observed_query q = *(observed_query *)arg;
  free(arg);
  sd_health_event event = sd_resolver_health_observe(&q.engine->health, answer);
  q.cb(answer, q.arg);
  if (event == SD_HEALTH_CHECK)
    start_resolver_check(q.engine);
  else if (event == SD_HEALTH_DOWN)
    report_down(q.engine);
}

int sd_engine_dns_query(sd_engine *engine, const char *name, uint16_t type, sd_dns_cb cb, void *arg) {
  observed_query *q = malloc(sizeof(*q));
  if (!q) return -1;
  *q = (observed_query){engine, cb, arg};
  if (sd_dns_query(engine->dns, name, type, on_observed_answer, q) != 0) {
    free(q);
    return -1;
  }
  return 0;
}
