#include "dns/dns.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <unbound.h>

#include "dns/answer.h"
#include "dns/answer_log.h"
#include "dns/cache.h"
#include "dns/ub_context.h"
#include "util/str.h"

/* Answers kept by default. Shared answers (MX hosts' addresses and TLSA)
 * are a few per MX host; the bulk are per-domain answers nobody asks for
 * twice. 16384 keeps every shared answer of a busy scan while memory stays
 * flat from ten thousand to millions of domains. */
#define SD_DNS_CACHE_DEFAULT 16384

/* How long an answer is kept at least, whatever its TTL: the lookups of one
 * domain's evaluation see one view of the DNS, not answers that changed
 * between the MX check and the TLSA check. Errors are kept this long too, so
 * a failing name is not asked again by every row in the same second. */
#define SD_DNS_MIN_KEEP_MS 5000
/* And at most this long (a TTL of weeks in a month-long scan). */
#define SD_DNS_MAX_KEEP_MS (24ull * 3600 * 1000)

/* Longest name in presentation form, without the trailing dot. */
#define SD_DNS_NAME_MAX 253

/* One lookup handed to libunbound, until its callback comes or its timer
 * fires (then it is cancelled in libunbound, which never calls back). */
typedef struct sd_dns_lookup {
  struct sd_dns *dns;
  sd_dns_cache_entry *entry;
  int async_id;
  struct event *timer;
  struct sd_dns_lookup *prev, *next; /* dns->lookups: all in flight */
} sd_dns_lookup;

struct sd_dns {
  struct event_base *base;
  struct ub_ctx *ub;
  struct event *results_ev; /* libunbound's result pipe (ub_fd) is readable */
  sd_dns_cache cache;
  /* Lookups beyond SD_UB_MAX_IN_FLIGHT wait here, oldest first. */
  sd_dns_cache_entry *queue_head, *queue_tail;
  sd_dns_lookup *lookups;
  size_t in_flight;
  size_t queued;
  const struct timeval *timeout; /* a libevent common timeout: one queue for all timers */
  /* Answers already known (cache hits, and answers that need no lookup),
   * delivered at the next turn of the loop: a callback never runs inside
   * sd_dns_query. */
  sd_dns_waiter *ready_head, *ready_tail;
  struct event *ready_ev;
  FILE *query_log;
  FILE *answer_log; /* every answer delivered, with its DNSSEC status (answer_log.h) */
  size_t queries_sent;
  size_t cache_hits;
  int submitting; /* finishing an entry inside sd_dns_query: deliver later */
  int closing;    /* sd_dns_free: deliver nothing */
};

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_ready_answers(evutil_socket_t fd, short what, void *arg);
static void on_results_readable(evutil_socket_t fd, short what, void *arg);

sd_dns *sd_dns_new(struct event_base *base, const sd_dns_options *o, char *err, size_t err_len) {
  sd_dns *dns = calloc(1, sizeof(*dns));
  if (!dns) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  dns->base = base;
  dns->query_log = o->query_log;
  dns->answer_log = o->answer_log;
  int ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  dns->timeout = event_base_init_common_timeout(base, &tv);
  dns->ready_ev = event_new(base, -1, 0, on_ready_answers, dns);
  if (!dns->timeout || !dns->ready_ev ||
      sd_dns_cache_init(&dns->cache, o->cache_entries ? o->cache_entries : SD_DNS_CACHE_DEFAULT) != 0) {
    snprintf(err, err_len, "out of memory setting up the DNS resolver");
    sd_dns_free(dns);
    return NULL;
  }
  if (!(dns->ub = sd_ub_context_new(o, err, err_len))) {
    sd_dns_free(dns);
    return NULL;
  }
  dns->results_ev = event_new(base, ub_fd(dns->ub), EV_READ | EV_PERSIST, on_results_readable, dns);
  if (!dns->results_ev || event_add(dns->results_ev, NULL) != 0) {
    snprintf(err, err_len, "cannot watch libunbound's result pipe on the event loop");
    sd_dns_free(dns);
    return NULL;
  }
  return dns;
}

/* ---- delivery ------------------------------------------------------------ */

static void queue_ready(sd_dns *dns, sd_dns_waiter *w) {
  if (!dns->ready_head) {
    const struct timeval now = {0, 0};
    event_add(dns->ready_ev, &now); /* cannot fail for a timer without fd */
  }
  w->next = NULL;
  if (dns->ready_tail)
    dns->ready_tail->next = w;
  else
    dns->ready_head = w;
  dns->ready_tail = w;
}

/* The one place answers reach callers, fresh or cached. */
static void deliver(sd_dns *dns, const sd_dns_answer *answer, const sd_dns_waiter *w) {
  sd_dns_answer_log_write(dns->answer_log, answer);
  w->cb(answer, w->arg);
}

/* Those queued until now go; callbacks that query again queue for the next
 * turn. */
static void on_ready_answers(evutil_socket_t fd, short what, void *arg) {
  sd_dns *dns = arg;
  sd_dns_waiter *w = dns->ready_head;
  dns->ready_head = dns->ready_tail = NULL;
  while (w) {
    sd_dns_waiter *next = w->next;
    deliver(dns, &w->entry->answer, w);
    sd_dns_cache_release(w->entry);
    free(w);
    w = next;
  }
  sd_dns_cache_trim(&dns->cache);
}

static void deliver_now(sd_dns *dns, sd_dns_cache_entry *e) {
  sd_dns_waiter *w = e->waiters;
  e->waiters = NULL;
  while (w) {
    sd_dns_waiter *next = w->next;
    deliver(dns, &e->answer, w);
    free(w);
    w = next;
  }
}

/* Each waiter of e gets the answer at the next turn of the loop. */
static void deliver_later(sd_dns *dns, sd_dns_cache_entry *e) {
  sd_dns_waiter *w = e->waiters;
  e->waiters = NULL;
  while (w) {
    sd_dns_waiter *next = w->next;
    w->entry = e;
    sd_dns_cache_hold(e);
    queue_ready(dns, w);
    w = next;
  }
}

static void keep_for(sd_dns_cache_entry *e, uint64_t ttl_ms) {
  if (ttl_ms < SD_DNS_MIN_KEEP_MS) ttl_ms = SD_DNS_MIN_KEEP_MS;
  if (ttl_ms > SD_DNS_MAX_KEEP_MS) ttl_ms = SD_DNS_MAX_KEEP_MS;
  e->expires_ms = now_ms() + ttl_ms;
}

static void start_queued(sd_dns *dns);

/* The entry's answer is filled: keep it, hand it to every waiter. */
static void finish_entry(sd_dns *dns, sd_dns_cache_entry *e, uint32_t ttl_s) {
  e->pending = 0;
  e->lookup = NULL;
  keep_for(e, (uint64_t)ttl_s * 1000);
  sd_dns_cache_completed(&dns->cache, e);
  if (dns->submitting) {
    deliver_later(dns, e);
    return;
  }
  sd_dns_cache_hold(e); /* a waiter may query again; keep e out of any trim */
  deliver_now(dns, e);
  sd_dns_cache_release(e);
  sd_dns_cache_trim(&dns->cache);
}

/* ---- lookups in flight ----------------------------------------------------- */

static void lookup_unlink(sd_dns *dns, sd_dns_lookup *l) {
  if (l->prev)
    l->prev->next = l->next;
  else
    dns->lookups = l->next;
  if (l->next) l->next->prev = l->prev;
  if (l->timer) event_free(l->timer);
  free(l);
  dns->in_flight--;
}

static sd_dnssec map_security(int sec) {
  switch (sec) {
  case 2: return SD_DNSSEC_SECURE;
  case 1: return SD_DNSSEC_BOGUS;
  default: return SD_DNSSEC_INSECURE;
  }
}

static void fill_answer(sd_dns_answer *a, int err, const struct ub_result *res, uint32_t *ttl) {
  *ttl = 0;
  if (err != 0 || !res) {
    sd_dns_answer_set_error(a, err ? ub_strerror(err) : "no result");
    return;
  }
  if (res->rcode != 0 && res->rcode != 3) {
    /* libunbound could not get an answer: no server replied, every reply
     * was unusable (SERVFAIL, REFUSED, lame), or it ran out of resources. */
    sd_dns_answer_set_rcode_error(a, res->rcode);
    return;
  }
  int sec = res->secure ? 2 : res->bogus ? 1 : 0;
  sd_dns_answer_from_packet(a, res->answer_packet, res->answer_len > 0 ? (size_t)res->answer_len : 0,
                            map_security(sec), ttl);
  if (a->lookup != SD_LOOKUP_ERROR && a->dnssec == SD_DNSSEC_BOGUS)
    a->why_bogus = sd_strdup(res->why_bogus ? res->why_bogus : "validation failed");
}

static void on_ub_result(void *arg, int err, struct ub_result *res) {
  sd_dns_lookup *l = arg;
  sd_dns *dns = l->dns;
  sd_dns_cache_entry *e = l->entry;
  lookup_unlink(dns, l);
  if (!dns->closing) {
    uint32_t ttl = 0;
    fill_answer(&e->answer, err, res, &ttl);
    finish_entry(dns, e, ttl);
    start_queued(dns);
  }
  ub_resolve_free(res);
}

/* libunbound's thread has results: ub_process calls on_ub_result for each. */
static void on_results_readable(evutil_socket_t fd, short what, void *arg) {
  sd_dns *dns = arg;
  ub_process(dns->ub);
}

/* No answer in time: the waiters get an error now. The query is cancelled
 * in libunbound, which then never calls back, so its state goes too. */
static void on_lookup_timeout(evutil_socket_t fd, short what, void *arg) {
  sd_dns_lookup *l = arg;
  sd_dns *dns = l->dns;
  sd_dns_cache_entry *e = l->entry;
  ub_cancel(dns->ub, l->async_id);
  lookup_unlink(dns, l);
  sd_dns_answer_set_error(&e->answer, "no answer in time (timeout; is the resolver reachable?)");
  finish_entry(dns, e, 0);
  start_queued(dns);
}

static int start_lookup(sd_dns *dns, sd_dns_cache_entry *e) {
  sd_dns_lookup *l = calloc(1, sizeof(*l));
  if (!l) return -1;
  l->dns = dns;
  l->entry = e;
  l->timer = evtimer_new(dns->base, on_lookup_timeout, l);
  if (!l->timer || evtimer_add(l->timer, dns->timeout) != 0) {
    if (l->timer) event_free(l->timer);
    free(l);
    return -1;
  }
  l->next = dns->lookups;
  if (l->next) l->next->prev = l;
  dns->lookups = l;
  dns->in_flight++;
  e->lookup = l;
  if (dns->query_log) fprintf(dns->query_log, "%s %s\n", e->answer.qname, sd_rr_type_name(e->answer.qtype));
  dns->queries_sent++;
  dns->submitting = 1;
  int rc = ub_resolve_async(dns->ub, e->answer.qname, e->answer.qtype, 1 /* IN */, l, on_ub_result, &l->async_id);
  dns->submitting = 0;
  if (rc != 0) {
    lookup_unlink(dns, l);
    e->lookup = NULL;
    sd_dns_answer_set_error(&e->answer, ub_strerror(rc));
    return -1;
  }
  return 0;
}

/* An answer known without a lookup: its waiters get it at the next turn of
 * the loop (the caller may be inside sd_dns_query). */
static void finish_without_lookup(sd_dns *dns, sd_dns_cache_entry *e) {
  dns->submitting = 1;
  finish_entry(dns, e, 0);
  dns->submitting = 0;
}

/* A lookup that could not even start is answered with its error. */
static void send_or_fail(sd_dns *dns, sd_dns_cache_entry *e) {
  if (start_lookup(dns, e) != 0) finish_without_lookup(dns, e);
}

static void enqueue(sd_dns *dns, sd_dns_cache_entry *e) {
  e->queue_next = NULL;
  if (dns->queue_tail)
    dns->queue_tail->queue_next = e;
  else
    dns->queue_head = e;
  dns->queue_tail = e;
  dns->queued++;
}

static void start_queued(sd_dns *dns) {
  while (dns->queue_head && dns->in_flight < SD_UB_MAX_IN_FLIGHT && !dns->closing) {
    sd_dns_cache_entry *e = dns->queue_head;
    dns->queued--;
    dns->queue_head = e->queue_next;
    if (!dns->queue_head) dns->queue_tail = NULL;
    send_or_fail(dns, e);
  }
}

/* ---- queries --------------------------------------------------------------- */

/* An answer nobody needs any more that is past its time is asked again. */
static int expired(const sd_dns_cache_entry *e) {
  return !e->pending && e->holds == 0 && !e->waiters && e->expires_ms <= now_ms();
}

static void start_entry(sd_dns *dns, sd_dns_cache_entry *e) {
  e->pending = 1;
  if (strlen(e->answer.qname) > SD_DNS_NAME_MAX) {
    /* No such name can exist (RFC 1035 §2.3.4): answered at once, never sent.
     * Callers build names like _mta-sts.<d> or _25._tcp.<host> from input
     * near that limit; a failed lookup would make their outcome "unknown". */
    e->answer.lookup = SD_LOOKUP_NXDOMAIN;
    e->answer.dnssec = SD_DNSSEC_INDETERMINATE;
    e->answer.rcode = 3;
    finish_without_lookup(dns, e);
  } else if (dns->in_flight < SD_UB_MAX_IN_FLIGHT) {
    send_or_fail(dns, e);
  } else {
    enqueue(dns, e);
  }
}

int sd_dns_query(sd_dns *dns, const char *name, uint16_t type, sd_dns_cb cb, void *arg) {
  sd_dns_waiter *w = calloc(1, sizeof(*w));
  if (!w) return -1;
  w->cb = cb;
  w->arg = arg;
  int created = 0;
  sd_dns_cache_entry *e = sd_dns_cache_get(&dns->cache, name, type, &created);
  if (!e) {
    free(w);
    return -1;
  }
  e->owner = dns;
  if (!created && expired(e)) {
    sd_dns_cache_renew(&dns->cache, e);
    created = 1;
  }
  if (created || e->pending) { /* a new lookup, or join the one in flight */
    w->next = e->waiters;
    e->waiters = w;
    if (created) start_entry(dns, e);
    return 0;
  }
  dns->cache_hits++;
  w->entry = e;
  sd_dns_cache_hold(e);
  queue_ready(dns, w);
  return 0;
}

size_t sd_dns_queries_sent(const sd_dns *dns) { return dns->queries_sent; }
size_t sd_dns_lookups_pending(const sd_dns *dns) { return dns ? dns->in_flight + dns->queued : 0; }
size_t sd_dns_cache_hits(const sd_dns *dns) { return dns->cache_hits; }

void sd_dns_free(sd_dns *dns) {
  if (!dns) return;
  /* Deleting the context stops libunbound's thread and drops the queries
   * in flight without calling back: their state is freed here. */
  dns->closing = 1;
  if (dns->results_ev) event_free(dns->results_ev);
  if (dns->ub) ub_ctx_delete(dns->ub);
  while (dns->lookups) lookup_unlink(dns, dns->lookups);
  for (sd_dns_waiter *w = dns->ready_head, *next; w; w = next) { /* never delivered */
    next = w->next;
    sd_dns_cache_release(w->entry);
    free(w);
  }
  if (dns->ready_ev) event_free(dns->ready_ev);
  sd_dns_cache_destroy(&dns->cache);
  free(dns);
}
