/*
 * libcurl multi-socket interface driven by libevent (hiperfifo pattern).
 *
 * Every watched socket and every transfer is kept on a list owned by the
 * loop, so freeing the loop never leaks them and never needs curl to tell us
 * (curl_multi_get_handles only exists in newer curl releases).
 */
#include "mtasts/curl_loop.h"

#include <event2/event.h>
#include <stdlib.h>

typedef struct loop_transfer {
  struct loop_transfer *prev, *next;
  CURL *easy;
  sd_curl_done_cb done;
  void *arg;
} loop_transfer;

typedef struct watched_socket {
  struct watched_socket *prev, *next;
  struct event *ev;
  curl_socket_t fd;
  short kind; /* EV_READ/EV_WRITE bits currently watched */
} watched_socket;

struct sd_curl_loop {
  struct event_base *base;
  CURLM *multi;
  struct event *timer;
  loop_transfer *transfers;
  watched_socket *sockets;
  int running;
  int dispatch_depth; /* > 0 while we are inside curl or a done callback */
  int dead;           /* freed during a dispatch; destroy when it unwinds */
};

/* Doubly linked list helpers, written once per node type via macros would
 * hide too much; two tiny functions each are clearer. */
static void transfer_unlink(sd_curl_loop *loop, loop_transfer *t) {
  if (t->prev) t->prev->next = t->next;
  else loop->transfers = t->next;
  if (t->next) t->next->prev = t->prev;
  t->prev = t->next = NULL;
}

static void socket_unlink(sd_curl_loop *loop, watched_socket *ws) {
  if (ws->prev) ws->prev->next = ws->next;
  else loop->sockets = ws->next;
  if (ws->next) ws->next->prev = ws->prev;
  ws->prev = ws->next = NULL;
}

static void socket_free(sd_curl_loop *loop, watched_socket *ws) {
  socket_unlink(loop, ws);
  if (ws->ev) event_free(ws->ev);
  free(ws);
}

static void loop_destroy(sd_curl_loop *loop) {
  /* curl may still report sockets of cached connections as removed here;
   * on_socket handles that while the loop struct is intact. */
  if (loop->multi) curl_multi_cleanup(loop->multi);
  while (loop->sockets) socket_free(loop, loop->sockets);
  if (loop->timer) event_free(loop->timer);
  free(loop);
  curl_global_cleanup();
}

/* Hands every finished transfer back to its owner. Stops as soon as a
 * callback freed the loop. */
static void report_finished(sd_curl_loop *loop) {
  CURLMsg *msg;
  int left;
  while (!loop->dead && (msg = curl_multi_info_read(loop->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *easy = msg->easy_handle;
    CURLcode code = msg->data.result; /* msg is invalid after remove_handle */
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    loop_transfer *t = (loop_transfer *)(void *)priv;
    curl_multi_remove_handle(loop->multi, easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    if (!t) continue; /* not ours; cannot happen */
    transfer_unlink(loop, t);
    loop->running--;
    sd_curl_done_cb done = t->done;
    void *arg = t->arg;
    free(t);
    done(easy, code, arg);
  }
}

/* Runs one curl action and delivers what finished, keeping the loop alive
 * until the outermost dispatch returns even if a callback freed it. */
static void dispatch(sd_curl_loop *loop, curl_socket_t fd, int action) {
  int running = 0;
  loop->dispatch_depth++;
  curl_multi_socket_action(loop->multi, fd, action, &running);
  report_finished(loop);
  loop->dispatch_depth--;
  if (loop->dead && loop->dispatch_depth == 0) loop_destroy(loop);
}

static void on_socket_ready(evutil_socket_t fd, short events, void *arg) {
  int action = ((events & EV_READ) ? CURL_CSELECT_IN : 0) |
               ((events & EV_WRITE) ? CURL_CSELECT_OUT : 0);
  dispatch(arg, (curl_socket_t)fd, action);
}

static void on_timer_fired(evutil_socket_t fd, short events, void *arg) {
  (void)fd;
  (void)events;
  dispatch(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be woken after timeout_ms (-1:
 * never). We must not call curl from here, so even 0 goes via libevent. */
static int on_timer_request(CURLM *multi, long timeout_ms, void *userp) {
  (void)multi;
  sd_curl_loop *loop = userp;
  if (timeout_ms < 0) return evtimer_del(loop->timer) == 0 ? 0 : -1;
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  return evtimer_add(loop->timer, &tv) == 0 ? 0 : -1;
}

static int watch_socket(sd_curl_loop *loop, watched_socket *ws, short kind) {
  if (ws->ev && ws->kind == kind) return 0;
  if (ws->ev) event_free(ws->ev);
  ws->kind = kind;
  ws->ev = event_new(loop->base, ws->fd, (short)(kind | EV_PERSIST), on_socket_ready, loop);
  if (!ws->ev) return -1;
  return event_add(ws->ev, NULL) == 0 ? 0 : -1;
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  (void)easy;
  sd_curl_loop *loop = userp;
  watched_socket *ws = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (ws) socket_free(loop, ws);
    curl_multi_assign(loop->multi, fd, NULL);
    return 0;
  }
  if (!ws) {
    ws = calloc(1, sizeof(*ws));
    if (!ws) return -1;
    ws->fd = fd;
    ws->next = loop->sockets;
    if (loop->sockets) loop->sockets->prev = ws;
    loop->sockets = ws;
    curl_multi_assign(loop->multi, fd, ws);
  }
  short kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0));
  return watch_socket(loop, ws, kind);
}

sd_curl_loop *sd_curl_loop_new(struct event_base *base) {
  if (!base) return NULL;
  /* Reference-counted and thread-safe in curl >= 7.84; balanced in
   * loop_destroy. */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
  sd_curl_loop *loop = calloc(1, sizeof(*loop));
  if (!loop) {
    curl_global_cleanup();
    return NULL;
  }
  loop->base = base;
  loop->multi = curl_multi_init();
  loop->timer = evtimer_new(base, on_timer_fired, loop);
  if (!loop->multi || !loop->timer) {
    loop_destroy(loop);
    return NULL;
  }
  curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, loop);
  curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, on_timer_request);
  curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop);
  return loop;
}

int sd_curl_loop_add(sd_curl_loop *loop, CURL *easy, sd_curl_done_cb done, void *arg) {
  if (!loop || loop->dead || !easy || !done) return -1;
  loop_transfer *t = calloc(1, sizeof(*t));
  if (!t) return -1;
  t->easy = easy;
  t->done = done;
  t->arg = arg;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)t);
  /* add_handle only arms the timer (our timer callback defers to libevent),
   * so no transfer callback can run before we return. */
  if (curl_multi_add_handle(loop->multi, easy) != CURLM_OK) {
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    free(t);
    return -1;
  }
  t->next = loop->transfers;
  if (loop->transfers) loop->transfers->prev = t;
  loop->transfers = t;
  loop->running++;
  return 0;
}

static void abandon(sd_curl_loop *loop, loop_transfer *t) {
  transfer_unlink(loop, t);
  curl_multi_remove_handle(loop->multi, t->easy);
  curl_easy_setopt(t->easy, CURLOPT_PRIVATE, NULL);
  loop->running--;
  free(t);
}

void sd_curl_loop_remove(sd_curl_loop *loop, CURL *easy) {
  if (!loop || !easy) return;
  for (loop_transfer *t = loop->transfers; t; t = t->next) {
    if (t->easy == easy) {
      abandon(loop, t);
      return;
    }
  }
}

int sd_curl_loop_running(const sd_curl_loop *loop) { return loop ? loop->running : 0; }

void sd_curl_loop_free(sd_curl_loop *loop) {
  if (!loop || loop->dead) return;
  while (loop->transfers) abandon(loop, loop->transfers);
  if (loop->dispatch_depth > 0) {
    loop->dead = 1; /* dispatch() destroys it when curl has returned */
    return;
  }
  loop_destroy(loop);
}
