#include "core/policy_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/list.h"
#include "util/str.h"
#include "util/table.h"

typedef struct waiter {
  sd_fetch_cb cb;
  void *arg;
  struct waiter *next;
} waiter;

typedef struct entry {
  sd_table_link link;      /* in the cache's index, by domain */
  char *domain;
  int done;
  sd_fetch_result result;  /* once done */
  size_t bytes;            /* once done: what it holds, against SD_POLICY_CACHE_BYTES */
  waiter *waiters;         /* while in flight, in arrival order */
  waiter **waiters_tail;
  sd_list_link on_done;    /* once done: in the cache's list, least recently used first */
  sd_policy_cache *cache;
} entry;

struct sd_policy_cache {
  sd_fetcher *fetcher;
  sd_table by_domain;
  sd_list done;            /* finished answers, least recently used first */
  size_t done_bytes;
  size_t fetches, hits;
};

static int same_domain(const sd_table_link *l, const void *domain) {
  return strcmp(SD_TABLE_ITEM(l, entry, link)->domain, domain) == 0;
}

static uint64_t domain_hash(const char *domain) { return sd_fnv1a64(domain, strlen(domain)); }

static entry *find(sd_policy_cache *c, const char *domain) {
  sd_table_link *l = sd_table_find(&c->by_domain, domain_hash(domain), same_domain, domain);
  return l ? SD_TABLE_ITEM(l, entry, link) : NULL;
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

static size_t text_bytes(const char *s) { return s ? strlen(s) + 1 : 0; }

static size_t result_bytes(const entry *e) {
  const sd_fetch_result *r = &e->result;
  return sizeof(*e) + text_bytes(e->domain) + text_bytes(r->detail) + text_bytes(r->url) + text_bytes(r->headers) +
         text_bytes(r->content_type) + text_bytes(r->content_encoding) + text_bytes(r->location) +
         (r->body ? r->body_len + 1 : 0) + text_bytes(r->primary_ip);
}

/* The least recently used answers go until the rest fit both bounds. */
static void trim(sd_policy_cache *c) {
  while (c->done.head && (c->done.count > SD_POLICY_CACHE_MAX || c->done_bytes > SD_POLICY_CACHE_BYTES)) {
    entry *old = SD_LIST_ITEM(c->done.head, entry, on_done);
    sd_list_unlink(&c->done, &old->on_done);
    c->done_bytes -= old->bytes;
    sd_table_remove(&c->by_domain, &old->link);
    entry_free(old);
  }
}

static void on_fetched(const sd_fetch_result *res, void *arg) {
  entry *e = arg;
  sd_policy_cache *c = e->cache;
  sd_fetch_result_copy(&e->result, res);
  e->done = 1;
  e->bytes = result_bytes(e);
  waiter *list = e->waiters;
  e->waiters = NULL;
  e->waiters_tail = &e->waiters;
  sd_list_append(&c->done, &e->on_done); /* before the callbacks: a callback may ask for it again */
  c->done_bytes += e->bytes;
  for (waiter *w = list, *n; w; w = n) {
    n = w->next;
    w->cb(&e->result, w->arg);
    free(w);
  }
  trim(c); /* after them: e is still read while they run */
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
  entry *e = find(c, domain);
  if (e && e->done) {
    c->hits++;
    sd_list_unlink(&c->done, &e->on_done); /* the most recently used now */
    sd_list_append(&c->done, &e->on_done);
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
  if (add_waiter(e, cb, arg) != 0 || sd_table_add(&c->by_domain, &e->link, domain_hash(domain)) != 0) {
    entry_free(e);
    return -1;
  }
  if (sd_fetch_policy_at(c->fetcher, domain, addrs, count, on_fetched, e) != 0) {
    sd_table_remove(&c->by_domain, &e->link);
    entry_free(e);
    return -1;
  }
  c->fetches++;
  return 0;
}

sd_policy_cache *sd_policy_cache_new(sd_fetcher *fetcher) {
  sd_policy_cache *c = calloc(1, sizeof(*c));
  if (c) c->fetcher = fetcher;
  return c;
}

static void free_item(sd_table_link *l, void *arg) { entry_free(SD_TABLE_ITEM(l, entry, link)); }

void sd_policy_cache_free(sd_policy_cache *c) {
  if (!c) return;
  sd_table_each(&c->by_domain, free_item, NULL);
  sd_table_free(&c->by_domain);
  free(c);
}

size_t sd_policy_cache_fetches(const sd_policy_cache *c) { return c ? c->fetches : 0; }
size_t sd_policy_cache_hits(const sd_policy_cache *c) { return c ? c->hits : 0; }
size_t sd_policy_cache_size(const sd_policy_cache *c) { return c ? c->by_domain.count : 0; }
