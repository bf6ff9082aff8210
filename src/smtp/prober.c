/*
 * The prober: a cache of probe results keyed by (address, port, SNI), where
 * later requests join an in-flight probe; a global rate limit on new
 * connections; a cap on connections open at once (descriptors); a
 * per-address concurrency cap with a FIFO queue per address; and retries
 * with exponential backoff for transient failures only.
 *
 * Callbacks are queued and delivered by one libevent event, so they always
 * run from the loop and never from inside sd_probe_start.
 *
 * Both lookups a scan makes per request are indexed: entries by their key
 * in a hash table, and connections running per address in another, so the
 * cost of a request does not grow with the number of MX addresses seen.
 * Starting a queued probe does not walk the queue either: entries wait in
 * their address's queue, and the addresses that may start one (a queued
 * entry, running below the cap) wait in one list, served round robin. A
 * provider whose thousands of customers each have their own MX name on a
 * few addresses queues thousands of probes there; one global queue had to
 * be walked past all of them at every start.
 *
 * Memory is bounded, whatever the number of distinct MX addresses: finished
 * results are kept for later requests within a byte budget (cache_bytes),
 * least recently used first out; an address counter lives only while an
 * unfinished entry needs it. A request for an evicted result probes again:
 * the addresses many domains share are asked for often and stay, the long
 * tail of one-domain MX hosts goes (docs/scan.md, "Memory").
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
#include "util/list.h"
#include "util/table.h"
#include "util/str.h"

#define MAX_BACKOFF_MS 30000
#define DEFAULT_BACKOFF_MS 1000
#define DEFAULT_MAX_CONNECTIONS 256
/* After running out of descriptors: wait this long before trying again. */
#define NO_DESCRIPTOR_WAIT_MS 100

typedef enum entry_state { E_QUEUED, E_RUNNING, E_BACKOFF, E_DONE } entry_state;

typedef struct waiter {
  sd_probe_cb cb;
  void *arg;
  struct entry *entry;
  struct waiter *next;
} waiter;

/* Connections running to one address (the per-address cap) and the
 * entries waiting for it, kept while an unfinished entry for the address
 * exists. */
typedef struct address {
  sd_table_link link;       /* in by_ip */
  char *ip;
  int running;
  int users;                /* unfinished entries for this address */
  struct entry *queue_head, *queue_tail; /* queued entries, oldest first */
  sd_list_link on_startable; /* in startable while startable is set */
  int startable;
} address;

typedef struct entry {
  sd_table_link link;       /* in by_key while it answers later requests */
  int indexed;
  sd_prober *prober;
  sd_probe_result res;
  entry_state state;
  waiter *waiters;          /* joined requests, delivered on completion */
  int deliveries;           /* answers queued for delivery that still read res */
  sd_conn *conn;            /* while E_RUNNING */
  struct event *backoff;    /* while E_BACKOFF */
  double first_start;       /* monotonic seconds; <0 before the first attempt */
  size_t bytes;             /* on the cached list: what it holds, counted against cache_bytes; else 0 */
  struct entry *next_queued;
  sd_list_link on_list;     /* on exactly one list: busy, cached or retired */
  address *address;         /* while unfinished */
} entry;

struct sd_prober {
  struct event_base *base;
  sd_probe_options opt;
  char *ehlo_name;
  SSL_CTX *ctx;
  sd_table by_key;          /* answering entries by (address, port, SNI) */
  sd_table by_ip;           /* address counters by address */
  sd_list busy;             /* queued, running or waiting to retry */
  sd_list cached;           /* finished and answering later requests, least recently used first */
  sd_list retired;          /* finished, no longer answering, freed after their last delivery */
  size_t cached_bytes;
  sd_list startable;        /* addresses with a queued entry and running below the cap */
  size_t queued;            /* entries waiting on the addresses' queues */
  waiter *ready_head, *ready_tail;
  struct event *deliver_ev;
  struct event *rate_timer;
  double tokens;            /* token bucket of capacity one */
  double tokens_at;
  size_t connections;       /* opened so far */
  size_t requests, answered_cached, joined; /* sd_probe_start calls; answered by a finished or an unfinished entry */
  int open;                 /* open now */
  int max_open;             /* connection slots: opt.max_connections, lowered when descriptors ran out */
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
  if (o->per_address_limit <= 0) o->per_address_limit = SD_PROBE_DEFAULT_PER_ADDRESS;
  if (o->retries < 0) o->retries = 0;
  if (o->retry_backoff_ms <= 0) o->retry_backoff_ms = DEFAULT_BACKOFF_MS;
  if (o->cache_bytes == 0) o->cache_bytes = SD_PROBE_DEFAULT_CACHE_BYTES;
  if (o->max_connections <= 0) o->max_connections = DEFAULT_MAX_CONNECTIONS;
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

/* ---- the index: entries by key, address counters by address ------------ */

typedef struct entry_key {
  const char *ip;
  uint16_t port;
  const char *sni; /* "" for none */
} entry_key;

static uint64_t key_hash(const char *ip, uint16_t port, const char *sni) {
  uint64_t h = sd_fnv1a64(ip, strlen(ip) + 1); /* with the NUL: "1.2.3.4" + "5" differs from "1.2.3.45" */
  h = sd_fnv1a64_add(h, &port, sizeof(port));
  return sd_fnv1a64_add(h, sni, strlen(sni));
}

static int entry_matches(const sd_table_link *l, const void *key) {
  const entry *e = SD_TABLE_ITEM(l, entry, link);
  const entry_key *k = key;
  return e->res.port == k->port && strcmp(e->res.ip, k->ip) == 0 && strcmp(e->res.sni ? e->res.sni : "", k->sni) == 0;
}

static entry *find_entry(sd_prober *p, const char *ip, uint16_t port, const char *sni) {
  entry_key k = {ip, port, sni};
  sd_table_link *l = sd_table_find(&p->by_key, key_hash(ip, port, sni), entry_matches, &k);
  return l ? SD_TABLE_ITEM(l, entry, link) : NULL;
}

static int address_matches(const sd_table_link *l, const void *ip) {
  return strcmp(SD_TABLE_ITEM(l, address, link)->ip, ip) == 0;
}

/* The counter of running connections to ip, made on first use; one more user. */
static address *address_take(sd_prober *p, const char *ip) {
  uint64_t h = sd_fnv1a64(ip, strlen(ip));
  sd_table_link *l = sd_table_find(&p->by_ip, h, address_matches, ip);
  address *a = l ? SD_TABLE_ITEM(l, address, link) : NULL;
  if (!a) {
    a = calloc(1, sizeof(*a));
    if (!a || !(a->ip = sd_strdup(ip)) || sd_table_add(&p->by_ip, &a->link, h) != 0) {
      if (a) free(a->ip);
      free(a);
      return NULL;
    }
  }
  a->users++;
  return a;
}

static void address_release(sd_prober *p, entry *e) {
  address *a = e->address;
  e->address = NULL;
  if (!a || --a->users > 0) return;
  sd_table_remove(&p->by_ip, &a->link);
  free(a->ip);
  free(a);
}

/* ---- finished entries: kept within the byte budget, then freed ---------- */

static void free_waiters(waiter *w) {
  while (w) {
    waiter *next = w->next;
    free(w);
    w = next;
  }
}

static void free_entry(entry *e) {
  sd_conn_free(e->conn);
  if (e->backoff) event_free(e->backoff);
  free_waiters(e->waiters);
  sd_probe_result_clear_attempt(&e->res);
  free(e->res.transient_error);
  free(e->res.ip);
  free(e->res.sni);
  free(e);
}

static size_t text_bytes(const char *s) { return s ? strlen(s) + 1 : 0; }

/* What a finished entry holds: the entry, its texts and its chain. */
static size_t result_bytes(const sd_probe_result *r) {
  size_t n = sizeof(entry) + text_bytes(r->detail) + text_bytes(r->ip) + text_bytes(r->sni) +
             text_bytes(r->banner) + text_bytes(r->ehlo) + text_bytes(r->tls_version) + text_bytes(r->tls_cipher) +
             text_bytes(r->transient_error);
  for (size_t i = 0; i < r->chain.count; i++) n += sizeof(sd_cert_der) + r->chain.certs[i].len;
  return n;
}

/* No longer answers later requests: out of the index, freed once the
 * answers already queued for delivery have been read. */
static void retire(sd_prober *p, entry *e) {
  if (e->indexed) sd_table_remove(&p->by_key, &e->link);
  e->indexed = 0;
  if (e->bytes) { /* on the cached list */
    sd_list_unlink(&p->cached, &e->on_list);
    p->cached_bytes -= e->bytes;
    e->bytes = 0;
  }
  if (e->deliveries > 0)
    sd_list_append(&p->retired, &e->on_list);
  else
    free_entry(e);
}

/* Least recently used first, until the finished results fit the budget. */
static void trim(sd_prober *p) {
  while (p->cached_bytes > p->opt.cache_bytes && p->cached.head)
    retire(p, SD_LIST_ITEM(p->cached.head, entry, on_list));
}

/* A request answered from a cached entry: it becomes the most recent. */
static void touch(sd_prober *p, entry *e) {
  if (!e->bytes) return;
  sd_list_unlink(&p->cached, &e->on_list);
  sd_list_append(&p->cached, &e->on_list);
}

/* ---- delivery ---------------------------------------------------------- */

static void really_free(sd_prober *p);

static void delivered(sd_prober *p, entry *e) {
  if (--e->deliveries == 0 && !e->indexed && e->state == E_DONE) {
    sd_list_unlink(&p->retired, &e->on_list);
    free_entry(e);
  }
}

static void deliver_cb(evutil_socket_t fd, short what, void *arg) {
  sd_prober *p = arg;
  p->delivering = 1;
  while (p->ready_head && !p->free_requested) {
    waiter *w = p->ready_head;
    p->ready_head = w->next;
    if (!p->ready_head) p->ready_tail = NULL;
    w->cb(&w->entry->res, w->arg); /* may call sd_probe_start or sd_prober_free */
    if (!p->free_requested) delivered(p, w->entry);
    free(w);
  }
  p->delivering = 0;
  if (p->free_requested) really_free(p);
}

static void make_ready(sd_prober *p, waiter *w) {
  w->next = NULL;
  w->entry->deliveries++;
  if (p->ready_tail)
    p->ready_tail->next = w;
  else
    p->ready_head = w;
  p->ready_tail = w;
  event_active(p->deliver_ev, 0, 0);
}

/* ---- scheduling -------------------------------------------------------- */

static void pump(sd_prober *p);

/* On the startable list exactly while the address has a queued entry and
 * a free slot; called after every change to either. */
static void update_startable(sd_prober *p, address *a) {
  int can = a->queue_head && a->running < p->opt.per_address_limit;
  if (can && !a->startable)
    sd_list_append(&p->startable, &a->on_startable);
  else if (!can && a->startable)
    sd_list_unlink(&p->startable, &a->on_startable);
  a->startable = can;
}

static void enqueue(sd_prober *p, entry *e) {
  address *a = e->address;
  e->state = E_QUEUED;
  e->next_queued = NULL;
  if (a->queue_tail)
    a->queue_tail->next_queued = e;
  else
    a->queue_head = e;
  a->queue_tail = e;
  p->queued++;
  update_startable(p, a);
}

static entry *dequeue(sd_prober *p, address *a) {
  entry *e = a->queue_head;
  a->queue_head = e->next_queued;
  if (!a->queue_head) a->queue_tail = NULL;
  e->next_queued = NULL;
  p->queued--;
  update_startable(p, a);
  return e;
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

/* socket() failed for want of a descriptor (ours or the system's): that
 * says nothing about the server. Words as the connection writes them
 * (strerror in lower case). */
static int out_of_descriptors(const sd_probe_result *r) {
  return r->status == SD_PROBE_CONNECT_FAILED && r->detail &&
         (strstr(r->detail, "too many open files") || strstr(r->detail, "file table overflow"));
}

/* A finished soft failure is not an answer for later requests: they probe
 * again (a new entry; this one still answers its own waiters). A timeout
 * stays cached: probing a silent host again would cost every domain the
 * full timeout, and it is reported unknown anyway. */
static void complete(entry *e) {
  sd_prober *p = e->prober;
  e->state = E_DONE;
  e->res.elapsed_ms = (now_seconds() - e->first_start) * 1000.0;
  address_release(p, e);
  sd_list_unlink(&p->busy, &e->on_list);
  waiter *w = e->waiters;
  e->waiters = NULL;
  while (w) {
    waiter *next = w->next;
    make_ready(p, w);
    w = next;
  }
  if (e->indexed && !is_soft_failure(&e->res)) {
    e->bytes = result_bytes(&e->res);
    p->cached_bytes += e->bytes;
    sd_list_append(&p->cached, &e->on_list);
    trim(p);
  } else {
    retire(p, e);
  }
}

static void on_backoff_done(evutil_socket_t fd, short what, void *arg) {
  entry *e = arg;
  enqueue(e->prober, e);
  pump(e->prober);
}

static int wait_then_requeue(sd_prober *p, entry *e, long ms) {
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  if (!e->backoff) e->backoff = evtimer_new(p->base, on_backoff_done, e);
  if (!e->backoff || evtimer_add(e->backoff, &tv) != 0) return -1;
  e->state = E_BACKOFF;
  return 0;
}

static void conn_done(sd_conn *conn, void *arg) {
  entry *e = arg;
  sd_prober *p = e->prober;
  sd_conn_free(conn);
  e->conn = NULL;
  p->open--;
  if (e->address) {
    e->address->running--;
    update_startable(p, e->address);
  }
  if (out_of_descriptors(&e->res)) {
    /* Not an attempt: wait for a descriptor with fewer slots in use. */
    e->res.attempts--;
    p->max_open = p->open > 1 ? p->open : 1;
    if (wait_then_requeue(p, e, NO_DESCRIPTOR_WAIT_MS) == 0) return;
  } else if (is_transient(&e->res) && e->res.attempts <= retries_for(p, &e->res)) {
    /* Kept across attempts: the row says what was retried. */
    free(e->res.transient_error);
    e->res.transient_error = sd_strdup(e->res.detail ? e->res.detail : sd_probe_status_name(e->res.status));
    long ms = (long)p->opt.retry_backoff_ms << (e->res.attempts - 1 < 16 ? e->res.attempts - 1 : 16);
    if (ms > MAX_BACKOFF_MS) ms = MAX_BACKOFF_MS;
    if (wait_then_requeue(p, e, ms) == 0) {
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
  p->open++;
  e->address->running++;
  update_startable(p, e->address);
  e->conn = sd_conn_start(p->base, p->ctx, &p->opt, e->res.ip, e->res.port, e->res.sni, &e->res,
                          conn_done, e);
  if (!e->conn) {
    p->open--;
    e->address->running--;
    update_startable(p, e->address);
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

/* Starts queued entries while a connection slot is free: the oldest entry
 * of the address that has waited longest for a start, which then goes
 * behind the other startable addresses (round robin), so one address with
 * a long queue does not hold back the rest. */
static void pump(sd_prober *p) {
  while (p->open < p->max_open && p->startable.head) {
    if (!take_token(p)) return;
    address *a = SD_LIST_ITEM(p->startable.head, address, on_startable);
    sd_list_unlink(&p->startable, &a->on_startable);
    a->startable = 0;
    launch(p, dequeue(p, a)); /* puts a back at the tail while it can start more */
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
  p->max_open = p->opt.max_connections;
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
  if (!e->res.ip || (sni[0] && !e->res.sni) || !(e->address = address_take(p, ip))) {
    free_entry(e);
    return NULL;
  }
  if (sd_table_add(&p->by_key, &e->link, key_hash(ip, port, sni)) != 0) {
    address_release(p, e);
    free_entry(e);
    return NULL;
  }
  e->indexed = 1;
  sd_list_append(&p->busy, &e->on_list);
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
  p->requests++;
  if (!fresh && e->state == E_DONE)
    p->answered_cached++;
  else if (!fresh)
    p->joined++;
  if (e->state == E_DONE) {
    touch(p, e);
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

size_t sd_prober_queued(const sd_prober *p) { return p ? p->queued : 0; }

void sd_prober_stats(const sd_prober *p, sd_prober_stat *out) {
  memset(out, 0, sizeof(*out));
  if (!p) return;
  out->connections = p->connections;
  out->cache_budget = p->opt.cache_bytes;
  out->requests = p->requests;
  out->answered_cached = p->answered_cached;
  out->joined = p->joined;
  out->open = (size_t)p->open;
  out->max_open = (size_t)p->max_open;
  out->unfinished = p->busy.count;
  out->queued = p->queued;
  out->cached = p->cached.count;
  out->cached_bytes = p->cached_bytes;
  out->retired = p->retired.count;
  out->indexed = p->by_key.count;
  out->addresses = p->by_ip.count;
}

static void free_list(sd_list *l) {
  for (sd_list_link *link = l->head, *next; link; link = next) {
    next = link->next;
    free_entry(SD_LIST_ITEM(link, entry, on_list));
  }
  memset(l, 0, sizeof(*l));
}

static void free_address(sd_table_link *l, void *arg) {
  address *a = SD_TABLE_ITEM(l, address, link);
  free(a->ip);
  free(a);
}

static void really_free(sd_prober *p) {
  free_list(&p->busy);
  free_list(&p->cached);
  free_list(&p->retired);
  sd_table_each(&p->by_ip, free_address, NULL);
  sd_table_free(&p->by_ip);
  sd_table_free(&p->by_key);
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
