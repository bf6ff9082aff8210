#include "dns/stub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/rand.h>

/* Sockets the queries are spread over: each has its own source port, so a
 * forged reply must guess port and ID. */
#define STUB_SOCKETS 4
/* How often the timeout timer looks at the oldest query. */
#define STUB_TICK_MS 25
/* Datagrams per recvmmsg/sendmmsg: one system call for many queries. */
#define STUB_BATCH 32
/* Reads per socket and wakeup, so one busy socket cannot starve the loop. */
#define STUB_READS_PER_WAKEUP 4
/* A reply buffer. We advertise SD_WIRE_UDP_PAYLOAD (1232); a resolver that
 * sends more than this is cut (MSG_TRUNC), the reply dropped, and the query
 * times out into getdns's path. */
#define STUB_REPLY_MAX 4096
/* A query: header, name, question, OPT. */
#define STUB_QUERY_MAX (12 + SD_WIRE_NAME_MAX + 4 + 11)

typedef struct pending {
  uint16_t id;
  uint8_t sock;
  uint16_t qtype;
  sd_wire_name qname;
  sd_stub_cb cb;
  void *arg;
  uint64_t deadline_ms;
  struct pending *prev, *next; /* in send order: the oldest expires first */
} pending;

struct sd_stub {
  struct event_base *base;
  int fds[STUB_SOCKETS];
  struct event *readers[STUB_SOCKETS];
  struct event *timer;
  int armed;           /* readers and timer are added (only while queries are in flight) */
  unsigned next_sock;
  int timeout_ms;
  pending **by_id;     /* 65536 slots: IDs are unique across the sockets */
  pending *oldest, *newest;
  size_t in_flight;
  uint8_t random[256]; /* ID pool from OpenSSL's CSPRNG */
  size_t random_left;
  uint8_t replies[STUB_BATCH][STUB_REPLY_MAX];
  /* Queries waiting to go out, per socket: sent together at the next turn
   * of the loop (or when a batch is full). */
  uint8_t out[STUB_SOCKETS][STUB_BATCH][STUB_QUERY_MAX];
  size_t out_len[STUB_SOCKETS][STUB_BATCH];
  size_t out_count[STUB_SOCKETS];
  struct event *flusher;
  int flush_armed;
};

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int random_id(sd_stub *s, uint16_t *id) {
  if (s->random_left < 2) {
    if (RAND_bytes(s->random, sizeof(s->random)) != 1) return -1;
    s->random_left = sizeof(s->random);
  }
  s->random_left -= 2;
  *id = (uint16_t)((s->random[s->random_left] << 8) | s->random[s->random_left + 1]);
  return 0;
}

/* ---- the in-flight list ------------------------------------------------------------- */

static void arm(sd_stub *s, int on) {
  if (on == s->armed) return;
  for (int i = 0; i < STUB_SOCKETS; i++) {
    if (on)
      event_add(s->readers[i], NULL);
    else
      event_del(s->readers[i]);
  }
  if (on) {
    struct timeval tick = {0, STUB_TICK_MS * 1000};
    event_add(s->timer, &tick);
  } else {
    event_del(s->timer);
  }
  s->armed = on;
}

static void link_pending(sd_stub *s, pending *p) {
  p->prev = s->newest;
  p->next = NULL;
  if (s->newest)
    s->newest->next = p;
  else
    s->oldest = p;
  s->newest = p;
  s->by_id[p->id] = p;
  s->in_flight++;
  arm(s, 1);
}

static void unlink_pending(sd_stub *s, pending *p) {
  if (p->prev)
    p->prev->next = p->next;
  else
    s->oldest = p->next;
  if (p->next)
    p->next->prev = p->prev;
  else
    s->newest = p->prev;
  s->by_id[p->id] = NULL;
  s->in_flight--;
  if (s->in_flight == 0) arm(s, 0);
}

/* Removes p, then answers its caller (who may send new queries). */
static void finish(sd_stub *s, pending *p, const uint8_t *reply, size_t len) {
  unlink_pending(s, p);
  sd_stub_cb cb = p->cb;
  void *arg = p->arg;
  free(p);
  cb(arg, reply, len);
}

/* ---- replies ------------------------------------------------------------------------ */

/* The reply answers p: same ID (checked by the caller), a response, and the
 * very question p asked. */
static int answers(const pending *p, const uint8_t *buf, size_t len) {
  if (len < 12 || !(buf[2] & 0x80) || buf[4] != 0 || buf[5] != 1) return 0;
  size_t pos = 12;
  sd_wire_name q;
  if (sd_wire_read_name(buf, len, &pos, &q) != 0 || pos + 4 > len) return 0;
  uint16_t qtype = (uint16_t)((buf[pos] << 8) | buf[pos + 1]), qclass = (uint16_t)((buf[pos + 2] << 8) | buf[pos + 3]);
  return qtype == p->qtype && qclass == 1 && sd_wire_name_equal(&q, &p->qname);
}

static void handle_reply(sd_stub *s, evutil_socket_t fd, const uint8_t *buf, size_t n) {
  if (n < 12) return;
  uint16_t id = (uint16_t)((buf[0] << 8) | buf[1]);
  pending *p = s->by_id[id];
  if (!p || s->fds[p->sock] != fd || !answers(p, buf, n)) return; /* late, stray or forged */
  finish(s, p, buf, n);
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  sd_stub *s = arg;
  struct mmsghdr msgs[STUB_BATCH];
  struct iovec iov[STUB_BATCH];
  (void)what;
  for (int round = 0; round < STUB_READS_PER_WAKEUP; round++) {
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < STUB_BATCH; i++) {
      iov[i] = (struct iovec){s->replies[i], STUB_REPLY_MAX};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, msgs, STUB_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return; /* EAGAIN, or an ICMP error: timeouts take care of the queries */
    for (int i = 0; i < n; i++)
      if (!(msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) handle_reply(s, fd, s->replies[i], msgs[i].msg_len);
    if (n < STUB_BATCH) return;
  }
}

/* Sends the queries waiting on socket k. One that cannot go out now is
 * left to time out, like a lost datagram. */
static void flush_socket(sd_stub *s, int k) {
  struct mmsghdr msgs[STUB_BATCH];
  struct iovec iov[STUB_BATCH];
  size_t count = s->out_count[k], sent = 0;
  memset(msgs, 0, sizeof(msgs));
  for (size_t i = 0; i < count; i++) {
    iov[i] = (struct iovec){s->out[k][i], s->out_len[k][i]};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  while (sent < count) {
    int n = sendmmsg(s->fds[k], msgs + sent, (unsigned)(count - sent), MSG_DONTWAIT);
    if (n <= 0) break;
    sent += (size_t)n;
  }
  s->out_count[k] = 0;
}

static void on_flush(evutil_socket_t fd, short what, void *arg) {
  sd_stub *s = arg;
  (void)fd;
  (void)what;
  s->flush_armed = 0;
  for (int k = 0; k < STUB_SOCKETS; k++)
    if (s->out_count[k]) flush_socket(s, k);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  sd_stub *s = arg;
  (void)fd;
  (void)what;
  uint64_t now = now_ms();
  while (s->oldest && s->oldest->deadline_ms <= now) finish(s, s->oldest, NULL, 0);
}

/* ---- setup and queries ------------------------------------------------------------------ */

/* The first "nameserver" line of /etc/resolv.conf. */
static int system_resolver(char *out, size_t out_len) {
  FILE *fp = fopen("/etc/resolv.conf", "r");
  char line[512];
  int found = 0;
  if (!fp) return -1;
  while (!found && fgets(line, sizeof(line), fp)) {
    char addr[128];
    if (sscanf(line, " nameserver %127s", addr) == 1 && strlen(addr) < out_len) {
      memcpy(out, addr, strlen(addr) + 1);
      found = 1;
    }
  }
  fclose(fp);
  return found ? 0 : -1;
}

static int open_socket(const char *resolver, char *err, size_t err_len) {
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof(ss));
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, resolver, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(53);
    sl = sizeof(*v4);
  } else if (inet_pton(AF_INET6, resolver, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(53);
    sl = sizeof(*v6);
  } else {
    snprintf(err, err_len, "resolver '%s' is not an IPv4 or IPv6 address", resolver);
    return -1;
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0) {
    snprintf(err, err_len, "cannot open a UDP socket to resolver %s: %s", resolver, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  int size = 4 << 20; /* bursts of replies while the loop is busy validating */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  return fd;
}

sd_stub *sd_stub_new(struct event_base *base, const char *resolver, int timeout_ms, char *err, size_t err_len) {
  char system[128];
  if (!resolver) {
    if (system_resolver(system, sizeof(system)) != 0) {
      snprintf(err, err_len, "no resolver given and no nameserver in /etc/resolv.conf");
      return NULL;
    }
    resolver = system;
  }
  sd_stub *s = calloc(1, sizeof(*s));
  if (!s) return NULL;
  s->base = base;
  s->timeout_ms = timeout_ms > 0 ? timeout_ms : 2000;
  for (int i = 0; i < STUB_SOCKETS; i++) s->fds[i] = -1;
  s->by_id = calloc(65536, sizeof(*s->by_id));
  s->timer = event_new(base, -1, EV_PERSIST, on_tick, s);
  s->flusher = event_new(base, -1, 0, on_flush, s);
  int ok = s->by_id && s->timer && s->flusher;
  for (int i = 0; ok && i < STUB_SOCKETS; i++) {
    s->fds[i] = open_socket(resolver, err, err_len);
    s->readers[i] = s->fds[i] >= 0 ? event_new(base, s->fds[i], EV_READ | EV_PERSIST, on_readable, s) : NULL;
    ok = s->readers[i] != NULL;
  }
  if (!ok) {
    sd_stub_free(s);
    return NULL;
  }
  return s;
}

int sd_stub_query(sd_stub *s, const sd_wire_name *qname, uint16_t qtype, sd_stub_cb cb, void *arg) {
  uint16_t id = 0;
  int tries = 0;
  do {
    if (random_id(s, &id) != 0 || ++tries > 16) return -1; /* IDs nearly exhausted: the caller takes getdns's path */
  } while (s->by_id[id]);
  int k = (int)(s->next_sock++ % STUB_SOCKETS);
  if (s->out_count[k] == STUB_BATCH) flush_socket(s, k);
  uint8_t *query = s->out[k][s->out_count[k]];
  size_t len = sd_wire_build_query(query, STUB_QUERY_MAX, id, qname, qtype);
  pending *p = len ? calloc(1, sizeof(*p)) : NULL;
  if (!p) return -1;
  p->id = id;
  p->sock = (uint8_t)k;
  p->qtype = qtype;
  p->qname = *qname;
  p->cb = cb;
  p->arg = arg;
  p->deadline_ms = now_ms() + (uint64_t)s->timeout_ms;
  s->out_len[k][s->out_count[k]++] = len;
  if (!s->flush_armed) {
    /* Sent at the next turn of the loop, with every other query queued by
     * the callbacks of this turn. */
    const struct timeval now = {0, 0};
    if (event_add(s->flusher, &now) != 0) {
      s->out_count[k]--;
      free(p);
      return -1;
    }
    s->flush_armed = 1;
  }
  link_pending(s, p);
  return 0;
}

void sd_stub_free(sd_stub *s) {
  if (!s) return;
  while (s->oldest) {
    pending *p = s->oldest;
    s->oldest = p->next;
    free(p);
  }
  for (int i = 0; i < STUB_SOCKETS; i++) {
    if (s->readers[i]) event_free(s->readers[i]);
    if (s->fds[i] >= 0) close(s->fds[i]);
  }
  if (s->timer) event_free(s->timer);
  if (s->flusher) event_free(s->flusher);
  free(s->by_id);
  free(s);
}
