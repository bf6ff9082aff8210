/*
 * getdns's event loop abstraction on a libevent event_base, owned by stsdane.
 *
 * Used instead of getdns's own libevent extension
 * (getdns_extension_set_libevent_base), whose loop object getdns 1.6.0 frees
 * in getdns_context_destroy *before* deleting its libunbound context; in
 * recursive mode libunbound then removes its pending events through the freed
 * loop and the process crashes whenever a context is destroyed with
 * recursive lookups in flight. This loop outlives the getdns context: its
 * cleanup method does nothing, and sd_getdns_loop_release, called after
 * getdns_context_destroy, frees whatever events getdns left behind.
 */
#ifndef SD_DNS_EVENTLOOP_H
#define SD_DNS_EVENTLOOP_H

#include <stddef.h>

#include <getdns/getdns_extra.h>

struct event_base;
struct sd_loop_event;

typedef struct sd_getdns_loop {
  getdns_eventloop loop;        /* first: getdns sees only this */
  struct event_base *base;
  struct sd_loop_event *events; /* scheduled and not yet cleared */
  size_t count;
} sd_getdns_loop;

void sd_getdns_loop_init(sd_getdns_loop *l, struct event_base *base);
/* Frees the events still scheduled; call after getdns_context_destroy. */
void sd_getdns_loop_release(sd_getdns_loop *l);

#endif
