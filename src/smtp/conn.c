/*
 * The per-connection SMTP STARTTLS state machine:
 *
 *   CONNECT -> GREETING -> EHLO [-> HELO] -> STARTTLS -> TLS -> QUIT -> DONE
 *
 * Design choice: raw non-blocking sockets driven by plain libevent events,
 * and OpenSSL on memory BIOs that we fill and drain ourselves, rather than
 * bufferevents/bufferevent_openssl. Reasons:
 *  - we see exactly which bytes arrived before the TLS handshake, so
 *    cleartext injected after "220" to STARTTLS is detected, not silently
 *    fed to the TLS layer or buffered by a read-ahead layer;
 *  - every read is bounded (one recv of at most READ_CHUNK bytes per event)
 *    and we can stop reading the moment a reply is oversized;
 *  - writes use send(MSG_NOSIGNAL), so a peer that closes never raises
 *    SIGPIPE in the host process (OpenSSL's socket BIO uses write());
 *  - no extra libevent_openssl dependency.
 *
 * Timers: one per step (connect, each reply, TLS handshake, QUIT wait) and
 * one for the whole connection. The result is settled before QUIT, and the
 * QUIT exchange never changes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp/conn.h"
#include "smtp/reply.h"
#include "util/escape.h"
#include "util/str.h"

#define TEXT_CAP 4096          /* banner and EHLO text kept in a result */
#define DETAIL_QUOTE_CAP 200   /* bytes of remote text quoted in a detail */
#define READ_CHUNK 4096        /* one recv per readiness event */
#define TLS_RBIO_CAP 65536     /* never buffer more undecrypted input than this */
#define QUIT_WAIT_MAX_MS 1000  /* QUIT is a courtesy: do not wait long for 221 */

typedef enum conn_state {
  ST_CONNECT,
  ST_GREETING,
  ST_EHLO,
  ST_HELO,
  ST_STARTTLS,
  ST_TLS,
  ST_QUIT,
  ST_DONE,
} conn_state;

struct sd_conn {
  struct event_base *base;
  SSL_CTX *ctx;
  const sd_probe_options *opt;
  sd_probe_result *res;
  sd_conn_done_fn done;
  void *done_arg;

  char where[INET6_ADDRSTRLEN + 16]; /* "192.0.2.1:25" or "[2001:db8::1]:25" */
  char *sni;
  int fd;
  int connect_errno; /* an immediate connect() failure, reported from the loop */
  conn_state state;
  int settled;       /* the result is final; later events cannot change it */

  struct event *io;
  struct event *step_timer;
  struct event *total_timer;
  int step_ms;       /* the bound of the running step, for messages */

  sd_reply reply;
  char out[600];     /* one plaintext command */
  size_t out_len, out_off;

  SSL *ssl;
  BIO *rbio, *wbio;  /* owned by ssl */
  int tls_up;        /* handshake finished */
  int peer_eof;
  char tout[16384];  /* ciphertext waiting for the socket */
  size_t tout_len, tout_off;

  int quit_tls;      /* QUIT goes through TLS */
  int quit_sent;
};

/* ---- small helpers ----------------------------------------------------- */

char *sd_smtp_bounded_copy(const char *s, size_t cap) {
  if (!s) return NULL;
  size_t n = strnlen(s, cap);
  return sd_strndup(s, n);
}

void sd_probe_result_clear_attempt(sd_probe_result *r) {
  free(r->detail);
  free(r->banner);
  free(r->ehlo);
  free(r->tls_version);
  free(r->tls_cipher);
  sd_chain_free(&r->chain);
  r->detail = r->banner = r->ehlo = r->tls_version = r->tls_cipher = NULL;
  memset(&r->chain, 0, sizeof r->chain);
  r->status = SD_PROBE_OK;
  r->failed_step = NULL;
  r->banner_code = 0;
  r->reply_code = 0;
  r->starttls_offered = -1;
}

const char *sd_probe_status_name(sd_probe_status status) {
  switch (status) {
  case SD_PROBE_OK: return "ok";
  case SD_PROBE_NO_STARTTLS: return "no-starttls";
  case SD_PROBE_STARTTLS_REJECTED: return "starttls-rejected";
  case SD_PROBE_TLS_FAILED: return "tls-failed";
  case SD_PROBE_CONNECT_REFUSED: return "connect-refused";
  case SD_PROBE_CONNECT_FAILED: return "connect-failed";
  case SD_PROBE_TIMEOUT: return "timeout";
  case SD_PROBE_BANNER_REJECT: return "banner-reject";
  case SD_PROBE_PROTOCOL_ERROR: return "protocol-error";
  }
  return "unknown";
}

/* strerror in lower case ("connection refused"), as details are sentences. */
static void errno_words(int err, char *buf, size_t cap) {
  char tmp[128];
  const char *s = strerror_r(err, tmp, sizeof tmp);
  snprintf(buf, cap, "%s", s);
  if (buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = (char)(buf[0] - 'A' + 'a');
}

static int is_ip_literal(const char *s) {
  unsigned char tmp[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

static const char *step_of(conn_state st) {
  switch (st) {
  case ST_CONNECT: return "connect";
  case ST_GREETING: return "banner";
  case ST_EHLO:
  case ST_HELO: return "ehlo";
  case ST_STARTTLS: return "starttls";
  default: return "tls";
  }
}

static const char *awaited(conn_state st) {
  switch (st) {
  case ST_GREETING: return "greeting";
  case ST_EHLO: return "reply to EHLO";
  case ST_HELO: return "reply to HELO";
  case ST_STARTTLS: return "reply to STARTTLS";
  default: return "TLS handshake";
  }
}

/* ---- lifecycle --------------------------------------------------------- */

static void on_io(evutil_socket_t fd, short what, void *arg);

static void close_transport(sd_conn *c) {
  if (c->io) event_del(c->io);
  if (c->step_timer) event_del(c->step_timer);
  if (c->total_timer) event_del(c->total_timer);
  if (c->ssl) SSL_free(c->ssl);
  c->ssl = NULL;
  c->rbio = c->wbio = NULL;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

/* Ends the connection and reports. The callee usually frees c, so this is
 * always the last thing a handler does. */
static void finish(sd_conn *c) {
  c->state = ST_DONE;
  close_transport(c);
  c->done(c, c->done_arg);
}

static void settle(sd_conn *c, sd_probe_status status, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void settle(sd_conn *c, sd_probe_status status, const char *step, const char *fmt, ...) {
  if (c->settled) return;
  c->settled = 1;
  c->res->status = status;
  c->res->failed_step = step;
  free(c->res->detail);
  c->res->detail = NULL;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    c->res->detail = sd_vasprintf(fmt, ap);
    va_end(ap);
  }
}

#define FAIL(c, status, ...)                      \
  do {                                            \
    settle((c), (status), step_of((c)->state), __VA_ARGS__); \
    finish(c);                                    \
  } while (0)

static void want(sd_conn *c, short what) {
  event_del(c->io);
  event_assign(c->io, c->base, c->fd, what, on_io, c);
  event_add(c->io, NULL);
}

static void arm_step(sd_conn *c, int ms) {
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  c->step_ms = ms;
  evtimer_add(c->step_timer, &tv);
}

/* ---- QUIT -------------------------------------------------------------- */

static void quit_io(sd_conn *c);
static int tls_flush(sd_conn *c);
static void tls_pull(sd_conn *c);

static void start_quit(sd_conn *c, int via_tls) {
  int ms = c->opt->command_timeout_ms < QUIT_WAIT_MAX_MS ? c->opt->command_timeout_ms : QUIT_WAIT_MAX_MS;
  c->state = ST_QUIT;
  c->quit_tls = via_tls;
  c->quit_sent = 0;
  memcpy(c->out, "QUIT\r\n", 6);
  c->out_len = 6;
  c->out_off = 0;
  evtimer_del(c->step_timer);
  arm_step(c, ms);
  quit_io(c);
}

static void quit_io_plain(sd_conn *c) {
  if (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      want(c, EV_WRITE);
      return;
    }
    if (n <= 0) {
      finish(c);
      return;
    }
    c->out_off += (size_t)n;
    if (c->out_off < c->out_len) {
      want(c, EV_WRITE);
      return;
    }
  }
  char buf[512];
  ssize_t n = recv(c->fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    want(c, EV_READ);
    return;
  }
  finish(c); /* 221, anything else, EOF or an error: we are done either way */
}

static void quit_io_tls(sd_conn *c) {
  tls_pull(c);
  if (!c->quit_sent) {
    ERR_clear_error();
    int rc = SSL_write(c->ssl, c->out, (int)c->out_len);
    if (rc > 0) {
      c->quit_sent = 1;
    } else if (SSL_get_error(c->ssl, rc) != SSL_ERROR_WANT_READ) {
      finish(c);
      return;
    }
  }
  if (c->quit_sent) {
    char buf[512];
    ERR_clear_error();
    int rc = SSL_read(c->ssl, buf, sizeof buf);
    int err = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, rc);
    if ((rc > 0 && memchr(buf, '\n', (size_t)rc)) || (rc <= 0 && err != SSL_ERROR_WANT_READ) ||
        c->peer_eof) {
      if (rc > 0) SSL_shutdown(c->ssl); /* close_notify, best effort */
      tls_flush(c);
      finish(c);
      return;
    }
  }
  if (tls_flush(c) < 0) {
    finish(c);
    return;
  }
  want(c, (short)(EV_READ | (c->tout_off < c->tout_len ? EV_WRITE : 0)));
}

static void quit_io(sd_conn *c) {
  if (c->quit_tls)
    quit_io_tls(c);
  else
    quit_io_plain(c);
}

/* ---- TLS over memory BIOs ---------------------------------------------- */

/* Sends pending ciphertext. 0: all sent or would block; -1: socket error. */
static int tls_flush(sd_conn *c) {
  for (;;) {
    if (c->tout_off == c->tout_len) {
      int n = c->wbio ? BIO_read(c->wbio, c->tout, (int)sizeof c->tout) : 0;
      if (n <= 0) return 0;
      c->tout_len = (size_t)n;
      c->tout_off = 0;
    }
    ssize_t n = send(c->fd, c->tout + c->tout_off, c->tout_len - c->tout_off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    if (n <= 0) return -1;
    c->tout_off += (size_t)n;
  }
}

/* Moves what the socket has (one bounded recv) into the TLS input BIO. */
static void tls_pull(sd_conn *c) {
  if (c->peer_eof || !c->rbio || BIO_ctrl_pending(c->rbio) > TLS_RBIO_CAP) return;
  char buf[READ_CHUNK];
  ssize_t n = recv(c->fd, buf, sizeof buf, 0);
  if (n > 0) {
    BIO_write(c->rbio, buf, (int)n);
  } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    /* EOF (or reset): let OpenSSL see end of input instead of "retry". */
    c->peer_eof = 1;
    BIO_set_mem_eof_return(c->rbio, 0);
  }
}

static void record_tls(sd_conn *c) {
  c->res->tls_version = sd_strdup(SSL_get_version(c->ssl));
  c->res->tls_cipher = sd_strdup(SSL_get_cipher_name(c->ssl));
  /* For a client the peer chain includes the leaf, in the order served. */
  STACK_OF(X509) *sk = SSL_get_peer_cert_chain(c->ssl);
  for (int i = 0; sk && i < sk_X509_num(sk); i++) {
    unsigned char *der = NULL;
    int len = i2d_X509(sk_X509_value(sk, i), &der);
    if (len > 0) sd_chain_append(&c->res->chain, der, (size_t)len);
    OPENSSL_free(der);
  }
}

static void tls_failure_detail(sd_conn *c, int ssl_err, char *buf, size_t cap) {
  unsigned long e = ERR_peek_last_error();
  if (e) {
    char ossl[256];
    ERR_error_string_n(e, ossl, sizeof ossl);
    snprintf(buf, cap, "TLS handshake failed: %s", ossl);
  } else if (c->peer_eof) {
    snprintf(buf, cap, "connection closed by the server during the TLS handshake");
  } else {
    snprintf(buf, cap, "TLS handshake failed (OpenSSL error %d, no details queued)", ssl_err);
  }
  ERR_clear_error();
}

static void tls_handshake_io(sd_conn *c) {
  if (tls_flush(c) < 0) {
    char why[128];
    errno_words(errno, why, sizeof why);
    FAIL(c, SD_PROBE_TLS_FAILED, "sending TLS data to %s: %s", c->where, why);
    return;
  }
  tls_pull(c);
  ERR_clear_error();
  int rc = SSL_connect(c->ssl);
  if (rc == 1) {
    c->tls_up = 1;
    record_tls(c);
    settle(c, SD_PROBE_OK, NULL, NULL);
    start_quit(c, 1);
    return;
  }
  int err = SSL_get_error(c->ssl, rc);
  if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
    char detail[400];
    tls_failure_detail(c, err, detail, sizeof detail);
    FAIL(c, SD_PROBE_TLS_FAILED, "%s", detail);
    return;
  }
  if (tls_flush(c) < 0) {
    char why[128];
    errno_words(errno, why, sizeof why);
    FAIL(c, SD_PROBE_TLS_FAILED, "sending TLS data to %s: %s", c->where, why);
    return;
  }
  want(c, (short)(EV_READ | (c->tout_off < c->tout_len ? EV_WRITE : 0)));
}

static void start_tls(sd_conn *c) {
  c->state = ST_TLS;
  evtimer_del(c->step_timer);
  arm_step(c, c->opt->tls_timeout_ms);
  c->ssl = SSL_new(c->ctx);
  c->rbio = BIO_new(BIO_s_mem());
  c->wbio = BIO_new(BIO_s_mem());
  if (!c->ssl || !c->rbio || !c->wbio) {
    BIO_free(c->rbio);
    BIO_free(c->wbio);
    c->rbio = c->wbio = NULL;
    FAIL(c, SD_PROBE_TLS_FAILED, "out of memory setting up TLS");
    return;
  }
  SSL_set_bio(c->ssl, c->rbio, c->wbio);
  /* RFC 6066 §3: no IP literals in SNI. */
  if (c->sni && c->sni[0] && !is_ip_literal(c->sni)) SSL_set_tlsext_host_name(c->ssl, c->sni);
  SSL_set_connect_state(c->ssl);
  tls_handshake_io(c);
}

/* ---- plaintext SMTP ---------------------------------------------------- */

static void flush_command(sd_conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      want(c, EV_WRITE);
      return;
    }
    if (n <= 0) {
      char why[128];
      errno_words(n < 0 ? errno : EPIPE, why, sizeof why);
      FAIL(c, SD_PROBE_PROTOCOL_ERROR, "sending the command before the %s to %s: %s", awaited(c->state),
           c->where, why);
      return;
    }
    c->out_off += (size_t)n;
  }
  want(c, EV_READ);
}

static void send_command(sd_conn *c, conn_state next, const char *verb, const char *arg) {
  int n = snprintf(c->out, sizeof c->out, arg ? "%s %s\r\n" : "%s\r\n", verb, arg);
  c->out_len = n > 0 && (size_t)n < sizeof c->out ? (size_t)n : 0;
  c->out_off = 0;
  c->state = next;
  sd_reply_reset(&c->reply);
  evtimer_del(c->step_timer);
  arm_step(c, c->opt->command_timeout_ms);
  flush_command(c);
}

static void on_greeting(sd_conn *c) {
  char *first = sd_reply_first_line(&c->reply);
  c->res->banner = sd_smtp_bounded_copy(first, TEXT_CAP);
  c->res->banner_code = c->reply.code;
  char quoted[DETAIL_QUOTE_CAP * 4 + 4];
  sd_quote_head(quoted, sizeof quoted, first, first ? strlen(first) : 0, DETAIL_QUOTE_CAP);
  free(first);
  if (c->reply.code == 220) {
    send_command(c, ST_EHLO, "EHLO", c->opt->ehlo_name);
  } else if (c->reply.code >= 400) {
    settle(c, SD_PROBE_BANNER_REJECT, "banner", "greeting rejected: %s", quoted);
    start_quit(c, 0); /* RFC 5321 §3.1: after a 554 greeting the client sends QUIT */
  } else {
    FAIL(c, SD_PROBE_PROTOCOL_ERROR, "unexpected greeting code %d: %s", c->reply.code, quoted);
  }
}

static void on_ehlo(sd_conn *c) {
  c->res->ehlo = sd_smtp_bounded_copy(c->reply.text, TEXT_CAP);
  if (c->reply.code / 100 == 2) {
    /* Keywords are checked on the full reply, not the stored 4 KiB copy. */
    c->res->starttls_offered = sd_ehlo_has_keyword(c->reply.text, "STARTTLS");
    if (c->res->starttls_offered) {
      send_command(c, ST_STARTTLS, "STARTTLS", NULL);
    } else {
      settle(c, SD_PROBE_NO_STARTTLS, "ehlo", "STARTTLS is not offered in the EHLO reply");
      start_quit(c, 0);
    }
    return;
  }
  send_command(c, ST_HELO, "HELO", c->opt->ehlo_name); /* RFC 5321 §3.2 fallback */
}

static void on_helo(sd_conn *c) {
  char quoted[DETAIL_QUOTE_CAP * 4 + 4];
  char *first = sd_reply_first_line(&c->reply);
  if (c->reply.code / 100 == 2) {
    free(first);
    first = c->res->ehlo ? sd_strndup(c->res->ehlo, strcspn(c->res->ehlo, "\n")) : NULL;
    sd_quote_head(quoted, sizeof quoted, first, first ? strlen(first) : 0, DETAIL_QUOTE_CAP);
    free(first);
    c->res->starttls_offered = 0;
    settle(c, SD_PROBE_NO_STARTTLS, "ehlo",
           "EHLO rejected (%s) but HELO accepted, so STARTTLS cannot be offered", quoted);
  } else {
    sd_quote_head(quoted, sizeof quoted, first, first ? strlen(first) : 0, DETAIL_QUOTE_CAP);
    free(first);
    c->res->reply_code = c->reply.code;
    settle(c, SD_PROBE_PROTOCOL_ERROR, "ehlo", "EHLO and HELO both rejected; HELO got: %s", quoted);
  }
  start_quit(c, 0);
}

static void on_starttls(sd_conn *c) {
  if (c->reply.code == 220) {
    start_tls(c);
    return;
  }
  char quoted[DETAIL_QUOTE_CAP * 4 + 4];
  char *first = sd_reply_first_line(&c->reply);
  sd_quote_head(quoted, sizeof quoted, first, first ? strlen(first) : 0, DETAIL_QUOTE_CAP);
  free(first);
  c->res->reply_code = c->reply.code;
  settle(c, SD_PROBE_STARTTLS_REJECTED, "starttls", "STARTTLS answered with: %s", quoted);
  start_quit(c, 0);
}

static void on_reply(sd_conn *c) {
  switch (c->state) {
  case ST_GREETING: on_greeting(c); break;
  case ST_EHLO: on_ehlo(c); break;
  case ST_HELO: on_helo(c); break;
  case ST_STARTTLS: on_starttls(c); break;
  default: finish(c); break;
  }
}

static void read_reply(sd_conn *c) {
  char buf[READ_CHUNK];
  ssize_t n = recv(c->fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    want(c, EV_READ);
    return;
  }
  if (n < 0) {
    char why[128];
    errno_words(errno, why, sizeof why);
    FAIL(c, SD_PROBE_PROTOCOL_ERROR, "connection to %s failed while waiting for the %s: %s", c->where,
         awaited(c->state), why);
    return;
  }
  if (n == 0) {
    FAIL(c, SD_PROBE_PROTOCOL_ERROR,
         "connection closed by the server while waiting for the %s (%zu bytes of it received)",
         awaited(c->state), c->reply.total);
    return;
  }
  size_t used = 0;
  sd_reply_state st = sd_reply_feed(&c->reply, buf, (size_t)n, &used);
  if (st == SD_REPLY_ERROR) {
    FAIL(c, SD_PROBE_PROTOCOL_ERROR, "bad %s: %s", awaited(c->state), c->reply.error);
    return;
  }
  if (st == SD_REPLY_NEED_MORE) {
    want(c, EV_READ);
    return;
  }
  if (used < (size_t)n) {
    /* We never pipeline, so a server has no reason to send more than one
     * reply; after STARTTLS this is the classic injection attack. */
    if (c->state == ST_STARTTLS) {
      c->state = ST_TLS;
      FAIL(c, SD_PROBE_TLS_FAILED,
           "%zd bytes of cleartext followed the 220 reply to STARTTLS (possible injection); "
           "TLS not started",
           n - (ssize_t)used);
    } else {
      FAIL(c, SD_PROBE_PROTOCOL_ERROR, "%zd unexpected bytes after the %s", n - (ssize_t)used,
           awaited(c->state));
    }
    return;
  }
  on_reply(c);
}

/* ---- connect ----------------------------------------------------------- */

static void on_connected(sd_conn *c) {
  int err = c->connect_errno;
  if (!err) {
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  }
  if (err == EINPROGRESS) {
    want(c, EV_WRITE);
    return;
  }
  if (err) {
    char why[128];
    errno_words(err, why, sizeof why);
    FAIL(c, err == ECONNREFUSED ? SD_PROBE_CONNECT_REFUSED : SD_PROBE_CONNECT_FAILED, "connect to %s: %s",
         c->where, why);
    return;
  }
  c->state = ST_GREETING;
  evtimer_del(c->step_timer);
  arm_step(c, c->opt->command_timeout_ms);
  want(c, EV_READ);
}

static void on_io(evutil_socket_t fd, short what, void *arg) {
  sd_conn *c = arg;
  switch (c->state) {
  case ST_CONNECT: on_connected(c); break;
  case ST_GREETING:
  case ST_EHLO:
  case ST_HELO:
  case ST_STARTTLS:
    if (c->out_off < c->out_len)
      flush_command(c);
    else
      read_reply(c);
    break;
  case ST_TLS: tls_handshake_io(c); break;
  case ST_QUIT: quit_io(c); break;
  case ST_DONE: break;
  }
}

static void on_step_timeout(evutil_socket_t fd, short what, void *arg) {
  sd_conn *c = arg;
  switch (c->state) {
  case ST_QUIT:
  case ST_DONE: finish(c); break;
  case ST_CONNECT:
    FAIL(c, SD_PROBE_TIMEOUT, "timeout connecting to %s after %d ms", c->where, c->step_ms);
    break;
  default:
    FAIL(c, SD_PROBE_TIMEOUT, "timeout waiting for %s%s after %d ms", c->state == ST_TLS ? "the " : "",
         awaited(c->state), c->step_ms);
    break;
  }
}

static void on_total_timeout(evutil_socket_t fd, short what, void *arg) {
  sd_conn *c = arg;
  if (c->state == ST_QUIT || c->state == ST_DONE) {
    finish(c);
    return;
  }
  FAIL(c, SD_PROBE_TIMEOUT, "probe exceeded its total time limit of %d ms (during step %s)",
       c->opt->total_timeout_ms, step_of(c->state));
}

static int open_socket(sd_conn *c, const char *ip, uint16_t port) {
  struct sockaddr_storage ss;
  socklen_t sslen;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sslen = sizeof *sin;
    snprintf(c->where, sizeof c->where, "%s:%u", ip, (unsigned)port);
  } else if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sslen = sizeof *sin6;
    snprintf(c->where, sizeof c->where, "[%s]:%u", ip, (unsigned)port);
  } else {
    snprintf(c->where, sizeof c->where, "(invalid address)");
    return EINVAL;
  }
  c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return errno;
  if (connect(c->fd, (struct sockaddr *)&ss, sslen) == 0 || errno == EINPROGRESS) return 0;
  return errno;
}

sd_conn *sd_conn_start(struct event_base *base, SSL_CTX *ctx, const sd_probe_options *opt,
                       const char *ip, uint16_t port, const char *sni, sd_probe_result *out,
                       sd_conn_done_fn done, void *arg) {
  sd_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->base = base;
  c->ctx = ctx;
  c->opt = opt;
  c->res = out;
  c->done = done;
  c->done_arg = arg;
  c->fd = -1;
  c->state = ST_CONNECT;
  c->sni = sni ? sd_strdup(sni) : NULL;
  c->step_timer = evtimer_new(base, on_step_timeout, c);
  c->total_timer = evtimer_new(base, on_total_timeout, c);
  if ((sni && !c->sni) || !c->step_timer || !c->total_timer ||
      sd_reply_init(&c->reply, opt->max_line_bytes, opt->max_reply_bytes) < 0) {
    sd_conn_free(c);
    return NULL;
  }
  c->connect_errno = open_socket(c, ip, port);
  /* Created after the socket so it watches the right fd; with fd -1 (socket
   * failure) it is only ever activated by hand. */
  c->io = event_new(base, c->fd, EV_WRITE, on_io, c);
  if (!c->io) {
    sd_conn_free(c);
    return NULL;
  }
  struct timeval total = {opt->total_timeout_ms / 1000, (opt->total_timeout_ms % 1000) * 1000};
  evtimer_add(c->total_timer, &total);
  arm_step(c, opt->connect_timeout_ms);
  if (c->connect_errno)
    event_active(c->io, EV_WRITE, 0); /* report from the loop, not from here */
  else
    event_add(c->io, NULL);
  return c;
}

void sd_conn_free(sd_conn *c) {
  if (!c) return;
  close_transport(c);
  if (c->io) event_free(c->io);
  if (c->step_timer) event_free(c->step_timer);
  if (c->total_timer) event_free(c->total_timer);
  sd_reply_free(&c->reply);
  free(c->sni);
  free(c);
}
