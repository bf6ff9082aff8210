/*
 * An intrusive doubly linked list (an item embeds an sd_list_link): the
 * order of the caches' eviction queues and of the scan window. Appending,
 * unlinking anywhere and taking the head cost O(1).
 */
#ifndef SD_UTIL_LIST_H
#define SD_UTIL_LIST_H

#include <stddef.h>

typedef struct sd_list_link {
  struct sd_list_link *prev, *next;
} sd_list_link;

typedef struct sd_list {
  sd_list_link *head, *tail; /* head: the oldest */
  size_t count;
} sd_list;

/* The item that embeds link as its member `member` (NULL for NULL). */
#define SD_LIST_ITEM(link, type, member) \
  ((link) ? (type *)(void *)((char *)(link) - offsetof(type, member)) : (type *)NULL)

static inline void sd_list_append(sd_list *l, sd_list_link *link) {
  link->next = NULL;
  link->prev = l->tail;
  if (l->tail)
    l->tail->next = link;
  else
    l->head = link;
  l->tail = link;
  l->count++;
}

static inline void sd_list_unlink(sd_list *l, sd_list_link *link) {
  if (link->prev)
    link->prev->next = link->next;
  else
    l->head = link->next;
  if (link->next)
    link->next->prev = link->prev;
  else
    l->tail = link->prev;
  link->prev = link->next = NULL;
  l->count--;
}

#endif
