#include "util/table.h"

#include <stdlib.h>

#define FIRST_SIZE 64

static sd_table_link **bucket_of(const sd_table *t, uint64_t hash) { return &t->buckets[hash & (t->size - 1)]; }

sd_table_link *sd_table_find(const sd_table *t, uint64_t hash, sd_table_match match, const void *key) {
  if (!t->size) return NULL;
  for (sd_table_link *l = *bucket_of(t, hash); l; l = l->next)
    if (l->hash == hash && match(l, key)) return l;
  return NULL;
}

/* Doubles the bucket array when it is full; -1 only when there is none. */
static int make_room(sd_table *t) {
  if (t->size && t->count < t->size) return 0;
  size_t size = t->size ? t->size * 2 : FIRST_SIZE;
  sd_table_link **buckets = calloc(size, sizeof(*buckets));
  if (!buckets) return t->size ? 0 : -1;
  for (size_t i = 0; i < t->size; i++) {
    for (sd_table_link *l = t->buckets[i], *next; l; l = next) {
      next = l->next;
      sd_table_link **slot = &buckets[l->hash & (size - 1)];
      l->next = *slot;
      *slot = l;
    }
  }
  free(t->buckets);
  t->buckets = buckets;
  t->size = size;
  return 0;
}

int sd_table_add(sd_table *t, sd_table_link *link, uint64_t hash) {
  if (make_room(t) != 0) return -1;
  link->hash = hash;
  sd_table_link **slot = bucket_of(t, hash);
  link->next = *slot;
  *slot = link;
  t->count++;
  return 0;
}

void sd_table_remove(sd_table *t, sd_table_link *link) {
  if (!t->size) return;
  for (sd_table_link **p = bucket_of(t, link->hash); *p; p = &(*p)->next) {
    if (*p == link) {
      *p = link->next;
      link->next = NULL;
      t->count--;
      return;
    }
  }
}

void sd_table_each(const sd_table *t, void (*fn)(sd_table_link *link, void *arg), void *arg) {
  for (size_t i = 0; i < t->size; i++) {
    for (sd_table_link *l = t->buckets[i], *next; l; l = next) {
      next = l->next; /* read first: fn may free the item */
      fn(l, arg);
    }
  }
}

void sd_table_free(sd_table *t) {
  free(t->buckets);
  t->buckets = NULL;
  t->size = t->count = 0;
}
