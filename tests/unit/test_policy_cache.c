/* Unit test of core/policy_cache: one fetch per policy host while its
 * answer is kept, and memory bounded however many policy hosts a scan
 * meets. The fetches go to a closed port on 127.0.0.1, so each answers at
 * once (connection refused): the cache is what is tested, not HTTPS. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "core/policy_cache.h"

enum { HOSTS = SD_POLICY_CACHE_MAX + 600, WINDOW = 32 };

typedef struct stream {
  sd_policy_cache *cache;
  struct event_base *base;
  int next;          /* next policy host to ask for */
  int answers, again_answers;
  size_t max_size;
} stream;

typedef struct request {
  stream *st;
  int index;
  int again;
} request;

static const char *const loopback[] = {"127.0.0.1"};

static void domain_of(int i, char *out, size_t cap) { snprintf(out, cap, "d%05d.example.test", i); }

static void ask(stream *st, int index, int again);

static void on_answer(const sd_fetch_result *r, void *arg) {
  request *q = arg;
  stream *st = q->st;
  assert_int_equal(r->error, SD_FETCH_TCP);
  st->answers++;
  size_t size = sd_policy_cache_size(st->cache);
  if (size > st->max_size) st->max_size = size;
  int index = q->index, again = q->again;
  free(q);
  if (!again) {
    ask(st, index, 1); /* another row naming the same domain */
  } else {
    st->again_answers++;
    if (st->next < HOSTS) ask(st, st->next++, 0);
  }
}

static void ask(stream *st, int index, int again) {
  request *q = calloc(1, sizeof(*q));
  assert_non_null(q);
  *q = (request){st, index, again};
  char domain[64];
  domain_of(index, domain, sizeof domain);
  assert_int_equal(sd_policy_cache_fetch(st->cache, domain, loopback, 1, on_answer, q), 0);
}

/* A port nobody listens on: bound, then closed. */
static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  bind(fd, (struct sockaddr *)&a, len);
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

static void count_answer(const sd_fetch_result *r, void *arg) { (*(int *)arg)++; }

static void test_many_policy_hosts_bounded(void **state) {
  struct event_base *base = event_base_new();
  sd_fetch_options fo = {.timeout_ms = 5000, .connect_timeout_ms = 2000, .port = closed_port()};
  sd_fetcher *f = sd_fetcher_new(base, &fo);
  assert_non_null(f);
  stream st = {sd_policy_cache_new(f), base, 0, 0, 0, 0};
  assert_non_null(st.cache);
  for (; st.next < WINDOW; st.next++) ask(&st, st.next, 0);
  while (st.answers < 2 * HOSTS && event_base_loop(base, EVLOOP_ONCE) == 0) {
  }
  assert_int_equal(st.answers, 2 * HOSTS);
  assert_int_equal(st.again_answers, HOSTS);
  /* One request per policy host; the second row of each was answered from
   * the cache; never more than the bound (plus the fetches in flight). */
  assert_int_equal(sd_policy_cache_fetches(st.cache), HOSTS);
  assert_int_equal(sd_policy_cache_hits(st.cache), HOSTS);
  assert_true(st.max_size <= SD_POLICY_CACHE_MAX + WINDOW);
  assert_int_equal(sd_policy_cache_size(st.cache), SD_POLICY_CACHE_MAX);

  /* The least recently used answers went: the first host is fetched again,
   * the last is still answered from memory (at once). */
  char domain[64];
  int calls = 0;
  domain_of(HOSTS - 1, domain, sizeof domain);
  assert_int_equal(sd_policy_cache_fetch(st.cache, domain, loopback, 1, count_answer, &calls), 0);
  assert_int_equal(calls, 1);
  assert_int_equal(sd_policy_cache_fetches(st.cache), HOSTS);
  domain_of(0, domain, sizeof domain);
  assert_int_equal(sd_policy_cache_fetch(st.cache, domain, loopback, 1, count_answer, &calls), 0);
  assert_int_equal(sd_policy_cache_fetches(st.cache), HOSTS + 1);
  while (calls < 2 && event_base_loop(base, EVLOOP_ONCE) == 0) {
  }
  assert_int_equal(calls, 2);
  sd_fetcher_free(f);
  sd_policy_cache_free(st.cache);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_policy_hosts_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
