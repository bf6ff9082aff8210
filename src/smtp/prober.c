/*
 * The prober: a cache of probe results keyed by (address, port, SNI), where
 * later requests join an in-flight probe; a global rate limit on new
 * connections; a per-address concurrency cap with a FIFO queue; and retries
 * with exponential backoff for transient failures only.
 *
 * Callbacks are queued and delivered by one libevent event, so they always
 * run from the loop and never from inside sd_probe_start.
 *
 * Both lookups a scan makes per request are indexed: entries by their key
 * in a hash table, and connections running per address in another, so the
 * cost of a request does not grow with the number of MX addresses seen.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp/conn.h"
#include "smtp/ehlo_name.h"
#include "smtp/prober.h"
#include "util/hash.h"
#include "util/str.h"

#define MAX_BACKOFF_MS 30000
#define DEFAULT_BACKOFF_MS 1000

typedef enum entry_state { E_QUEUED, E_RUNNING, E_BACKOFF, E_DONE } entry_state;

typedef struct waiter {
  sd_probe_cb cb;
  void *arg;
  struct entry *entry;
  struct waiter *next;
} waiter;

typedef struct entry {
  sd_prober *prober;
  sd_probe_result res;
  entry_state state;
  waiter *waiters;          /* joined requests, delivered on completion */
  sd_conn *conn;            /* while E_RUNNING */
  struct event *backoff;    /* while E_BACKOFF */
  double first_start;       /* monotonic seconds; <0 before the first attempt */
  struct entry *next;       /* all entries */
  struct entry *next_queued;
  struct entry *next_in_bucket;
  struct address *address;  /* its running-connection counter */
} entry;

/* Connections running to one address (the per-address cap). */
typedef struct address {
  char *ip;
  int running;
  struct address *next_in_bucket;
} address;

/* A chained hash table that doubles when it holds as many items as buckets. */
typedef struct table {
  void **buckets;
  size_t size, count;
} table;

struct sd_prober {
  struct event_base *base;
  sd_probe_options opt;
  char *ehlo_name;
  SSL_CTX *ctx;
  entry *entries;
  table by_key;             /* entries by (address, port, SNI) */
  table by_ip;              /* address counters by address */
  entry *queue_head, *queue_tail;
  waiter *ready_head, *ready_tail;
  struct event *deliver_ev;
  struct event *rate_timer;
  double tokens;            /* token bucket of capacity one */
  double tokens_at;
  size_t connections;
  int delivering;
  int free_requested;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- options ----------------------------------------------------------- */

/* An EHLO argument goes on the wire verbatim: refuse anything that could
 * smuggle a second command (CR/LF) or break the syntax. */
static int ehlo_name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 255) return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
  return 1;
}

static void apply_defaults(sd_probe_options *o) {
  if (o->connect_timeout_ms <= 0) o->connect_timeout_ms = 10000;
  if (o->command_timeout_ms <= 0) o->command_timeout_ms = 30000;
  if (o->tls_timeout_ms <= 0) o->tls_timeout_ms = 30000;
  if (o->total_timeout_ms <= 0) o->total_timeout_ms = 60000;
  if (o->max_reply_bytes == 0) o->max_reply_bytes = 64 * 1024;
  if (o->max_line_bytes == 0) o->max_line_bytes = 4096;
  if (o->rate < 0) o->rate = 0;
  if (o->per_address_limit <= 0) o->per_address_limit = 2;
  if (o->retries < 0) o->retries = 0;
  if (o->retry_backoff_ms <= 0) o->retry_backoff_ms = DEFAULT_BACKOFF_MS;
}

/* We observe, we do not judge: accept TLS 1.0+ and legacy servers so the
 * negotiated version and the served chain can be reported; verification is
 * done later on the recorded chain, hence SSL_VERIFY_NONE. Anonymous suites
 * are excluded so that a certificate is always served. */
static SSL_CTX *make_ctx(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return NULL;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:!eNULL:@SECLEVEL=0");
  SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
  return ctx;
}

/* ---- delivery ---------------------------------------------------------- */

static void really_free(sd_prober *p);

static void deliver_cb(evutil_socket_t fd, short what, void *arg) {
  sd_prober *p = arg;
  p->delivering = 1;
  while (p->ready_head && !p->free_requested) {
    waiter *w = p->ready_head;
    p->ready_head = w->next;
    if (!p->ready_head) p->ready_tail = NULL;
    w->cb(&w->entry->res, w->arg); /* may call sd_probe_start or sd_prober_free */
    free(w);
  }
  p->delivering = 0;
  if (p->free_requested) really_free(p);
}

static void make_ready(sd_prober *p, waiter *w) {
  w->next = NULL;
  if (p->ready_tail)
    p->ready_tail->next = w;
  else
    p->ready_head = w;
  p->ready_tail = w;
  event_active(p->deliver_ev, 0, 0);
}

static void complete(entry *e) {
  e->state = E_DONE;
  e->res.elapsed_ms = (now_seconds() - e->first_start) * 1000.0;
  waiter *w = e->waiters;
  e->waiters = NULL;
  while (w) {
    waiter *next = w->next;
    make_ready(e->prober, w);
    w = next;
  }
}

/* ---- scheduling -------------------------------------------------------- */

static void pump(sd_prober *p);

static int running_for(const entry *e) { return e->address ? e->address->running : 0; }

static void enqueue(sd_prober *p, entry *e) {
  e->state = E_QUEUED;
  e->next_queued = NULL;
  if (p->queue_tail)
    p->queue_tail->next_queued = e;
  else
    p->queue_head = e;
  p->queue_tail = e;
}

/* The server said "not now", not "no": a 4xx reply to EHLO/HELO or
 * STARTTLS, a connection reset, a TLS handshake that was aborted. */
static int aborted(const char *detail) {
  return detail && (strstr(detail, "reset") || strstr(detail, "unexpected eof") || strstr(detail, "closed"));
}

static int is_soft_failure(const sd_probe_result *r) {
  int reply_4xx = r->reply_code >= 400 && r->reply_code < 500;
  switch (r->status) {
  case SD_PROBE_STARTTLS_REJECTED: return reply_4xx;
  case SD_PROBE_PROTOCOL_ERROR: return reply_4xx || aborted(r->detail);
  case SD_PROBE_TLS_FAILED: /* the peer went away mid-handshake; a bad handshake is an answer */
  case SD_PROBE_CONNECT_FAILED: return aborted(r->detail);
  default: return 0;
  }
}

static int is_transient(const sd_probe_result *r) {
  return r->status == SD_PROBE_TIMEOUT ||
         (r->status == SD_PROBE_BANNER_REJECT && r->banner_code >= 400 && r->banner_code < 500) ||
         is_soft_failure(r);
}

static int retries_for(const sd_prober *p, const sd_probe_result *r) {
  return is_soft_failure(r) && p->opt.retries < SD_PROBE_SOFT_RETRIES ? SD_PROBE_SOFT_RETRIES : p->opt.retries;
}

static void on_backoff_done(evutil_socket_t fd, short what, void *arg) {
  entry *e = arg;
  enqueue(e->prober, e);
  pump(e->prober);
}

static void conn_done(sd_conn *conn, void *arg) {
  entry *e = arg;
  sd_prober *p = e->prober;
  sd_conn_free(conn);
  e->conn = NULL;
  if (e->address) e->address->running--;
  if (is_transient(&e->res) && e->res.attempts <= retries_for(p, &e->res)) {
    /* Kept across attempts: the row says what was retried. */
    free(e->res.transient_error);
    e->res.transient_error = sd_strdup(e->res.detail ? e->res.detail : sd_probe_status_name(e->res.status));
    long ms = (long)p->opt.retry_backoff_ms << (e->res.attempts - 1 < 16 ? e->res.attempts - 1 : 16);
    if (ms > MAX_BACKOFF_MS) ms = MAX_BACKOFF_MS;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (!e->backoff) e->backoff = evtimer_new(p->base, on_backoff_done, e);
    if (e->backoff && evtimer_add(e->backoff, &tv) == 0) {
      e->state = E_BACKOFF;
      pump(p);
      return;
    }
  }
  complete(e);
  pump(p);
}

static void launch(sd_prober *p, entry *e) {
  if (e->first_start < 0) e->first_start = now_seconds();
  e->res.attempts++;
  sd_probe_result_clear_attempt(&e->res);
  e->state = E_RUNNING;
  p->connections++;
  if (e->address) e->address->running++;
  e->conn = sd_conn_start(p->base, p->ctx, &p->opt, e->res.ip, e->res.port, e->res.sni, &e->res,
                          conn_done, e);
  if (!e->conn) {
    if (e->address) e->address->running--;
    e->res.status = SD_PROBE_CONNECT_FAILED;
    e->res.failed_step = "connect";
    e->res.detail = sd_strdup("out of memory starting the connection");
    complete(e);
  }
}

/* Capacity one: connections are spaced 1/rate apart, never bursty. */
static int take_token(sd_prober *p) {
  if (p->opt.rate <= 0) return 1;
  double now = now_seconds();
  p->tokens += (now - p->tokens_at) * p->opt.rate;
  if (p->tokens > 1.0) p->tokens = 1.0;
  p->tokens_at = now;
  if (p->tokens >= 1.0) {
    p->tokens -= 1.0;
    return 1;
  }
  double wait_s = (1.0 - p->tokens) / p->opt.rate;
  long us = (long)(wait_s * 1e6) + 1;
  struct timeval tv = {us / 1000000, us % 1000000};
  evtimer_add(p->rate_timer, &tv);
  return 0;
}

static void pump(sd_prober *p) {
  entry *prev = NULL;
  entry *e = p->queue_head;
  while (e) {
    entry *next = e->next_queued;
    if (running_for(e) >= p->opt.per_address_limit) {
      prev = e;
      e = next;
      continue;
    }
    if (!take_token(p)) return;
    if (prev)
      prev->next_queued = next;
    else
      p->queue_head = next;
    if (p->queue_tail == e) p->queue_tail = prev;
    e->next_queued = NULL;
    launch(p, e);
    e = next;
  }
}

static void on_rate_timer(evutil_socket_t fd, short what, void *arg) { pump(arg); }

/* ---- public API -------------------------------------------------------- */

sd_prober *sd_prober_new(struct event_base *base, const sd_probe_options *options) {
  if (!base) return NULL;
  sd_prober *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->base = base;
  if (options) p->opt = *options;
  apply_defaults(&p->opt);
  char fqdn[256];
  const char *name = p->opt.ehlo_name ? p->opt.ehlo_name : sd_ehlo_default_name(fqdn, sizeof(fqdn));
  if (!ehlo_name_ok(name)) {
    free(p);
    return NULL;
  }
  p->ehlo_name = sd_strdup(name);
  p->opt.ehlo_name = p->ehlo_name;
  p->ctx = make_ctx();
  p->deliver_ev = event_new(base, -1, 0, deliver_cb, p);
  p->rate_timer = evtimer_new(base, on_rate_timer, p);
  p->tokens = 1.0;
  p->tokens_at = now_seconds();
  if (!p->ehlo_name || !p->ctx || !p->deliver_ev || !p->rate_timer) {
    really_free(p);
    return NULL;
  }
  return p;
}

/* A finished soft failure is not an answer for later requests: they probe
 * again (a new entry; the old one still answers its own waiters). A
 * timeout stays cached: probing a silent host again would cost every
 * domain the full timeout, and it is reported unknown anyway. */
static uint64_t key_hash(const char *ip, uint16_t port, const char *sni) {
  uint64_t h = sd_fnv1a64(ip, strlen(ip) + 1); /* with the NUL: "1.2.3.4" + "5" differs from "1.2.3.45" */
  h = sd_fnv1a64_add(h, &port, sizeof(port));
  return sd_fnv1a64_add(h, sni, strlen(sni));
}

static void **bucket(const table *t, uint64_t h) { return &t->buckets[h & (t->size - 1)]; }

static entry *find_entry(sd_prober *p, const char *ip, uint16_t port, const char *sni) {
  if (!p->by_key.size) return NULL;
  for (entry *e = *bucket(&p->by_key, key_hash(ip, port, sni)); e; e = e->next_in_bucket)
    if (!(e->state == E_DONE && is_soft_failure(&e->res)) && e->res.port == port && strcmp(e->res.ip, ip) == 0 &&
        strcmp(e->res.sni ? e->res.sni : "", sni) == 0)
      return e;
  return NULL;
}

/* Doubles t when full; rehash(item) gives an item's hash, next its chain link. */
static int table_make_room(table *t, uint64_t (*rehash)(const void *), void **(*next)(void *)) {
  if (t->size && t->count < t->size) return 0;
  size_t size = t->size ? t->size * 2 : 256;
  void **buckets = calloc(size, sizeof(*buckets));
  if (!buckets) return t->size ? 0 : -1; /* a full table still works, only slower */
  for (size_t i = 0; i < t->size; i++) {
    for (void *item = t->buckets[i], *following; item; item = following) {
      following = *next(item);
      void **slot = &buckets[rehash(item) & (size - 1)];
      *next(item) = *slot;
      *slot = item;
    }
  }
  free(t->buckets);
  t->buckets = buckets;
  t->size = size;
  return 0;
}

static uint64_t entry_hash(const void *item) {
  const entry *e = item;
  return key_hash(e->res.ip, e->res.port, e->res.sni ? e->res.sni : "");
}
static void **entry_next(void *item) { return (void **)&((entry *)item)->next_in_bucket; }
static uint64_t address_hash(const void *item) {
  const address *a = item;
  return sd_fnv1a64(a->ip, strlen(a->ip));
}
static void **address_next(void *item) { return (void **)&((address *)item)->next_in_bucket; }

/* The counter of running connections to ip, made on first use. */
static address *address_for(sd_prober *p, const char *ip) {
  uint64_t h = sd_fnv1a64(ip, strlen(ip));
  for (address *a = p->by_ip.size ? *bucket(&p->by_ip, h) : NULL; a; a = a->next_in_bucket)
    if (strcmp(a->ip, ip) == 0) return a;
  if (table_make_room(&p->by_ip, address_hash, address_next) != 0) return NULL;
  address *a = calloc(1, sizeof(*a));
  if (!a || !(a->ip = sd_strdup(ip))) {
    free(a);
    return NULL;
  }
  void **slot = bucket(&p->by_ip, h);
  a->next_in_bucket = *slot;
  *slot = a;
  p->by_ip.count++;
  return a;
}

static int index_entry(sd_prober *p, entry *e) {
  if (table_make_room(&p->by_key, entry_hash, entry_next) != 0 || !(e->address = address_for(p, e->res.ip)))
    return -1;
  void **slot = bucket(&p->by_key, entry_hash(e));
  e->next_in_bucket = *slot;
  *slot = e;
  p->by_key.count++;
  return 0;
}

/* Canonical text form, so "2001:DB8::1" and "2001:db8:0::1" share a key. */
static int canonical_ip(const char *ip, char *out, size_t cap) {
  unsigned char addr[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, ip, addr) == 1) return inet_ntop(AF_INET, addr, out, (socklen_t)cap) ? 0 : -1;
  if (inet_pton(AF_INET6, ip, addr) == 1) return inet_ntop(AF_INET6, addr, out, (socklen_t)cap) ? 0 : -1;
  return -1;
}

static entry *new_entry(sd_prober *p, const char *ip, uint16_t port, const char *sni) {
  entry *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->prober = p;
  e->first_start = -1;
  e->res.ip = sd_strdup(ip);
  e->res.sni = sni[0] ? sd_strdup(sni) : NULL; /* NULL: no SNI requested */
  e->res.port = port;
  e->res.starttls_offered = -1;
  if (!e->res.ip || (sni[0] && !e->res.sni) || index_entry(p, e) != 0) {
    free(e->res.ip);
    free(e->res.sni);
    free(e);
    return NULL;
  }
  e->next = p->entries;
  p->entries = e;
  enqueue(p, e);
  return e;
}

int sd_probe_start(sd_prober *p, const char *ip, uint16_t port, const char *sni, sd_probe_cb cb,
                   void *arg) {
  char canon[INET6_ADDRSTRLEN];
  if (!p || p->free_requested || !ip || !cb || canonical_ip(ip, canon, sizeof canon) < 0) return -1;
  if (!sni) sni = "";
  waiter *w = calloc(1, sizeof *w);
  if (!w) return -1;
  entry *e = find_entry(p, canon, port, sni);
  int fresh = !e;
  if (fresh && !(e = new_entry(p, canon, port, sni))) {
    free(w);
    return -1;
  }
  w->cb = cb;
  w->arg = arg;
  w->entry = e;
  if (e->state == E_DONE) {
    make_ready(p, w);
  } else {
    waiter **tail = &e->waiters; /* joined requests are answered in order */
    while (*tail) tail = &(*tail)->next;
    *tail = w;
  }
  if (fresh) pump(p);
  return 0;
}

size_t sd_prober_connections(const sd_prober *p) { return p ? p->connections : 0; }

static void free_waiters(waiter *w) {
  while (w) {
    waiter *next = w->next;
    free(w);
    w = next;
  }
}

static void really_free(sd_prober *p) {
  entry *e = p->entries;
  while (e) {
    entry *next = e->next;
    sd_conn_free(e->conn);
    if (e->backoff) event_free(e->backoff);
    free_waiters(e->waiters);
    sd_probe_result_clear_attempt(&e->res);
    free(e->res.transient_error);
    free(e->res.ip);
    free(e->res.sni);
    free(e);
    e = next;
  }
  for (size_t i = 0; i < p->by_ip.size; i++) {
    for (address *a = p->by_ip.buckets[i], *next; a; a = next) {
      next = a->next_in_bucket;
      free(a->ip);
      free(a);
    }
  }
  free(p->by_ip.buckets);
  free(p->by_key.buckets);
  free_waiters(p->ready_head);
  if (p->deliver_ev) event_free(p->deliver_ev);
  if (p->rate_timer) event_free(p->rate_timer);
  SSL_CTX_free(p->ctx);
  free(p->ehlo_name);
  free(p);
}

void sd_prober_free(sd_prober *p) {
  if (!p) return;
  if (p->delivering) {
    /* Called from one of our callbacks: stop delivering, free on return. */
    p->free_requested = 1;
    return;
  }
  really_free(p);
}
