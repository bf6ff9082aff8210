/* A small string -> counter map for report aggregation (finding codes,
 * conflict codes, HTTP statuses, operators, TLDs). Keys are copied; each
 * entry carries a count and an optional owned extension pointer. */
#ifndef SD_REPORT_STRMAP_H
#define SD_REPORT_STRMAP_H

#include <stddef.h>

typedef struct sd_strmap_entry {
  char *key;
  long long count;
  void *ext; /* owned by the map, freed with the map's ext_free */
} sd_strmap_entry;

typedef struct sd_strmap {
  sd_strmap_entry *slots; /* open addressing, linear probing */
  size_t cap;             /* power of two, or 0 */
  size_t len;
  void (*ext_free)(void *ext);
  int failed; /* an allocation failed: counts are incomplete */
} sd_strmap;

/* Entry for key, created with count 0 when absent; NULL on allocation failure. */
sd_strmap_entry *sd_strmap_get(sd_strmap *m, const char *key);
/* Entry for key or NULL. */
const sd_strmap_entry *sd_strmap_find(const sd_strmap *m, const char *key);
/* Adds n to the count of key. */
void sd_strmap_add(sd_strmap *m, const char *key, long long n);
long long sd_strmap_count(const sd_strmap *m, const char *key);
/* Adds every count of src into dst (extensions are not merged). */
void sd_strmap_merge_counts(sd_strmap *dst, const sd_strmap *src);
void sd_strmap_free(sd_strmap *m);

/* The live entries as a new array of pointers, sorted by key (cmp NULL) or by
 * cmp; *n receives the count. Free the array (not the entries). */
const sd_strmap_entry **sd_strmap_sorted(const sd_strmap *m, size_t *n,
                                         int (*cmp)(const void *, const void *));
/* qsort comparator over const sd_strmap_entry *: count descending, then key. */
int sd_strmap_cmp_count_desc(const void *a, const void *b);

#endif
