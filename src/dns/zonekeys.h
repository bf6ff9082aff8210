/*
 * Validated zone keys for the stub-mode fast path (see docs/dns.md,
 * "Fast path").
 *
 * getdns validates a stub answer by fetching the whole DNSKEY/DS chain from
 * the root for every single query: about eight upstream packets and as many
 * signature checks per lookup, which made stub mode 30 to 50 times slower
 * than the resolver it talks to. The fast path sends each query once (DO and
 * CD set, no getdns validation), then:
 *
 *   - signed answer from zone Z: the answer is checked with
 *     getdns_validate_dnssec2 against Z's DNSKEY RRset, which was itself
 *     validated once, through the full chain, by an ordinary getdns lookup
 *     ("Z DNSKEY" with dnssec_return_all_statuses);
 *   - unsigned answer: it is insecure when that same full validation proved
 *     an ancestor-or-self of the query name insecure (no secure zone can
 *     exist below an insecure delegation).
 *
 * Anything else (bogus, CNAME/DNAME chains, several signers, an unsigned
 * answer below a secure zone, lookups that failed) falls back to getdns's
 * full validation of the query, so the fast path can only ever confirm
 * "secure" or "insecure" with proofs getdns itself produced.
 */
#ifndef SD_DNS_ZONEKEYS_H
#define SD_DNS_ZONEKEYS_H

#include <stddef.h>
#include <stdint.h>

#include <getdns/getdns.h>

typedef enum {
  SD_ZONE_PENDING,  /* the zone's DNSKEY lookup is in flight */
  SD_ZONE_SECURE,   /* keys: the zone's validated DNSKEY RRset */
  SD_ZONE_INSECURE, /* proven insecure: so is every name below */
  SD_ZONE_OTHER,    /* bogus, failed, or not an apex: answers take the full path */
} sd_zone_state;

/* A fast-path answer waiting for its zone's keys. */
typedef struct sd_zone_parked {
  void *entry;              /* the sd_dns_cache_entry */
  getdns_dict *response;    /* owned */
  struct sd_zone_parked *next;
} sd_zone_parked;

typedef struct sd_zone {
  char *name;               /* lower case, no trailing dot ("" = root) */
  uint64_t hash;
  sd_zone_state state;
  getdns_list *keys;        /* SD_ZONE_SECURE: DNSKEY RR dicts (owned) */
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
/* Frees every zone, its keys and parked responses (their entries are not touched). */
void sd_zone_table_destroy(sd_zone_table *t);

/* 1 when `ancestor` is `name` or one of its ancestors (case-insensitive,
 * label boundaries respected, "" is the root). */
int sd_name_is_at_or_below(const char *name, const char *ancestor);

/* What to do with a fast-path reply (no getdns validation). */
typedef enum {
  SD_FAST_AS_IS,     /* an error rcode: nothing to validate */
  SD_FAST_SECURE,    /* validated against the keys of `zone` */
  SD_FAST_INSECURE,  /* under a zone proven insecure */
  SD_FAST_NEED_ZONE, /* learn `zone` first, then classify again */
  SD_FAST_FALLBACK,  /* ask getdns for full validation */
} sd_fast_verdict;

/* Classifies reply (a replies_tree dict) to qname using the zones known in t.
 * replies is the response's replies_tree (validated in place for SECURE).
 * zone receives the zone name for SD_FAST_NEED_ZONE. */
sd_fast_verdict sd_fast_classify(const sd_zone_table *t, getdns_dict *reply, getdns_list *replies,
                                 const char *qname, char *zone, size_t zone_len);

/* Sets the zone's state from the response to "zone DNSKEY" looked up with
 * full validation (NULL response: the lookup failed). */
void sd_zone_learn(sd_zone *z, getdns_dict *response);

#endif
