/*
 * Integration tests for the SMTP STARTTLS prober against tiny scripted SMTP
 * servers running in threads of this process on 127.0.0.1 (and ::1 when
 * available), ephemeral ports, with a self-signed certificate made here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "result/probe_copy.h"
#include "smtp/ehlo_name.h"
#include "smtp/prober.h"

/* ---- scripted servers -------------------------------------------------- */

typedef enum script {
  SRV_GOOD,
  SRV_NO_STARTTLS,
  SRV_BANNER_554,
  SRV_BANNER_421,
  SRV_DRIP,
  SRV_ENDLESS,
  SRV_GARBAGE_AFTER_STARTTLS,
  SRV_CLOSE_AFTER_GREETING,
  SRV_EHLO_REJECTED,
  SRV_STARTTLS_REJECTED,
  SRV_STARTTLS_454_ONCE, /* 454 to the first connection's STARTTLS, then good */
} script;

#define MAX_CONNS 64

typedef struct server {
  script sc;
  int lfd;
  uint16_t port;
  int greet_delay_ms;
  pthread_t thread;
  atomic_int stop;
  atomic_int accepted;
  atomic_int active;
  atomic_int max_active;
  pthread_mutex_t mu;
  char sni_seen[256];
  int sni_recorded;
  pthread_t conns[MAX_CONNS];
  double accepted_ms[MAX_CONNS]; /* when each connection was accepted */
  int nconns;
} server;

typedef struct conn_arg {
  server *srv;
  int fd;
} conn_arg;

static SSL_CTX *g_server_ctx;
static unsigned char *g_cert_der;
static int g_cert_der_len;

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int send_str(int fd, const char *s) {
  size_t n = strlen(s);
  return send(fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Reads one line (blocking, with the socket's receive timeout). */
static int read_line(int fd, char *buf, size_t cap) {
  size_t n = 0;
  while (n + 1 < cap) {
    char c;
    ssize_t r = recv(fd, &c, 1, 0);
    if (r <= 0) return -1;
    buf[n++] = c;
    if (c == '\n') break;
  }
  buf[n] = '\0';
  return (int)n;
}

static void make_server_ctx(void) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  assert_non_null(key);
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"mx.self-signed.test", -1,
                             -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  assert_true(X509_sign(x, key, EVP_sha256()) > 0);
  g_server_ctx = SSL_CTX_new(TLS_server_method());
  assert_int_equal(SSL_CTX_use_certificate(g_server_ctx, x), 1);
  assert_int_equal(SSL_CTX_use_PrivateKey(g_server_ctx, key), 1);
  g_cert_der_len = i2d_X509(x, &g_cert_der);
  X509_free(x);
  EVP_PKEY_free(key);
}

static void record_sni(server *s, SSL *ssl) {
  const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  pthread_mutex_lock(&s->mu);
  snprintf(s->sni_seen, sizeof s->sni_seen, "%s", sni ? sni : "");
  s->sni_recorded = 1;
  pthread_mutex_unlock(&s->mu);
}

static void serve_tls(server *s, int fd) {
  SSL *ssl = SSL_new(g_server_ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    record_sni(s, ssl);
    char buf[256];
    int n = SSL_read(ssl, buf, sizeof buf - 1);
    if (n > 0 && strncmp(buf, "QUIT", 4) == 0) SSL_write(ssl, "221 bye\r\n", 9);
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
}

static void run_script(server *s, int fd) {
  char line[1024];
  if (s->greet_delay_ms) sleep_ms(s->greet_delay_ms);
  switch (s->sc) {
  case SRV_BANNER_554:
    send_str(fd, "554 5.7.1 no service for you\r\n");
    if (read_line(fd, line, sizeof line) > 0) send_str(fd, "221 bye\r\n");
    return;
  case SRV_BANNER_421:
    send_str(fd, "421 4.3.2 try later\r\n");
    return;
  case SRV_DRIP: {
    const char *g = "220 slow.example ESMTP\r\n";
    for (size_t i = 0; g[i] && !s->stop; i++) {
      if (send(fd, g + i, 1, MSG_NOSIGNAL) != 1) return;
      sleep_ms(100);
    }
    return;
  }
  case SRV_CLOSE_AFTER_GREETING:
    send_str(fd, "220 closing.example ESMTP\r\n");
    return;
  default:
    break;
  }
  send_str(fd, "220 test.example ESMTP\r\n");
  if (read_line(fd, line, sizeof line) <= 0) return;
  switch (s->sc) {
  case SRV_NO_STARTTLS:
    send_str(fd, "250-test.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
    break;
  case SRV_EHLO_REJECTED:
    send_str(fd, "502 5.5.2 EHLO not implemented\r\n");
    if (read_line(fd, line, sizeof line) <= 0 || strncmp(line, "HELO ", 5) != 0) return;
    send_str(fd, "250 test.example\r\n");
    break;
  case SRV_ENDLESS:
    while (!s->stop && send_str(fd, "250-this reply never ends, it goes on and on and on\r\n") == 0) {
    }
    return;
  default:
    send_str(fd, "250-test.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    if (read_line(fd, line, sizeof line) <= 0 || strcmp(line, "STARTTLS\r\n") != 0) return;
    if (s->sc == SRV_STARTTLS_REJECTED || (s->sc == SRV_STARTTLS_454_ONCE && atomic_load(&s->accepted) == 1)) {
      send_str(fd, "454 4.7.0 TLS not available\r\n");
      break;
    }
    send_str(fd, "220 2.0.0 go ahead\r\n");
    if (s->sc == SRV_GARBAGE_AFTER_STARTTLS) {
      char hello[512];
      if (recv(fd, hello, sizeof hello, 0) <= 0) return; /* the ClientHello */
      send_str(fd, "HTTP/1.0 400 this is not TLS at all\r\n\r\n");
      while (recv(fd, hello, sizeof hello, 0) > 0) {
      }
      return;
    }
    serve_tls(s, fd);
    return;
  }
  if (read_line(fd, line, sizeof line) > 0 && strncmp(line, "QUIT", 4) == 0) send_str(fd, "221 bye\r\n");
}

static void *conn_main(void *arg) {
  conn_arg *ca = arg;
  server *s = ca->srv;
  int now = atomic_fetch_add(&s->active, 1) + 1;
  int prev = atomic_load(&s->max_active);
  while (now > prev && !atomic_compare_exchange_weak(&s->max_active, &prev, now)) {
  }
  run_script(s, ca->fd);
  atomic_fetch_sub(&s->active, 1);
  close(ca->fd);
  free(ca);
  return NULL;
}

static void *accept_main(void *arg) {
  server *s = arg;
  while (!s->stop) {
    struct pollfd pfd = {s->lfd, POLLIN, 0};
    if (poll(&pfd, 1, 20) <= 0) continue;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0) continue;
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    atomic_fetch_add(&s->accepted, 1);
    conn_arg *ca = malloc(sizeof *ca);
    ca->srv = s;
    ca->fd = fd;
    if (s->nconns < MAX_CONNS) s->accepted_ms[s->nconns] = now_ms();
    if (s->nconns >= MAX_CONNS || pthread_create(&s->conns[s->nconns], NULL, conn_main, ca) != 0) {
      close(fd);
      free(ca);
      continue;
    }
    s->nconns++;
  }
  for (int i = 0; i < s->nconns; i++) pthread_join(s->conns[i], NULL);
  return NULL;
}

/* Starts a server on the loopback of the given family; NULL if unavailable. */
static server *server_start(script sc, int family) {
  server *s = calloc(1, sizeof *s);
  s->sc = sc;
  pthread_mutex_init(&s->mu, NULL);
  s->lfd = socket(family, SOCK_STREAM, 0);
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&ss, len) != 0 || listen(s->lfd, 64) != 0) {
    if (s->lfd >= 0) close(s->lfd);
    free(s);
    return NULL;
  }
  getsockname(s->lfd, (struct sockaddr *)&ss, &len);
  s->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
  pthread_create(&s->thread, NULL, accept_main, s);
  return s;
}

static void server_stop(server *s) {
  s->stop = 1;
  pthread_join(s->thread, NULL);
  close(s->lfd);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* A port nobody listens on: bound, then closed. */
static uint16_t closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, (struct sockaddr *)&a, len);
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

/* ---- client side helpers ------------------------------------------------ */

typedef struct run {
  struct event_base *base;
  int outstanding;
} run;

typedef struct got {
  run *r;
  int calls;
  const sd_probe_result *res;  /* a copy: the prober's own is valid only during the callback */
  double at_ms;
  const sd_probe_result *live; /* the prober's entry, to tell shared answers apart (never read) */
  int seq;                     /* 1 for the first answer of the test, 2 for the next, ... */
} got;

static int answers_so_far;

/* Every copy made, freed after the tests. */
typedef struct kept {
  sd_probe_result res;
  struct kept *next;
} kept;
static kept *copies;

static int free_copies(void **state) {
  while (copies) {
    kept *next = copies->next;
    sd_probe_result_clear(&copies->res);
    free(copies);
    copies = next;
  }
  return 0;
}

static void on_result(const sd_probe_result *res, void *arg) {
  got *g = arg;
  kept *k = calloc(1, sizeof(*k));
  assert_non_null(k);
  sd_probe_result_copy(&k->res, res);
  k->next = copies;
  copies = k;
  g->calls++;
  g->res = &k->res;
  g->live = res;
  g->at_ms = now_ms();
  g->seq = ++answers_so_far;
  if (--g->r->outstanding == 0) event_base_loopexit(g->r->base, NULL);
}

static sd_probe_options fast_options(void) {
  sd_probe_options o;
  memset(&o, 0, sizeof o);
  o.connect_timeout_ms = 2000;
  o.command_timeout_ms = 2000;
  o.tls_timeout_ms = 2000;
  o.total_timeout_ms = 5000;
  return o;
}

static void dispatch_with_guard(run *r, int guard_ms) {
  struct timeval tv = {guard_ms / 1000, (guard_ms % 1000) * 1000};
  event_base_loopexit(r->base, &tv);
  event_base_dispatch(r->base);
}

/* Runs one probe to completion; the prober is returned for inspection. */
static sd_prober *probe_one(struct event_base *base, const sd_probe_options *o, const char *ip,
                            uint16_t port, const char *sni, got *g, run *r) {
  sd_prober *p = sd_prober_new(base, o);
  assert_non_null(p);
  r->base = base;
  r->outstanding = 1;
  g->r = r;
  assert_int_equal(sd_probe_start(p, ip, port, sni, on_result, g), 0);
  assert_int_equal(g->calls, 0); /* never called from within sd_probe_start */
  dispatch_with_guard(r, 10000);
  assert_int_equal(g->calls, 1);
  return p;
}

/* ---- tests ------------------------------------------------------------- */

static void test_good_starttls(void **state) {
  server *s = server_start(SRV_GOOD, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  const sd_probe_result *res = g.res;
  assert_int_equal(res->status, SD_PROBE_OK);
  assert_null(res->failed_step);
  assert_int_equal(res->banner_code, 220);
  assert_string_equal(res->banner, "220 test.example ESMTP");
  assert_int_equal(res->starttls_offered, 1);
  assert_non_null(strstr(res->ehlo, "250 STARTTLS"));
  assert_string_equal(res->tls_version, "TLSv1.3");
  assert_non_null(res->tls_cipher);
  assert_int_equal(res->chain.count, 1);
  assert_int_equal(res->chain.certs[0].len, (size_t)g_cert_der_len);
  assert_memory_equal(res->chain.certs[0].der, g_cert_der, (size_t)g_cert_der_len);
  assert_string_equal(res->ip, "127.0.0.1");
  assert_string_equal(res->sni, "mx.example.test");
  assert_int_equal(res->port, s->port);
  assert_int_equal(res->attempts, 1);
  assert_int_equal(sd_prober_connections(p), 1);
  assert_string_equal(sd_probe_status_name(res->status), "ok");
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s); /* joins the server threads, so the SNI is recorded */
}

static void test_sni_sent_but_not_for_ip_literal(void **state) {
  server *s = server_start(SRV_GOOD, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "MX.Example.TEST", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_OK);
  sd_prober_free(p);
  sleep_ms(100);
  pthread_mutex_lock(&s->mu);
  assert_string_equal(s->sni_seen, "MX.Example.TEST");
  pthread_mutex_unlock(&s->mu);

  got g2 = {0};
  p = probe_one(base, &o, "127.0.0.1", s->port, "127.0.0.1", &g2, &r);
  assert_int_equal(g2.res->status, SD_PROBE_OK);
  sd_prober_free(p);
  event_base_free(base);
  sleep_ms(100);
  pthread_mutex_lock(&s->mu);
  assert_true(s->sni_recorded);
  assert_string_equal(s->sni_seen, ""); /* RFC 6066: no IP literal in SNI */
  pthread_mutex_unlock(&s->mu);
  server_stop(s);
}

static void test_ipv6_literal(void **state) {
  server *s = server_start(SRV_GOOD, AF_INET6);
  if (!s) skip();
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "0:0::1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_OK);
  assert_string_equal(g.res->ip, "::1"); /* canonical form */
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_no_starttls(void **state) {
  server *s = server_start(SRV_NO_STARTTLS, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, NULL, &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_NO_STARTTLS);
  assert_string_equal(g.res->failed_step, "ehlo");
  assert_int_equal(g.res->starttls_offered, 0);
  assert_string_equal(g.res->ehlo, "250-test.example\n250-PIPELINING\n250 SIZE 1000");
  assert_null(g.res->sni);
  assert_int_equal(g.res->chain.count, 0);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_ehlo_rejected_helo_fallback(void **state) {
  server *s = server_start(SRV_EHLO_REJECTED, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_NO_STARTTLS);
  assert_int_equal(g.res->starttls_offered, 0);
  assert_non_null(strstr(g.res->detail, "HELO accepted"));
  assert_non_null(strstr(g.res->ehlo, "502"));
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_starttls_rejected(void **state) {
  server *s = server_start(SRV_STARTTLS_REJECTED, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  o.retry_backoff_ms = 10;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_STARTTLS_REJECTED);
  assert_string_equal(g.res->failed_step, "starttls");
  assert_int_equal(g.res->starttls_offered, 1);
  assert_non_null(strstr(g.res->detail, "454 4.7.0 TLS not available"));
  /* A 4xx is "not now": retried (bounded) before it is judged. */
  assert_int_equal(g.res->attempts, 1 + SD_PROBE_SOFT_RETRIES);
  assert_int_equal(g.res->reply_code, 454);
  assert_non_null(g.res->transient_error);
  assert_int_equal(sd_prober_connections(p), 1 + SD_PROBE_SOFT_RETRIES);
  /* The soft failure is not cached: a later request probes again. */
  got g2 = {0};
  r.outstanding = 1;
  g2.r = &r;
  assert_int_equal(sd_probe_start(p, "127.0.0.1", s->port, "mx.example.test", on_result, &g2), 0);
  dispatch_with_guard(&r, 10000);
  assert_int_equal(g2.calls, 1);
  assert_int_equal(sd_prober_connections(p), 2 * (1 + SD_PROBE_SOFT_RETRIES));
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

/* 454 once (a transient Postfix condition), then fine: the same result as a
 * healthy server, with the attempt and the retried error recorded. */
static void test_starttls_454_once_retried(void **state) {
  server *s = server_start(SRV_STARTTLS_454_ONCE, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.retry_backoff_ms = 10;
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_OK);
  assert_true(g.res->chain.count > 0);
  assert_int_equal(g.res->attempts, 2);
  assert_non_null(g.res->transient_error);
  assert_non_null(strstr(g.res->transient_error, "454"));
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_banner_554(void **state) {
  server *s = server_start(SRV_BANNER_554, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.retries = 2; /* a 5xx greeting is permanent: no retry */
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_BANNER_REJECT);
  assert_string_equal(g.res->failed_step, "banner");
  assert_int_equal(g.res->banner_code, 554);
  assert_string_equal(g.res->banner, "554 5.7.1 no service for you");
  assert_int_equal(g.res->starttls_offered, -1);
  assert_int_equal(g.res->attempts, 1);
  assert_int_equal(sd_prober_connections(p), 1);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_banner_421_retried(void **state) {
  server *s = server_start(SRV_BANNER_421, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.retries = 1;
  o.retry_backoff_ms = 50;
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_BANNER_REJECT);
  assert_int_equal(g.res->banner_code, 421);
  assert_int_equal(g.res->attempts, 2);
  assert_int_equal(sd_prober_connections(p), 2);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_refused(void **state) {
  uint16_t port = closed_port();
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.retries = 3; /* refused is not transient */
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_CONNECT_REFUSED);
  assert_string_equal(g.res->failed_step, "connect");
  char want[64];
  snprintf(want, sizeof want, "connect to 127.0.0.1:%u: connection refused", (unsigned)port);
  assert_string_equal(g.res->detail, want);
  assert_int_equal(g.res->attempts, 1);
  sd_prober_free(p);
  event_base_free(base);
}

static void test_drip_feed_hits_reply_timeout(void **state) {
  server *s = server_start(SRV_DRIP, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.command_timeout_ms = 400;
  got g = {0};
  run r;
  double t0 = now_ms();
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  double took = g.at_ms - t0;
  assert_int_equal(g.res->status, SD_PROBE_TIMEOUT);
  assert_string_equal(g.res->failed_step, "banner");
  assert_string_equal(g.res->detail, "timeout waiting for greeting after 400 ms");
  assert_true(took >= 380 && took < 1500);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_total_timeout(void **state) {
  server *s = server_start(SRV_DRIP, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.total_timeout_ms = 300;
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_TIMEOUT);
  assert_non_null(strstr(g.res->detail, "total time limit of 300 ms"));
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_timeout_is_retried(void **state) {
  server *s = server_start(SRV_DRIP, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.command_timeout_ms = 150;
  o.retries = 1;
  o.retry_backoff_ms = 20;
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_TIMEOUT);
  assert_int_equal(g.res->attempts, 2);
  assert_int_equal(sd_prober_connections(p), 2);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_endless_multiline(void **state) {
  server *s = server_start(SRV_ENDLESS, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.max_reply_bytes = 8192;
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_PROTOCOL_ERROR);
  assert_string_equal(g.res->failed_step, "ehlo");
  assert_non_null(strstr(g.res->detail, "reply longer than 8192 bytes"));
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_garbage_after_starttls(void **state) {
  server *s = server_start(SRV_GARBAGE_AFTER_STARTTLS, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  double t0 = now_ms();
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_TLS_FAILED);
  assert_string_equal(g.res->failed_step, "tls");
  assert_non_null(strstr(g.res->detail, "TLS handshake failed: error:"));
  assert_true(g.at_ms - t0 < 1000); /* quickly, not at the TLS timeout */
  assert_int_equal(g.res->chain.count, 0);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_close_after_greeting(void **state) {
  server *s = server_start(SRV_CLOSE_AFTER_GREETING, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  got g = {0};
  run r;
  sd_prober *p = probe_one(base, &o, "127.0.0.1", s->port, "mx.example.test", &g, &r);
  assert_int_equal(g.res->status, SD_PROBE_PROTOCOL_ERROR);
  assert_string_equal(g.res->failed_step, "ehlo");
  assert_true(strstr(g.res->detail, "closed") || strstr(g.res->detail, "reset"));
  assert_string_equal(g.res->banner, "220 closing.example ESMTP");
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_joined_and_cached(void **state) {
  server *s = server_start(SRV_GOOD, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  sd_prober *p = sd_prober_new(base, &o);
  run r = {base, 2};
  got a = {.r = &r}, b = {.r = &r};
  assert_int_equal(sd_probe_start(p, "127.0.0.1", s->port, "mx.example.test", on_result, &a), 0);
  assert_int_equal(sd_probe_start(p, "127.0.0.1", s->port, "mx.example.test", on_result, &b), 0);
  dispatch_with_guard(&r, 10000);
  assert_int_equal(a.calls, 1);
  assert_int_equal(b.calls, 1);
  assert_ptr_equal(a.live, b.live);
  assert_int_equal(a.res->status, SD_PROBE_OK);
  assert_int_equal(sd_prober_connections(p), 1);

  /* Answered from the cache, still from the loop and not synchronously. */
  got c = {.r = &r};
  r.outstanding = 1;
  assert_int_equal(sd_probe_start(p, "127.0.0.1", s->port, "mx.example.test", on_result, &c), 0);
  assert_int_equal(c.calls, 0);
  dispatch_with_guard(&r, 10000);
  assert_int_equal(c.calls, 1);
  assert_ptr_equal(c.live, a.live);
  assert_int_equal(sd_prober_connections(p), 1);
  assert_int_equal(atomic_load(&s->accepted), 1);

  /* A different SNI is a different key. */
  got d = {.r = &r};
  r.outstanding = 1;
  assert_int_equal(sd_probe_start(p, "127.0.0.1", s->port, "other.example.test", on_result, &d), 0);
  dispatch_with_guard(&r, 10000);
  assert_int_equal(d.calls, 1);
  assert_ptr_not_equal(d.live, a.live);
  assert_int_equal(sd_prober_connections(p), 2);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

/* Many distinct addresses (more than the index tables start with, so they
 * grow): each is probed once, and a later request for any of them is
 * answered from its entry, with the per-address cap counted per address. */
static void test_many_addresses_indexed(void **state) {
  enum { N = 600 };
  uint16_t port = closed_port();
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.per_address_limit = 1;
  sd_prober *p = sd_prober_new(base, &o);
  run r = {base, N};
  static got g[N];
  char ip[32];
  for (int i = 0; i < N; i++) {
    g[i] = (got){.r = &r};
    snprintf(ip, sizeof ip, "127.0.%d.%d", 1 + i / 250, 1 + i % 250);
    assert_int_equal(sd_probe_start(p, ip, port, "mx.example.test", on_result, &g[i]), 0);
  }
  dispatch_with_guard(&r, 20000);
  for (int i = 0; i < N; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].res->status, SD_PROBE_CONNECT_REFUSED);
  }
  assert_int_equal(sd_prober_connections(p), N);
  got again = {.r = &r};
  r.outstanding = 1;
  assert_int_equal(sd_probe_start(p, "127.0.2.99", port, "mx.example.test", on_result, &again), 0);
  dispatch_with_guard(&r, 10000);
  assert_ptr_equal(again.live, g[348].live); /* 127.0.2.99: i / 250 = 1, 1 + i % 250 = 99 */
  assert_int_equal(sd_prober_connections(p), N);
  sd_prober_free(p);
  event_base_free(base);
}

/* A scan's stream of MX addresses, far more than the cache may hold: a
 * window of requests in flight, each address asked for again by a "later
 * domain" once its first answer is in. Memory stays flat (the index and the
 * cached results stay under their bounds however many addresses pass), each
 * address is connected to once (the second request is answered from its
 * kept result), and the least recently used results are the ones gone. */
enum { STREAM_N = 50000, STREAM_WINDOW = 256 };

typedef struct stream {
  sd_prober *p;
  struct event_base *base;
  uint16_t port;
  int next;           /* next address to ask for */
  int answers;        /* callbacks so far */
  int again_answers;  /* second requests answered */
  size_t max_indexed, max_cached_bytes, max_addresses;
} stream;

typedef struct stream_req {
  stream *st;
  int index;
  int again;          /* the second request for this address */
} stream_req;

static void stream_ip(int i, char *ip, size_t cap) {
  snprintf(ip, cap, "127.%d.%d.%d", 1 + i / 62500, 1 + (i / 250) % 250, 1 + i % 250);
}

static void stream_ask(stream *st, int index, int again);

static void on_stream_answer(const sd_probe_result *res, void *arg) {
  stream_req *q = arg;
  stream *st = q->st;
  assert_int_equal(res->status, SD_PROBE_CONNECT_REFUSED);
  char ip[32];
  stream_ip(q->index, ip, sizeof ip);
  assert_string_equal(res->ip, ip);
  st->answers++;
  sd_prober_stat ps;
  sd_prober_stats(st->p, &ps);
  if (ps.indexed > st->max_indexed) st->max_indexed = ps.indexed;
  if (ps.cached_bytes > st->max_cached_bytes) st->max_cached_bytes = ps.cached_bytes;
  if (ps.addresses > st->max_addresses) st->max_addresses = ps.addresses;
  if (q->again) {
    st->again_answers++;
    if (st->next < STREAM_N) stream_ask(st, st->next++, 0); /* the window moves on */
  } else {
    stream_ask(st, q->index, 1); /* a later domain with the same MX */
  }
  free(q);
  if (st->answers == 2 * STREAM_N) event_base_loopexit(st->base, NULL);
}

static void stream_ask(stream *st, int index, int again) {
  stream_req *q = calloc(1, sizeof(*q));
  assert_non_null(q);
  *q = (stream_req){st, index, again};
  char ip[32];
  stream_ip(index, ip, sizeof ip);
  assert_int_equal(sd_probe_start(st->p, ip, st->port, "mx.example.test", on_stream_answer, q), 0);
}

/* Streams STREAM_N addresses through a prober with cache_bytes (0: the
 * default), each asked for twice; every answer is in and every address was
 * connected to once. The prober is returned for more checks. */
static sd_prober *stream_through(struct event_base *base, size_t cache_bytes, stream *st) {
  sd_probe_options o = fast_options();
  o.cache_bytes = cache_bytes;
  sd_prober *p = sd_prober_new(base, &o);
  *st = (stream){p, base, closed_port(), 0, 0, 0, 0, 0, 0};
  for (; st->next < STREAM_WINDOW; st->next++) stream_ask(st, st->next, 0);
  run r = {base, 1};
  dispatch_with_guard(&r, 120000);
  assert_int_equal(st->answers, 2 * STREAM_N);
  assert_int_equal(st->again_answers, STREAM_N);
  assert_int_equal(sd_prober_connections(p), STREAM_N); /* each address probed once */
  return p;
}

static void test_stream_of_addresses_bounded(void **state) {
  struct event_base *base = event_base_new();
  const size_t budget = 256 * 1024;
  stream st;
  sd_prober *p = stream_through(base, budget, &st);
  run r = {base, 1};
  sd_prober_stat ps;
  sd_prober_stats(p, &ps);
  assert_true(st.max_cached_bytes <= budget);
  /* Kept results fit the budget (a refused result is a few hundred bytes),
   * plus the window in flight: thousands, never the 50,000 seen. */
  size_t cached_bound = budget / sizeof(void *) / 16;
  assert_true(ps.cached > 100);
  assert_true(ps.cached <= cached_bound);
  assert_true(st.max_indexed <= cached_bound + 2 * STREAM_WINDOW);
  assert_true(st.max_addresses <= 2 * STREAM_WINDOW);
  assert_int_equal(ps.unfinished, 0);
  assert_int_equal(ps.addresses, 0); /* counters go with the last unfinished entry */
  assert_int_equal(ps.retired, 0);
  assert_int_equal(ps.indexed, ps.cached);

  /* The most recent address is still answered from memory; the first one
   * was evicted long ago and is probed again. */
  char ip[32];
  got recent = {.r = &r}, first = {.r = &r};
  stream_ip(STREAM_N - 1, ip, sizeof ip);
  r.outstanding = 1;
  assert_int_equal(sd_probe_start(p, ip, st.port, "mx.example.test", on_result, &recent), 0);
  dispatch_with_guard(&r, 10000);
  assert_int_equal(sd_prober_connections(p), STREAM_N);
  stream_ip(0, ip, sizeof ip);
  r.outstanding = 1;
  assert_int_equal(sd_probe_start(p, ip, st.port, "mx.example.test", on_result, &first), 0);
  dispatch_with_guard(&r, 10000);
  assert_int_equal(first.calls, 1);
  assert_int_equal(first.res->status, SD_PROBE_CONNECT_REFUSED);
  assert_int_equal(sd_prober_connections(p), STREAM_N + 1);
  sd_prober_free(p);
  event_base_free(base);
}

/* The default budget (0 asks for it): a stream of 50,000 refused results,
 * about 15 MB of them, is held to SD_PROBE_DEFAULT_CACHE_BYTES (8 MiB), with
 * every address still probed exactly once and asked for again from memory.
 * With the former 32 MiB default nothing was evicted and the cache held all
 * 15 MB (docs/bench.md, "Where the memory goes"). */
static void test_default_budget_bounded(void **state) {
  struct event_base *base = event_base_new();
  stream st;
  sd_prober *p = stream_through(base, 0, &st);
  sd_prober_stat ps;
  sd_prober_stats(p, &ps);
  assert_int_equal(ps.cache_budget, SD_PROBE_DEFAULT_CACHE_BYTES);
  assert_true(st.max_cached_bytes <= 8u * 1024 * 1024);
  assert_true(ps.cached < STREAM_N / 2); /* the oldest went */
  assert_int_equal(ps.answered_cached, STREAM_N); /* every second request answered from memory */
  sd_prober_free(p);
  event_base_free(base);
}

/* Probes n SNI names (n distinct keys) on one no-STARTTLS server at
 * 127.0.0.1:port and checks each got its answer within guard_ms. */
static void probe_many_names(struct event_base *base, sd_prober *p, uint16_t port, int n, int guard_ms) {
  run r = {base, n};
  got g[16];
  char sni[16][32];
  assert_true(n <= 16);
  for (int i = 0; i < n; i++) {
    g[i] = (got){.r = &r};
    snprintf(sni[i], sizeof sni[i], "mx%d.example.test", i);
    assert_int_equal(sd_probe_start(p, "127.0.0.1", port, sni[i], on_result, &g[i]), 0);
  }
  dispatch_with_guard(&r, guard_ms);
  for (int i = 0; i < n; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].res->status, SD_PROBE_NO_STARTTLS);
  }
}

/* One connection at a time: each was accepted at least the greeting delay
 * after the one before, since the client connects again only after the
 * previous greeting (which the server sends that long after accepting).
 * Times taken where they cannot be late: the server's count of sessions
 * open is no proof, its threads may notice a close after the next accept. */
static void assert_one_at_a_time(const server *s, int n, int greet_delay_ms) {
  assert_int_equal(s->nconns, n);
  for (int i = 1; i < n; i++) assert_true(s->accepted_ms[i] - s->accepted_ms[i - 1] >= greet_delay_ms);
}

/* With one connection slot, requests for many addresses wait for it: none
 * fails, and no more than one connection is ever open. */
static void test_connection_slots_wait(void **state) {
  server *s = server_start(SRV_NO_STARTTLS, AF_INET);
  s->greet_delay_ms = 30;
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.max_connections = 1;
  o.per_address_limit = 10;
  sd_prober *p = sd_prober_new(base, &o);
  probe_many_names(base, p, s->port, 5, 10000);
  assert_one_at_a_time(s, 5, 30);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

/* With one connection slot, addresses take turns: a provider that gives
 * each customer its own MX name on one address queues a probe per name
 * there, and that backlog must not hold back the MX hosts queued after it
 * (one global first-in first-out queue would start all of address A's
 * probes before B's first: A A A A B B B B). */
static void test_addresses_take_turns(void **state) {
  enum { PER = 4 };
  uint16_t port = closed_port();
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.max_connections = 1;
  o.per_address_limit = 2;
  sd_prober *p = sd_prober_new(base, &o);
  run r = {base, 2 * PER};
  got g[2 * PER];
  char sni[32];
  answers_so_far = 0;
  for (int i = 0; i < 2 * PER; i++) {
    memset(&g[i], 0, sizeof g[i]);
    g[i].r = &r;
    snprintf(sni, sizeof sni, "mx%d.example.test", i);
    assert_int_equal(sd_probe_start(p, i < PER ? "127.0.0.1" : "127.0.0.2", port, sni, on_result, &g[i]), 0);
  }
  dispatch_with_guard(&r, 10000);
  for (int i = 0; i < 2 * PER; i++) {
    assert_int_equal(g[i].calls, 1);
    assert_int_equal(g[i].res->status, SD_PROBE_CONNECT_REFUSED);
  }
  /* A1 A2 B1 A3 B2 A4 B3 B4: B's first probe is the third to start. */
  assert_true(g[PER].seq <= 3);
  assert_true(g[PER].seq < g[PER - 2].seq);
  for (int i = 1; i < PER; i++) assert_true(g[i].seq > g[i - 1].seq);             /* each address: oldest first */
  for (int i = PER + 1; i < 2 * PER; i++) assert_true(g[i].seq > g[i - 1].seq);
  sd_prober_free(p);
  event_base_free(base);
}

static void test_rate_limit(void **state) {
  server *s = server_start(SRV_NO_STARTTLS, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.rate = 20;
  o.per_address_limit = 10;
  sd_prober *p = sd_prober_new(base, &o);
  double t0 = now_ms();
  probe_many_names(base, p, s->port, 10, 10000);
  double took = now_ms() - t0;
  assert_int_equal(sd_prober_connections(p), 10);
  assert_true(took >= 420); /* 9 gaps of 50 ms */
  assert_true(took < 3000);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
}

static void test_per_address_limit_observed(void **state) {
  server *s = server_start(SRV_NO_STARTTLS, AF_INET);
  s->greet_delay_ms = 80;
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  o.per_address_limit = 1;
  sd_prober *p = sd_prober_new(base, &o);
  run r = {base, 3};
  got g[3];
  const char *snis[3] = {"a.test", "b.test", "c.test"};
  for (int i = 0; i < 3; i++) {
    memset(&g[i], 0, sizeof g[i]);
    g[i].r = &r;
    sd_probe_start(p, "127.0.0.1", s->port, snis[i], on_result, &g[i]);
  }
  /* One runs, two wait for the address's slot: what the scan's gate on
   * starting more domains reads (scan/run.c, may_start). */
  assert_int_equal(sd_prober_queued(p), 2);
  dispatch_with_guard(&r, 10000);
  assert_int_equal(sd_prober_queued(p), 0);
  for (int i = 0; i < 3; i++) assert_int_equal(g[i].calls, 1);
  assert_one_at_a_time(s, 3, 80);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);

  /* And with a limit of 3 they overlap. */
  s = server_start(SRV_NO_STARTTLS, AF_INET);
  s->greet_delay_ms = 150;
  base = event_base_new();
  o.per_address_limit = 3;
  p = sd_prober_new(base, &o);
  r.base = base;
  r.outstanding = 3;
  for (int i = 0; i < 3; i++) {
    memset(&g[i], 0, sizeof g[i]);
    g[i].r = &r;
    sd_probe_start(p, "127.0.0.1", s->port, snis[i], on_result, &g[i]);
  }
  dispatch_with_guard(&r, 10000);
  int max_active = atomic_load(&s->max_active);
  sd_prober_free(p);
  event_base_free(base);
  server_stop(s);
  assert_true(max_active > 1);
}

static void test_free_with_probe_in_flight(void **state) {
  server *s = server_start(SRV_DRIP, AF_INET);
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  sd_prober *p = sd_prober_new(base, &o);
  run r = {base, 1};
  got g = {.r = &r};
  assert_int_equal(sd_probe_start(p, "127.0.0.1", s->port, "mx.example.test", on_result, &g), 0);
  dispatch_with_guard(&r, 150); /* connected and reading the greeting */
  assert_int_equal(g.calls, 0);
  sd_prober_free(p);
  dispatch_with_guard(&r, 300); /* nothing may fire after free */
  assert_int_equal(g.calls, 0);
  event_base_free(base);
  server_stop(s);
}

typedef struct free_from_cb {
  sd_prober *p;
  int calls;
} free_from_cb;

static void free_in_callback(const sd_probe_result *res, void *arg) {
  free_from_cb *f = arg;
  f->calls++;
  sd_prober_free(f->p);
}

static void test_free_from_callback(void **state) {
  uint16_t port = closed_port();
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  free_from_cb f = {sd_prober_new(base, &o), 0};
  sd_probe_start(f.p, "127.0.0.1", port, NULL, free_in_callback, &f);
  sd_probe_start(f.p, "127.0.0.1", port, NULL, free_in_callback, &f); /* joined */
  run r = {base, 1};
  dispatch_with_guard(&r, 500);
  assert_int_equal(f.calls, 1); /* the second callback is dropped by the free */
  event_base_free(base);
}

static void test_bad_arguments(void **state) {
  struct event_base *base = event_base_new();
  sd_probe_options o = fast_options();
  sd_prober *p = sd_prober_new(base, &o);
  got g = {0};
  assert_int_equal(sd_probe_start(p, "mx.example.com", 25, NULL, on_result, &g), -1);
  assert_int_equal(sd_probe_start(p, "300.1.1.1", 25, NULL, on_result, &g), -1);
  assert_int_equal(sd_probe_start(p, NULL, 25, NULL, on_result, &g), -1);
  assert_int_equal(sd_probe_start(p, "127.0.0.1", 25, NULL, NULL, &g), -1);
  assert_int_equal(sd_prober_connections(p), 0);
  sd_prober_free(p);
  o.ehlo_name = "evil\r\nMAIL FROM:<x>";
  assert_null(sd_prober_new(base, &o));
  o.ehlo_name = "";
  assert_null(sd_prober_new(base, &o));
  event_base_free(base);
}

/* The default EHLO name is the machine's name when that is fully qualified,
 * else its canonical name or the fallback: always a name with a dot. */
static void test_ehlo_default_name(void **state) {
  (void)state;
  char name[256], host[256] = "";
  sd_ehlo_default_name(name, sizeof(name));
  assert_non_null(strchr(name, '.'));
  assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
  if (strchr(host, '.')) assert_string_equal(name, host);
  char tiny[4];
  sd_ehlo_default_name(tiny, sizeof(tiny)); /* truncated, terminated */
  assert_true(strlen(tiny) < sizeof(tiny));
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* the scripted servers write to closed sockets */
  make_server_ctx();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_starttls),
      cmocka_unit_test(test_sni_sent_but_not_for_ip_literal),
      cmocka_unit_test(test_ipv6_literal),
      cmocka_unit_test(test_no_starttls),
      cmocka_unit_test(test_ehlo_rejected_helo_fallback),
      cmocka_unit_test(test_ehlo_default_name),
      cmocka_unit_test(test_starttls_454_once_retried),
      cmocka_unit_test(test_starttls_rejected),
      cmocka_unit_test(test_banner_554),
      cmocka_unit_test(test_banner_421_retried),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_many_addresses_indexed),
      cmocka_unit_test(test_stream_of_addresses_bounded),
      cmocka_unit_test(test_default_budget_bounded),
      cmocka_unit_test(test_connection_slots_wait),
      cmocka_unit_test(test_drip_feed_hits_reply_timeout),
      cmocka_unit_test(test_total_timeout),
      cmocka_unit_test(test_timeout_is_retried),
      cmocka_unit_test(test_endless_multiline),
      cmocka_unit_test(test_garbage_after_starttls),
      cmocka_unit_test(test_close_after_greeting),
      cmocka_unit_test(test_joined_and_cached),
      cmocka_unit_test(test_addresses_take_turns),
      cmocka_unit_test(test_rate_limit),
      cmocka_unit_test(test_per_address_limit_observed),
      cmocka_unit_test(test_free_with_probe_in_flight),
      cmocka_unit_test(test_free_from_callback),
      cmocka_unit_test(test_bad_arguments),
  };
  int rc = cmocka_run_group_tests(tests, NULL, free_copies);
  SSL_CTX_free(g_server_ctx);
  OPENSSL_free(g_cert_der);
  return rc;
}
