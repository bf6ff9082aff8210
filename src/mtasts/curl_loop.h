/*
 * Generic glue between libcurl's multi-socket interface and a libevent
 * event_base (the "hiperfifo" pattern): curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to wake it up (CURLMOPT_TIMERFUNCTION);
 * libevent tells curl when a socket is ready or the timer fired. Finished
 * transfers are reported through a per-transfer callback, always from the
 * event loop, never from inside sd_curl_loop_add.
 */
#ifndef SD_MTASTS_CURL_LOOP_H
#define SD_MTASTS_CURL_LOOP_H

#include <curl/curl.h>

struct event_base;

typedef struct sd_curl_loop sd_curl_loop;

/* Called once per finished transfer, after the easy handle has been removed
 * from the multi handle: the callee owns `easy` again (and usually cleans it
 * up). `code` is the transfer's CURLcode. */
typedef void (*sd_curl_done_cb)(CURL *easy, CURLcode code, void *arg);

sd_curl_loop *sd_curl_loop_new(struct event_base *base);
/* Starts a transfer. The loop uses CURLOPT_PRIVATE of `easy`; callers must
 * not. Returns 0, or -1 (nothing started, no callback) on failure. */
int sd_curl_loop_add(sd_curl_loop *loop, CURL *easy, sd_curl_done_cb done, void *arg);
/* Abandons a transfer in flight: no callback will come for it; the caller
 * still owns `easy`. Harmless for a handle that is not in the loop. */
void sd_curl_loop_remove(sd_curl_loop *loop, CURL *easy);
/* Number of transfers in flight. */
int sd_curl_loop_running(const sd_curl_loop *loop);
/* Frees the loop. Transfers still in flight are abandoned without callbacks
 * (their easy handles stay with their owners, who must free them). Safe to
 * call from inside a done callback: the loop is then freed once the
 * dispatch that called it unwinds. */
void sd_curl_loop_free(sd_curl_loop *loop);

#endif
