/*
 * Zones for the stub-mode fast path (see fastpath.h and docs/dns.md, "Stub
 * fast path"): for each zone the fast path has met, its validated keys or
 * the proof that it is insecure.
 *
 * A zone is learnt once, by an ordinary getdns lookup of "Z DNSKEY" with
 * full validation through the chain from the trust anchor: SECURE keeps the
 * usable keys of that validated RRset, parsed for OpenSSL once; INSECURE
 * means getdns proved Z (or an ancestor) insecure, so every name below it
 * is insecure too (no secure zone can exist below an insecure delegation).
 * Replies that arrive before their zone is known wait here ("parked").
 */
#ifndef SD_DNS_ZONEKEYS_H
#define SD_DNS_ZONEKEYS_H

#include <stddef.h>
#include <stdint.h>

#include <getdns/getdns.h>

#include "dns/sigcheck.h"
#include "dns/wire.h"

typedef enum {
  SD_ZONE_PENDING,  /* the zone's DNSKEY lookup is in flight */
  SD_ZONE_SECURE,   /* keys: the zone's validated DNSKEY RRset */
  SD_ZONE_INSECURE, /* proven insecure: so is every name below */
  SD_ZONE_OTHER,    /* bogus, failed, or not an apex: answers take the full path */
} sd_zone_state;

/* A fast-path reply waiting for its zone's keys. */
typedef struct sd_zone_parked {
  void *entry;              /* the sd_dns_cache_entry */
  uint8_t *reply;           /* the reply in wire format (owned) */
  size_t reply_len;
  int parks;                /* times this reply has waited for a zone (bounded) */
  struct sd_zone_parked *next;
} sd_zone_parked;

typedef struct sd_zone {
  char *name;               /* lower case, no trailing dot ("" = root) */
  sd_wire_name wire;        /* the same name in wire format */
  uint64_t hash;
  sd_zone_state state;
  sd_dnskey *keys;          /* SD_ZONE_SECURE: the usable keys of the validated DNSKEY RRset */
  size_t key_count;
  sd_zone_parked *parked;
  void *owner;              /* the sd_dns */
  struct sd_zone *bucket_next;
  struct sd_zone *fifo_next; /* settled zones, oldest first (eviction) */
} sd_zone;

typedef struct sd_zone_table {
  sd_zone **buckets;
  size_t bucket_count;
  size_t count;
  size_t capacity;
  sd_zone *fifo_head, *fifo_tail;
} sd_zone_table;

int sd_zone_table_init(sd_zone_table *t, size_t capacity);
sd_zone *sd_zone_table_find(const sd_zone_table *t, const char *name);
/* Finds or creates (state PENDING) the zone; *created tells which. NULL: out of memory. */
sd_zone *sd_zone_table_get(sd_zone_table *t, const char *name, int *created);
/* The zone's lookup finished (state set): it becomes evictable. Drops the
 * oldest settled zones without parked answers while over capacity. */
void sd_zone_table_settled(sd_zone_table *t, sd_zone *z);
/* Removes and frees a zone that is not settled (its lookup failed). */
void sd_zone_table_forget(sd_zone_table *t, sd_zone *z);
/* 1 when name or one of its ancestors is a zone proven insecure. */
int sd_zone_insecure_ancestor(const sd_zone_table *t, const char *name);
/* Frees every zone, its keys and parked replies (their entries are not touched). */
void sd_zone_table_destroy(sd_zone_table *t);

/* 1 when `ancestor` is `name` or one of its ancestors (case-insensitive,
 * label boundaries respected, "" is the root). */
int sd_name_is_at_or_below(const char *name, const char *ancestor);

/* Sets the zone's state from the response to "zone DNSKEY" looked up with
 * full validation (NULL response: the lookup failed). */
void sd_zone_learn(sd_zone *z, getdns_dict *response);

#endif
