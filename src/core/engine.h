/*
 * The engine: one event loop and the shared services every domain
 * evaluation uses (DNS with its cache, the policy fetcher, the SMTP prober
 * with its probe cache, the trust store). A scan creates one engine and
 * evaluates many domains on it concurrently.
 */
#ifndef SD_CORE_ENGINE_H
#define SD_CORE_ENGINE_H

#include <stdint.h>

#include <openssl/x509_vfy.h>

#include "core/resolver_health.h"
#include "result/result.h"
#include "dns/dns.h"
#include "mtasts/fetch.h"
#include "smtp/prober.h"

struct event_base;

typedef struct sd_engine_options {
  sd_dns_options dns;
  sd_fetch_options fetch;
  sd_probe_options probe;
  const char *ca_file;   /* WebPKI roots for MX certificates (and the fetch); NULL: system */
  int no_smtp;           /* DNS (and HTTPS) only */
  int no_https;          /* no policy fetch */
  uint16_t smtp_port;    /* default 25 */
  size_t max_mx;         /* MX hosts evaluated per domain; default 16 */
  size_t max_addrs;      /* addresses probed per MX host; default 8 */
  int resolver_error_limit; /* failed lookups in a row that mean the resolver is down; -1: default, 0: never */
} sd_engine_options;

typedef struct sd_engine {
  struct event_base *base;
  sd_engine_options options;
  sd_dns *dns;
  sd_fetcher *fetcher;
  struct sd_policy_cache *policies;   /* one fetch per policy host per scan */
  sd_prober *prober;
  X509_STORE *trust;
  struct sd_verify_memo *verify_memo; /* shared certificate verifications */
  sd_resolver_health health;          /* every DNS answer of every domain, observed */
  struct {                            /* the check of a suspect resolver under way */
    unsigned outstanding;             /* its lookups not answered yet */
    int answered;                     /* one of them got an answer */
    char failure[200];                /* the last of their errors */
  } resolver_check;
  /* Called once, from a DNS callback, when the resolver counts as down
   * (K failed lookups in a row, and then no answer to fresh names). */
  void (*on_resolver_down)(void *arg);
  void *on_resolver_down_arg;
} sd_engine;

/* NULL on failure with the reason in err. */
sd_engine *sd_engine_new(struct event_base *base, const sd_engine_options *options, char *err, size_t err_len);
void sd_engine_free(sd_engine *engine);

/* sd_dns_query through the engine: the answer is observed by the resolver
 * health check before cb sees it. 0, or -1 when the query cannot start. */
int sd_engine_dns_query(sd_engine *engine, const char *name, uint16_t type, sd_dns_cb cb, void *arg);

/* Called once per domain with a result the callee owns (free it with
 * sd_domain_result_free). */
typedef void (*sd_domain_cb)(sd_domain_result *result, void *arg);

/* Starts evaluating one domain (input as given by the user; invalid names
 * come back as a result with an invalid-domain finding). 0 on success. */
int sd_evaluate(sd_engine *engine, const char *input, sd_domain_cb cb, void *arg);

#endif
