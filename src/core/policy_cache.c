#include "core/policy_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#define BUCKETS 8192 /* power of two */

typedef struct waiter {
  sd_fetch_cb cb;
  void *arg;
  struct waiter *next;
} waiter;

typedef struct entry {
  char *domain;
  int done;
  sd_fetch_result result;  /* once done */
  waiter *waiters;         /* while in flight, in arrival order */
  waiter **waiters_tail;
  struct entry *next;      /* bucket chain */
  sd_policy_cache *cache;
} entry;

struct sd_policy_cache {
  sd_fetcher *fetcher;
  entry *buckets[BUCKETS];
  entry *finished[SD_POLICY_CACHE_MAX]; /* ring of done entries, oldest at head */
  size_t head, count;
  size_t fetches, hits;
};

static size_t bucket_of(const char *s) {
  uint64_t h = UINT64_C(14695981039346656037);
  for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
  return (size_t)(h & (BUCKETS - 1));
}

static entry **slot_of(sd_policy_cache *c, const char *domain) {
  entry **p = &c->buckets[bucket_of(domain)];
  while (*p && strcmp((*p)->domain, domain) != 0) p = &(*p)->next;
  return p;
}

static void entry_free(entry *e) {
  if (e->done) sd_fetch_result_free(&e->result);
  for (waiter *w = e->waiters, *n; w; w = n) {
    n = w->next;
    free(w);
  }
  free(e->domain);
  free(e);
}

static void unlink_entry(sd_policy_cache *c, entry *e) {
  entry **p = slot_of(c, e->domain);
  if (*p == e) *p = e->next;
}

/* Keeps the answer; the oldest finished one goes when the ring is full. */
static void remember(sd_policy_cache *c, entry *e) {
  if (c->count == SD_POLICY_CACHE_MAX) {
    entry *old = c->finished[c->head];
    c->head = (c->head + 1) % SD_POLICY_CACHE_MAX;
    c->count--;
    unlink_entry(c, old);
    entry_free(old);
  }
  c->finished[(c->head + c->count) % SD_POLICY_CACHE_MAX] = e;
  c->count++;
}

static void on_fetched(const sd_fetch_result *res, void *arg) {
  entry *e = arg;
  sd_policy_cache *c = e->cache;
  sd_fetch_result_copy(&e->result, res);
  e->done = 1;
  waiter *list = e->waiters;
  e->waiters = NULL;
  e->waiters_tail = &e->waiters;
  remember(c, e); /* before the callbacks: a callback may ask for it again */
  for (waiter *w = list, *n; w; w = n) {
    n = w->next;
    w->cb(&e->result, w->arg);
    free(w);
  }
}

static int add_waiter(entry *e, sd_fetch_cb cb, void *arg) {
  waiter *w = calloc(1, sizeof(*w));
  if (!w) return -1;
  *w = (waiter){cb, arg, NULL};
  *e->waiters_tail = w;
  e->waiters_tail = &w->next;
  return 0;
}

int sd_policy_cache_fetch(sd_policy_cache *c, const char *domain, const char *const *addrs, size_t count,
                          sd_fetch_cb cb, void *arg) {
  if (!c || !domain) return -1;
  entry **slot = slot_of(c, domain);
  entry *e = *slot;
  if (e && e->done) {
    c->hits++;
    cb(&e->result, arg);
    return 0;
  }
  if (e) {
    c->hits++;
    return add_waiter(e, cb, arg);
  }
  e = calloc(1, sizeof(*e));
  if (!e || !(e->domain = sd_strdup(domain))) {
    free(e);
    return -1;
  }
  e->cache = c;
  e->waiters_tail = &e->waiters;
  if (add_waiter(e, cb, arg) != 0 || sd_fetch_policy_at(c->fetcher, domain, addrs, count, on_fetched, e) != 0) {
    entry_free(e);
    return -1;
  }
  *slot = e;
  c->fetches++;
  return 0;
}

sd_policy_cache *sd_policy_cache_new(sd_fetcher *fetcher) {
  sd_policy_cache *c = calloc(1, sizeof(*c));
  if (c) c->fetcher = fetcher;
  return c;
}

void sd_policy_cache_free(sd_policy_cache *c) {
  if (!c) return;
  for (size_t b = 0; b < BUCKETS; b++)
    for (entry *e = c->buckets[b], *n; e; e = n) {
      n = e->next;
      entry_free(e);
    }
  free(c);
}

size_t sd_policy_cache_fetches(const sd_policy_cache *c) { return c ? c->fetches : 0; }
size_t sd_policy_cache_hits(const sd_policy_cache *c) { return c ? c->hits : 0; }
