#include "report/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/str.h"

/* FNV-1a: keys are short and untrusted; the map grows at 50% load, so even
 * adversarial collisions only cost time, never correctness. */
static uint64_t hash_key(const char *s) { return sd_fnv1a64(s, strlen(s)); }

static sd_strmap_entry *probe(const sd_strmap_entry *slots, size_t cap, const char *key) {
  size_t i = (size_t)hash_key(key) & (cap - 1);
  while (slots[i].key && strcmp(slots[i].key, key) != 0) i = (i + 1) & (cap - 1);
  return (sd_strmap_entry *)&slots[i];
}

static int grow(sd_strmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 16;
  if (cap < m->cap) return -1;
  sd_strmap_entry *slots = calloc(cap, sizeof(*slots));
  if (!slots) return -1;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key) *probe(slots, cap, m->slots[i].key) = m->slots[i];
  free(m->slots);
  m->slots = slots;
  m->cap = cap;
  return 0;
}

sd_strmap_entry *sd_strmap_get(sd_strmap *m, const char *key) {
  if (!m || !key) return NULL;
  if ((m->len + 1) * 2 > m->cap && grow(m) != 0) {
    m->failed = 1;
    return NULL;
  }
  sd_strmap_entry *e = probe(m->slots, m->cap, key);
  if (!e->key) {
    e->key = sd_strdup(key);
    if (!e->key) {
      m->failed = 1;
      return NULL;
    }
    e->count = 0;
    e->ext = NULL;
    m->len++;
  }
  return e;
}

const sd_strmap_entry *sd_strmap_find(const sd_strmap *m, const char *key) {
  if (!m || !key || m->cap == 0) return NULL;
  const sd_strmap_entry *e = probe(m->slots, m->cap, key);
  return e->key ? e : NULL;
}

void sd_strmap_add(sd_strmap *m, const char *key, long long n) {
  sd_strmap_entry *e = sd_strmap_get(m, key);
  if (e) e->count += n;
}

long long sd_strmap_count(const sd_strmap *m, const char *key) {
  const sd_strmap_entry *e = sd_strmap_find(m, key);
  return e ? e->count : 0;
}

void sd_strmap_merge_counts(sd_strmap *dst, const sd_strmap *src) {
  if (!dst || !src) return;
  for (size_t i = 0; i < src->cap; i++)
    if (src->slots[i].key) sd_strmap_add(dst, src->slots[i].key, src->slots[i].count);
  if (src->failed) dst->failed = 1;
}

void sd_strmap_free(sd_strmap *m) {
  if (!m) return;
  for (size_t i = 0; i < m->cap; i++) {
    free(m->slots[i].key);
    if (m->slots[i].ext && m->ext_free) m->ext_free(m->slots[i].ext);
  }
  free(m->slots);
  m->slots = NULL;
  m->cap = m->len = 0;
}

static int cmp_key(const void *a, const void *b) {
  const sd_strmap_entry *x = *(const sd_strmap_entry *const *)a, *y = *(const sd_strmap_entry *const *)b;
  return strcmp(x->key, y->key);
}

int sd_strmap_cmp_count_desc(const void *a, const void *b) {
  const sd_strmap_entry *x = *(const sd_strmap_entry *const *)a, *y = *(const sd_strmap_entry *const *)b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->key, y->key);
}

const sd_strmap_entry **sd_strmap_sorted(const sd_strmap *m, size_t *n,
                                         int (*cmp)(const void *, const void *)) {
  *n = 0;
  if (!m || m->len == 0) return NULL;
  const sd_strmap_entry **out = malloc(m->len * sizeof(*out));
  if (!out) return NULL;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key) out[(*n)++] = &m->slots[i];
  qsort(out, *n, sizeof(*out), cmp ? cmp : cmp_key);
  return out;
}
