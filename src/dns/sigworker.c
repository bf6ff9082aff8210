#include "dns/sigworker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "dns/sigcrypto.h"

struct sd_sigworker {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  sd_sigjob *todo_head, *todo_tail; /* loop -> worker */
  sd_sigjob *done_head, *done_tail; /* worker -> loop */
  int stopping;
  int efd;                          /* the worker signals finished jobs here */
  struct event *ready;
  size_t outstanding;               /* submitted, not yet delivered (loop side only) */
  /* Jobs of this turn of the loop, handed over together at the next turn:
   * one lock and one wakeup for many signatures. */
  sd_sigjob *batch_head, *batch_tail;
  struct event *handover;
  sd_sigworker_done done;
  void *ctx;
};

sd_sigjob *sd_sigjob_new(const uint8_t key[16], EVP_PKEY *pkey, uint8_t algorithm, const uint8_t *data, size_t len,
                         const uint8_t *sig, size_t sig_len) {
  sd_sigjob *job = calloc(1, sizeof(*job));
  if (!job || !(job->data = malloc(len + sig_len)) || EVP_PKEY_up_ref(pkey) != 1) {
    if (job) free(job->data);
    free(job);
    return NULL;
  }
  memcpy(job->key, key, 16);
  job->pkey = pkey;
  job->algorithm = algorithm;
  memcpy(job->data, data, len);
  memcpy(job->data + len, sig, sig_len);
  job->data_len = len;
  job->sig_len = sig_len;
  return job;
}

void sd_sigjob_free(sd_sigjob *job) {
  if (!job) return;
  EVP_PKEY_free(job->pkey);
  free(job->data);
  free(job);
}

static void free_list(sd_sigjob *j) {
  while (j) {
    sd_sigjob *next = j->next;
    sd_sigjob_free(j);
    j = next;
  }
}

/* ---- the worker thread ------------------------------------------------------------------ */

/* How much nicer than the rest of the process the worker runs. The loop's
 * work is latency: every reply it reads sooner lets more queries go out,
 * and on a machine whose cores are all busy (the 2-core benchmark runs the
 * resolver too) a worker at equal priority preempted the loop thousands of
 * times per second. Signatures wait a little instead; the loop never does.
 * (bench/scan: 5% faster DNS-only scans, a third of the involuntary
 * context switches.) */
#define SD_SIGWORKER_NICE 10

static void lower_priority(void) {
  errno = 0;
  int nice_now = getpriority(PRIO_PROCESS, (id_t)gettid());
  if (errno == 0) setpriority(PRIO_PROCESS, (id_t)gettid(), nice_now + SD_SIGWORKER_NICE); /* Linux: per thread */
}

static void *work(void *arg) {
  sd_sigworker *w = arg;
  lower_priority();
  sd_sigcrypto crypto;
  int have_crypto = sd_sigcrypto_init(&crypto) == 0;
  pthread_mutex_lock(&w->lock);
  for (;;) {
    while (!w->todo_head && !w->stopping) pthread_cond_wait(&w->wake, &w->lock);
    if (w->stopping) break;
    sd_sigjob *batch = w->todo_head;
    w->todo_head = w->todo_tail = NULL;
    pthread_mutex_unlock(&w->lock);
    sd_sigjob *last = batch;
    for (sd_sigjob *j = batch; j; j = j->next) {
      j->valid = have_crypto && sd_sigcrypto_verify(&crypto, j->algorithm, j->pkey, j->data, j->data_len,
                                                    j->data + j->data_len, j->sig_len);
      last = j;
    }
    pthread_mutex_lock(&w->lock);
    int was_empty = w->done_head == NULL;
    if (w->done_tail)
      w->done_tail->next = batch;
    else
      w->done_head = batch;
    w->done_tail = last;
    if (was_empty) {
      uint64_t one = 1;
      ssize_t n = write(w->efd, &one, sizeof(one)); /* only fails when the counter is full: already signalled */
      (void)n;
    }
  }
  pthread_mutex_unlock(&w->lock);
  if (have_crypto) sd_sigcrypto_clear(&crypto);
  return NULL;
}

/* ---- the loop side ------------------------------------------------------------------------ */

static void on_ready(evutil_socket_t fd, short what, void *arg) {
  sd_sigworker *w = arg;
  uint64_t count;
  (void)what;
  ssize_t n = read(fd, &count, sizeof(count));
  (void)n;
  pthread_mutex_lock(&w->lock);
  sd_sigjob *jobs = w->done_head;
  w->done_head = w->done_tail = NULL;
  pthread_mutex_unlock(&w->lock);
  for (sd_sigjob *j = jobs; j; j = j->next) w->outstanding--;
  /* Idle without jobs: the wakeup must not keep the loop running. */
  if (w->outstanding == 0) event_del(w->ready);
  if (jobs) w->done(w->ctx, jobs);
}

static void on_handover(evutil_socket_t fd, short what, void *arg);

sd_sigworker *sd_sigworker_new(struct event_base *base, sd_sigworker_done done, void *ctx) {
  sd_sigworker *w = calloc(1, sizeof(*w));
  if (!w) return NULL;
  w->done = done;
  w->ctx = ctx;
  w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  w->ready = w->efd >= 0 ? event_new(base, w->efd, EV_READ | EV_PERSIST, on_ready, w) : NULL;
  w->handover = event_new(base, -1, 0, on_handover, w);
  if (!w->ready || !w->handover) goto fail;
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->wake, NULL);
  if (pthread_create(&w->thread, NULL, work, w) != 0) {
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    goto fail;
  }
  pthread_setname_np(w->thread, "sd-sigworker"); /* for top, perf and gdb */
  return w;
fail:
  if (w->ready) event_free(w->ready);
  if (w->handover) event_free(w->handover);
  if (w->efd >= 0) close(w->efd);
  free(w);
  return NULL;
}

static void hand_over(sd_sigworker *w) {
  if (!w->batch_head) return;
  pthread_mutex_lock(&w->lock);
  if (w->todo_tail)
    w->todo_tail->next = w->batch_head;
  else
    w->todo_head = w->batch_head;
  w->todo_tail = w->batch_tail;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
  w->batch_head = w->batch_tail = NULL;
}

static void on_handover(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  hand_over(arg);
}

void sd_sigworker_submit(sd_sigworker *w, sd_sigjob *job) {
  job->next = NULL;
  if (w->outstanding++ == 0) event_add(w->ready, NULL);
  if (!w->batch_head) {
    const struct timeval now = {0, 0};
    if (event_add(w->handover, &now) != 0) {
      w->batch_head = w->batch_tail = job;
      hand_over(w); /* no event: hand it over at once */
      return;
    }
  }
  if (w->batch_tail)
    w->batch_tail->next = job;
  else
    w->batch_head = job;
  w->batch_tail = job;
}

void sd_sigworker_free(sd_sigworker *w) {
  if (!w) return;
  pthread_mutex_lock(&w->lock);
  w->stopping = 1;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  free_list(w->todo_head);
  free_list(w->done_head);
  free_list(w->batch_head);
  event_free(w->ready);
  event_free(w->handover);
  close(w->efd);
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->wake);
  free(w);
}
