#include "scan/window.h"

#include <string.h>

void sd_window_init(sd_window *w, size_t active_limit, size_t max_in_flight, double stall_after) {
  memset(w, 0, sizeof(*w));
  w->active_limit = active_limit ? active_limit : 1;
  w->max_in_flight = max_in_flight > w->active_limit ? max_in_flight : w->active_limit;
  w->stall_after = stall_after;
}

void sd_window_enter(sd_window *w, sd_window_slot *slot, double now) {
  slot->started = now;
  slot->stalled = 0;
  sd_list_append(&w->slots, &slot->link);
  if (!w->first_young) w->first_young = slot;
  if (w->slots.count > w->peak_in_flight) w->peak_in_flight = w->slots.count;
}

static sd_window_slot *next_slot(sd_window_slot *slot) { return SD_LIST_ITEM(slot->link.next, sd_window_slot, link); }

void sd_window_leave(sd_window *w, sd_window_slot *slot) {
  if (slot->stalled) w->stalled--;
  if (w->first_young == slot) w->first_young = next_slot(slot);
  sd_list_unlink(&w->slots, &slot->link);
}

void sd_window_age(sd_window *w, double now) {
  while (w->first_young && now - w->first_young->started >= w->stall_after) {
    w->first_young->stalled = 1;
    w->stalled++;
    w->first_young = next_slot(w->first_young);
  }
}

int sd_window_has_room(const sd_window *w) {
  size_t in_flight = w->slots.count;
  return in_flight < w->max_in_flight && in_flight - w->stalled < w->active_limit;
}
