/* examples/check_many.c: many domains at once on the application's own
 * libevent loop, next to the application's own events.
 *
 *   cc check_many.c $(pkg-config --cflags --libs stsdane libevent) -o check_many
 *   ./check_many example.org example.net ...
 *
 * Starts every evaluation, then runs the loop; each result arrives through
 * a callback as one JSON line. A timer of the application's own ticks
 * alongside. Exits with the worst status. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include <event2/event.h>
#include <stsdane/stsdane.h>

#include "options_from_env.h"

typedef struct app {
  struct event_base *base;
  int pending;
  int worst;
  int ticks;
} app;

static void on_result(const char *domain, const char *json, int status, void *arg) {
  app *a = arg;
  printf("%s\n", json ? json : "null");
  fprintf(stderr, "check_many: %s done, status %d\n", domain, status);
  if (status > a->worst) a->worst = status;
  if (--a->pending == 0) event_base_loopexit(a->base, NULL);
}

/* The application's own work on the same loop. */
static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  ((app *)arg)->ticks++;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DOMAIN...\n", argv[0]);
    return STSDANE_USAGE;
  }
  app a = {.base = event_base_new()};
  example_options e;
  example_options_from_env(&e);
  char err[512];
  stsdane *h = a.base ? stsdane_new_with_base(a.base, &e.options, err, sizeof(err)) : NULL;
  if (!h) {
    fprintf(stderr, "check_many: %s\n", a.base ? err : "no event loop");
    return STSDANE_INCOMPLETE;
  }
  for (int i = 1; i < argc; i++) {
    if (stsdane_check_start(h, argv[i], on_result, &a) != 0) {
      fprintf(stderr, "check_many: cannot start %s\n", argv[i]);
      a.worst = STSDANE_INCOMPLETE;
      continue;
    }
    a.pending++;
  }
  struct event *tick = event_new(a.base, -1, EV_PERSIST, on_tick, &a);
  const struct timeval every = {0, 10000};
  event_add(tick, &every);
  event_active(tick, EV_TIMEOUT, 0); /* once at the start too, whatever the timing */
  if (a.pending > 0) event_base_dispatch(a.base);
  fprintf(stderr, "check_many: the application's timer ticked %d times meanwhile\n", a.ticks);
  event_free(tick);
  stsdane_free(h);
  event_base_free(a.base);
  return a.worst;
}
