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
  return 0;
}

typedef struct cache_key {
  const char *name;
  uint16_t type;
} cache_key;

static int entry_matches(const sd_table_link *l, const void *key) {
  const sd_dns_cache_entry *e = SD_TABLE_ITEM(l, sd_dns_cache_entry, link);
  const cache_key *k = key;
  return e->answer.qtype == k->type && sd_strcaseeq(e->answer.qname, k->name);
}

sd_dns_cache_entry *sd_dns_cache_get(sd_dns_cache *cache, const char *name, uint16_t type, int *created) {
  uint64_t h = key_hash(name, type);
  cache_key k = {name, type};
  *created = 0;
  sd_table_link *found = sd_table_find(&cache->index, h, entry_matches, &k);
  if (found) {
    sd_dns_cache_entry *e = SD_TABLE_ITEM(found, sd_dns_cache_entry, link);
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
  if (sd_table_add(&cache->index, &e->link, h) != 0) {
    free(e->answer.qname);
    free(e);
    return NULL;
  }
  *created = 1;
  return e;
}

void sd_dns_cache_completed(sd_dns_cache *cache, sd_dns_cache_entry *e) {
  sd_list_append(&cache->completed, &e->completed_link);
  e->in_completed = 1;
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

static void unlink_completed(sd_dns_cache *cache, sd_dns_cache_entry *e) {
  if (!e->in_completed) return;
  sd_list_unlink(&cache->completed, &e->completed_link);
  e->in_completed = 0;
}

static sd_dns_cache_entry *oldest(const sd_dns_cache *cache) {
  return SD_LIST_ITEM(cache->completed.head, sd_dns_cache_entry, completed_link);
}

void sd_dns_cache_renew(sd_dns_cache *cache, sd_dns_cache_entry *e) {
  char *qname = e->answer.qname;
  uint16_t qtype = e->answer.qtype;
  e->answer.qname = NULL;
  sd_dns_answer_clear(&e->answer);
  e->answer.qname = qname;
  e->answer.qtype = qtype;
  /* Out of the completed queue until the new lookup completes. */
  unlink_completed(cache, e);
}

void sd_dns_cache_trim(sd_dns_cache *cache) {
  /* Entries at the head that are still held stop the trim: they are few and
   * short-lived (one loop iteration), so the next trim gets them. Each entry
   * is given its second chance at most once per trim. */
  size_t chances = cache->index.count;
  sd_dns_cache_entry *e;
  while (cache->index.count > cache->capacity && (e = oldest(cache)) && e->holds == 0 && !e->waiters) {
    unlink_completed(cache, e);
    if (e->referenced && chances > 0) {
      e->referenced = 0;
      chances--;
      sd_dns_cache_completed(cache, e); /* to the back */
      continue;
    }
    sd_table_remove(&cache->index, &e->link);
    sd_dns_answer_clear(&e->answer);
    free(e);
  }
}

static void free_entry(sd_table_link *l, void *arg) {
  sd_dns_cache_entry *e = SD_TABLE_ITEM(l, sd_dns_cache_entry, link);
  for (sd_dns_waiter *w = e->waiters; w;) {
    sd_dns_waiter *wn = w->next;
    free(w);
    w = wn;
  }
  sd_dns_answer_clear(&e->answer);
  free(e);
}

void sd_dns_cache_destroy(sd_dns_cache *cache) {
  sd_table_each(&cache->index, free_entry, NULL);
  sd_table_free(&cache->index);
  memset(cache, 0, sizeof(*cache));
}
