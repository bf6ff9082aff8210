/*
 * The answer cache behind sd_dns: (name, type) -> answer, with lookups in
 * flight merged. An answer is kept as long as its TTL allows (sd_dns asks
 * again once it has expired). Bounded: beyond its capacity the oldest completed answers
 * that nobody holds are dropped, except that an answer asked for again
 * since it was stored gets a second chance (it goes to the back of the
 * queue once): the MX hosts, addresses and TLSA records shared by many
 * domains stay, the per-domain answers nobody asks twice go.
 */
#ifndef SD_DNS_CACHE_H
#define SD_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/list.h"
#include "util/table.h"

typedef struct sd_dns_cache_entry sd_dns_cache_entry;

typedef struct sd_dns_waiter {
  sd_dns_cb cb;
  void *arg;
  sd_dns_cache_entry *entry;
  struct sd_dns_waiter *next;
} sd_dns_waiter;

struct sd_dns_cache_entry {
  sd_table_link link;            /* in the index, by (qname, qtype) */
  sd_dns_answer answer;          /* qname/qtype are the key */
  int pending;                   /* lookup in flight or queued */
  uint64_t expires_ms;           /* monotonic time after which the answer is asked for again */
  void *lookup;                  /* sd_dns's state of the lookup in flight, or NULL */
  struct sd_dns_cache_entry *queue_next; /* sd_dns's queue of lookups waiting to be sent */
  int holds;                     /* deliveries scheduled that still read the answer */
  int referenced;                /* asked for again since it last reached the head (second chance) */
  void *owner;                   /* the sd_dns */
  sd_dns_waiter *waiters;
  sd_list_link completed_link;   /* in the cache's completed list */
  int in_completed;
};

typedef struct sd_dns_cache {
  sd_table index;                /* every entry; index.count is the number of entries */
  size_t capacity;
  sd_list completed;             /* completed entries, oldest first */
} sd_dns_cache;

int sd_dns_cache_init(sd_dns_cache *cache, size_t capacity);
/* Finds or creates the entry for (name, type); *created tells which. */
sd_dns_cache_entry *sd_dns_cache_get(sd_dns_cache *cache, const char *name, uint16_t type, int *created);
/* The entry's lookup finished: it becomes evictable, oldest first. */
void sd_dns_cache_completed(sd_dns_cache *cache, sd_dns_cache_entry *e);
void sd_dns_cache_hold(sd_dns_cache_entry *e);
void sd_dns_cache_release(sd_dns_cache_entry *e);
/* Drops the oldest unused completed entries while over capacity. */
void sd_dns_cache_trim(sd_dns_cache *cache);
void sd_dns_answer_clear(sd_dns_answer *a);
/* Empties a kept answer for a new lookup of the same (name, type): the
 * entry stays where it is. Only for entries nobody holds or waits on. */
void sd_dns_cache_renew(sd_dns_cache *cache, sd_dns_cache_entry *e);
void sd_dns_cache_destroy(sd_dns_cache *cache);

#endif
