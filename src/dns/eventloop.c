#include "dns/eventloop.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <sys/socket.h>

#include <event2/event.h>

/* One getdns event scheduled on the libevent base; kept in a list so that
 * release can free what getdns never cleared. */
struct sd_loop_event {
  struct event *ev;
  getdns_eventloop_event *gev;
  struct sd_loop_event *prev, *next;
};

/* getdns schedules "no timeout" as all ones (its TIMEOUT_FOREVER, and
 * libunbound's events through getdns's ub_loop); anything beyond a day is
 * treated the same so the timeval cannot overflow. */
#define SD_LOOP_MAX_TIMEOUT_MS ((uint64_t)24 * 3600 * 1000)

static sd_getdns_loop *as_loop(getdns_eventloop *loop) { return (sd_getdns_loop *)loop; }

/* A TCP socket that is not connected yet. libunbound (built with TCP Fast
 * Open, as Debian's is) creates its TCP socket without connect() and waits
 * for it to be writable: the connect happens inside the first sendto
 * (MSG_FASTOPEN). epoll reports such a socket as readable and writable at
 * once (EPOLLOUT|EPOLLHUP), and unbound's own loop then skips the read;
 * getdns's ub_loop splits the bits into two callbacks, so the read must not
 * go first or it fails with ENOTCONN and every answer that needs TCP
 * (truncated over UDP: large TXT or TLSA RRsets) becomes a SERVFAIL. */
static int tcp_not_connected(evutil_socket_t fd) {
  int type = 0;
  socklen_t type_len = sizeof(type);
  if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM) return 0;
  struct sockaddr_storage peer;
  socklen_t peer_len = sizeof(peer);
  return getpeername(fd, (struct sockaddr *)&peer, &peer_len) != 0 && errno == ENOTCONN;
}

/* Same dispatch as getdns's libevent extension: one callback per firing,
 * read before write before timeout, except for a TCP socket that still has
 * to connect (see tcp_not_connected). The callback may clear its own event. */
static void on_event(evutil_socket_t fd, short bits, void *arg) {
  getdns_eventloop_event *gev = arg;
  if ((bits & EV_READ) && (bits & EV_WRITE) && gev->read_cb && gev->write_cb && tcp_not_connected(fd))
    gev->write_cb(gev->userarg);
  else if ((bits & EV_READ) && gev->read_cb)
    gev->read_cb(gev->userarg);
  else if ((bits & EV_WRITE) && gev->write_cb)
    gev->write_cb(gev->userarg);
  else if ((bits & EV_TIMEOUT) && gev->timeout_cb)
    gev->timeout_cb(gev->userarg);
}

static void unlink_event(sd_getdns_loop *l, struct sd_loop_event *e) {
  if (e->prev) e->prev->next = e->next;
  else l->events = e->next;
  if (e->next) e->next->prev = e->prev;
  l->count--;
}

/* Leaves e->gev alone: on release, getdns has freed it already. */
static void free_event(struct sd_loop_event *e) {
  event_del(e->ev);
  event_free(e->ev);
  free(e);
}

static getdns_return_t loop_schedule(getdns_eventloop *loop, int fd, uint64_t timeout_ms,
                                     getdns_eventloop_event *gev) {
  sd_getdns_loop *l = as_loop(loop);
  if (!gev || (!gev->read_cb && !gev->write_cb && !gev->timeout_cb)) return GETDNS_RETURN_INVALID_PARAMETER;
  short bits = (short)((gev->read_cb ? EV_READ : 0) | (gev->write_cb ? EV_WRITE : 0) |
                       (gev->timeout_cb ? EV_TIMEOUT : 0) | EV_PERSIST);
  struct sd_loop_event *e = calloc(1, sizeof(*e));
  if (!e) return GETDNS_RETURN_MEMORY_ERROR;
  e->gev = gev;
  e->ev = event_new(l->base, fd, bits, on_event, gev);
  struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)((timeout_ms % 1000) * 1000)};
  int forever = !gev->timeout_cb || timeout_ms > SD_LOOP_MAX_TIMEOUT_MS;
  if (!e->ev || event_add(e->ev, forever ? NULL : &tv) != 0) {
    if (e->ev) event_free(e->ev);
    free(e);
    return GETDNS_RETURN_GENERIC_ERROR;
  }
  e->next = l->events;
  if (l->events) l->events->prev = e;
  l->events = e;
  l->count++;
  gev->ev = e;
  return GETDNS_RETURN_GOOD;
}

static getdns_return_t loop_clear(getdns_eventloop *loop, getdns_eventloop_event *gev) {
  if (!gev || !gev->ev) return GETDNS_RETURN_GOOD;
  struct sd_loop_event *e = gev->ev;
  unlink_event(as_loop(loop), e);
  free_event(e);
  gev->ev = NULL; /* getdns tests this to know whether the event is scheduled */
  return GETDNS_RETURN_GOOD;
}

/* The loop belongs to sd_dns, not to getdns: see eventloop.h. */
static void loop_cleanup(getdns_eventloop *loop) { (void)loop; }

static void loop_run(getdns_eventloop *loop) { event_base_dispatch(as_loop(loop)->base); }

static void loop_run_once(getdns_eventloop *loop, int blocking) {
  event_base_loop(as_loop(loop)->base, EVLOOP_ONCE | (blocking ? 0 : EVLOOP_NONBLOCK));
}

void sd_getdns_loop_init(sd_getdns_loop *l, struct event_base *base) {
  static getdns_eventloop_vmt vmt = {loop_cleanup, loop_schedule, loop_clear, loop_run, loop_run_once};
  l->loop.vmt = &vmt;
  l->base = base;
  l->events = NULL;
  l->count = 0;
}

void sd_getdns_loop_release(sd_getdns_loop *l) {
  while (l->events) {
    struct sd_loop_event *e = l->events;
    unlink_event(l, e);
    free_event(e);
  }
}
