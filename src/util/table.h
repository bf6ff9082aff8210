/*
 * The one hash table of the caches: chained, intrusive (an item embeds an
 * sd_table_link, so adding never allocates per item), keyed by a 64-bit
 * hash the caller computes (util/hash.h) and a match function for the
 * full key. Lookups cost O(1) whatever the number of items; the bucket
 * array doubles when the table holds as many items as buckets, and a
 * failed doubling keeps the old array (slower, still correct).
 *
 * Items are the caller's: the table never frees them. Several items may
 * share a key (find returns the first that matches).
 */
#ifndef SD_UTIL_TABLE_H
#define SD_UTIL_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sd_table_link {
  struct sd_table_link *next;
  uint64_t hash;
} sd_table_link;

typedef struct sd_table {
  sd_table_link **buckets;
  size_t size;  /* buckets, a power of two, or 0 before the first add */
  size_t count; /* items */
} sd_table;

/* The item that embeds link as its member `member`. */
#define SD_TABLE_ITEM(link, type, member) ((type *)(void *)((char *)(link) - offsetof(type, member)))

/* Whether the item behind link has the key (the hashes already agree). */
typedef int (*sd_table_match)(const sd_table_link *link, const void *key);

/* The first item with hash and a key that matches, or NULL. */
sd_table_link *sd_table_find(const sd_table *t, uint64_t hash, sd_table_match match, const void *key);
/* Adds an item under hash: 0, or -1 when not even the first bucket array
 * could be allocated (the item is then not in the table). */
int sd_table_add(sd_table *t, sd_table_link *link, uint64_t hash);
/* Removes an item that is in the table. */
void sd_table_remove(sd_table *t, sd_table_link *link);
/* Calls fn on every item; fn may free the item it is given (but must not
 * touch the table). */
void sd_table_each(const sd_table *t, void (*fn)(sd_table_link *link, void *arg), void *arg);
/* Frees the bucket array (the items stay the caller's) and empties t. */
void sd_table_free(sd_table *t);

#endif
