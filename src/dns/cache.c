#include "dns/cache.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/str.h"

static uint64_t key_hash(const char *name, uint16_t type) {
  return sd_fnv1a64_lower(SD_FNV1A64_BASIS ^ type, name);
}

int sd_dns_cache_init(sd_dns_cache *cache, size_t capacity) {
  memset(cache, 0, sizeof(*cache));
  cache->capacity = capacity;
  cache->bucket_count = 1024;
  cache->buckets = calloc(cache->bucket_count, sizeof(*cache->buckets));
  return cache->buckets ? 0 : -1;
}

static void grow(sd_dns_cache *cache) {
  size_t n = cache->bucket_count * 2;
  sd_dns_cache_entry **b = calloc(n, sizeof(*b));
  if (!b) return; /* keep the old table: slower, still correct */
  for (size_t i = 0; i < cache->bucket_count; i++) {
    sd_dns_cache_entry *e = cache->buckets[i];
    while (e) {
      sd_dns_cache_entry *next = e->bucket_next;
      e->bucket_next = b[e->hash & (n - 1)];
      b[e->hash & (n - 1)] = e;
      e = next;
    }
  }
  free(cache->buckets);
  cache->buckets = b;
  cache->bucket_count = n;
}

sd_dns_cache_entry *sd_dns_cache_get(sd_dns_cache *cache, const char *name, uint16_t type, int *created) {
  uint64_t h = key_hash(name, type);
  *created = 0;
  for (sd_dns_cache_entry *e = cache->buckets[h & (cache->bucket_count - 1)]; e; e = e->bucket_next)
    if (e->hash == h && e->answer.qtype == type && sd_strcaseeq(e->answer.qname, name)) {
      e->referenced = 1;
      return e;
    }
  sd_dns_cache_entry *e = calloc(1, sizeof(*e));
  if (!e || !(e->answer.qname = sd_strdup(name))) {
    free(e);
    return NULL;
  }
  sd_str_lower(e->answer.qname);
  e->answer.qtype = type;
  e->hash = h;
  if (cache->count >= cache->bucket_count) grow(cache);
  size_t slot = h & (cache->bucket_count - 1);
  e->bucket_next = cache->buckets[slot];
  cache->buckets[slot] = e;
  cache->count++;
  *created = 1;
  return e;
}

void sd_dns_cache_completed(sd_dns_cache *cache, sd_dns_cache_entry *e) {
  e->fifo_next = NULL;
  e->fifo_prev = cache->fifo_tail;
  if (cache->fifo_tail)
    cache->fifo_tail->fifo_next = e;
  else
    cache->fifo_head = e;
  cache->fifo_tail = e;
  e->in_fifo = 1;
}

void sd_dns_cache_hold(sd_dns_cache_entry *e) { e->holds++; }
void sd_dns_cache_release(sd_dns_cache_entry *e) { e->holds--; }

void sd_dns_answer_clear(sd_dns_answer *a) {
  for (size_t i = 0; i < a->count; i++) {
    free(a->records[i].owner);
    free(a->records[i].target);
    free(a->records[i].text);
    free(a->records[i].rdata);
  }
  free(a->records);
  for (size_t i = 0; i < a->cname_count; i++) free(a->cnames[i]);
  free(a->cnames);
  free(a->qname);
  free(a->error);
  free(a->why_bogus);
  memset(a, 0, sizeof(*a));
}

static void unlink_bucket(sd_dns_cache *cache, sd_dns_cache_entry *e) {
  sd_dns_cache_entry **pp = &cache->buckets[e->hash & (cache->bucket_count - 1)];
  while (*pp && *pp != e) pp = &(*pp)->bucket_next;
  if (*pp) *pp = e->bucket_next;
  cache->count--;
}

static void unlink_fifo(sd_dns_cache *cache, sd_dns_cache_entry *e) {
  if (!e->in_fifo) return;
  if (e->fifo_prev)
    e->fifo_prev->fifo_next = e->fifo_next;
  else
    cache->fifo_head = e->fifo_next;
  if (e->fifo_next)
    e->fifo_next->fifo_prev = e->fifo_prev;
  else
    cache->fifo_tail = e->fifo_prev;
  e->fifo_next = e->fifo_prev = NULL;
  e->in_fifo = 0;
}

static sd_dns_cache_entry *pop_head(sd_dns_cache *cache) {
  sd_dns_cache_entry *e = cache->fifo_head;
  unlink_fifo(cache, e);
  return e;
}

void sd_dns_cache_renew(sd_dns_cache *cache, sd_dns_cache_entry *e) {
  char *qname = e->answer.qname;
  uint16_t qtype = e->answer.qtype;
  e->answer.qname = NULL;
  sd_dns_answer_clear(&e->answer);
  e->answer.qname = qname;
  e->answer.qtype = qtype;
  /* Out of the completed queue until the new lookup completes. */
  unlink_fifo(cache, e);
}

void sd_dns_cache_trim(sd_dns_cache *cache) {
  /* Entries at the head that are still held stop the trim: they are few and
   * short-lived (one loop iteration), so the next trim gets them. Each entry
   * is given its second chance at most once per trim. */
  size_t chances = cache->count;
  while (cache->count > cache->capacity && cache->fifo_head && cache->fifo_head->holds == 0 &&
         !cache->fifo_head->waiters) {
    if (cache->fifo_head->referenced && chances > 0) {
      sd_dns_cache_entry *e = pop_head(cache);
      e->referenced = 0;
      chances--;
      sd_dns_cache_completed(cache, e); /* to the back */
      continue;
    }
    sd_dns_cache_entry *e = pop_head(cache);
    unlink_bucket(cache, e);
    sd_dns_answer_clear(&e->answer);
    free(e);
  }
}

void sd_dns_cache_destroy(sd_dns_cache *cache) {
  for (size_t i = 0; cache->buckets && i < cache->bucket_count; i++) {
    sd_dns_cache_entry *e = cache->buckets[i];
    while (e) {
      sd_dns_cache_entry *next = e->bucket_next;
      for (sd_dns_waiter *w = e->waiters; w;) {
        sd_dns_waiter *wn = w->next;
        free(w);
        w = wn;
      }
      sd_dns_answer_clear(&e->answer);
      free(e);
      e = next;
    }
  }
  free(cache->buckets);
  memset(cache, 0, sizeof(*cache));
}
