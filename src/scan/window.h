/*
 * The window of domains in flight. A domain that has waited longer than
 * stall_after seconds (a connect to an address that drops packets, a slow
 * greeting, a name server that does not answer) costs no CPU while it
 * waits, so it stops counting against the active limit (--concurrency)
 * and another domain may start. On the real internet a few percent of MX
 * addresses never answer: with a fixed window, every domain behind one of
 * them holds a slot for the whole connect timeout and throughput collapses
 * to window / timeout. The total in flight stays under max_in_flight,
 * which bounds memory and descriptors.
 *
 * Slots are kept in start order, so the stalled ones are a prefix of the
 * list: aging walks only the slots that newly became stalled.
 */
#ifndef SD_SCAN_WINDOW_H
#define SD_SCAN_WINDOW_H

#include <stddef.h>

#include "util/list.h"

typedef struct sd_window_slot {
  double started;                     /* monotonic seconds */
  int stalled;
  sd_list_link link;                  /* in start order */
} sd_window_slot;

typedef struct sd_window {
  size_t active_limit;   /* domains in flight that have not waited long */
  size_t max_in_flight;  /* all domains in flight */
  double stall_after;    /* seconds after which a domain counts as waiting */
  size_t stalled, peak_in_flight;
  sd_list slots;               /* in flight, oldest first; slots.count is the number */
  sd_window_slot *first_young; /* the oldest slot not yet stalled, or NULL */
} sd_window;

/* max_in_flight is raised to active_limit when below it. */
void sd_window_init(sd_window *w, size_t active_limit, size_t max_in_flight, double stall_after);
void sd_window_enter(sd_window *w, sd_window_slot *slot, double now);
void sd_window_leave(sd_window *w, sd_window_slot *slot);
/* Counts the slots that have waited stall_after seconds by now. */
void sd_window_age(sd_window *w, double now);
/* Whether one more domain may start. */
int sd_window_has_room(const sd_window *w);

#endif
