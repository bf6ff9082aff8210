/* Building DNS messages byte by byte for the unit tests of the wire-format
 * code (test_dns_wire.c, test_dns_nsec.c): the expected bytes are written by
 * hand, never by the code under test. Include after <cmocka.h>. */
#ifndef SD_TESTS_DNS_MSGBUF_H
#define SD_TESTS_DNS_MSGBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct msgbuf {
  uint8_t b[8192];
  size_t n;
} msgbuf;

static inline void put8(msgbuf *m, uint8_t v) {
  assert_true(m->n < sizeof(m->b));
  m->b[m->n++] = v;
}

static inline void put16(msgbuf *m, uint16_t v) {
  put8(m, (uint8_t)(v >> 8));
  put8(m, (uint8_t)v);
}

static inline void put32(msgbuf *m, uint32_t v) {
  put16(m, (uint16_t)(v >> 16));
  put16(m, (uint16_t)v);
}

static inline void put_bytes(msgbuf *m, const void *p, size_t len) {
  assert_true(m->n + len <= sizeof(m->b));
  memcpy(m->b + m->n, p, len);
  m->n += len;
}

/* Labels of a dotted name, case kept, without the root label (so a
 * compression pointer or the root can follow). */
static inline void put_labels(msgbuf *m, const char *text) {
  while (*text) {
    const char *dot = strchr(text, '.');
    size_t len = dot ? (size_t)(dot - text) : strlen(text);
    put8(m, (uint8_t)len);
    put_bytes(m, text, len);
    text += len + (dot ? 1 : 0);
  }
}

/* A whole name: its labels and the root. */
static inline void put_name(msgbuf *m, const char *text) {
  put_labels(m, text);
  put8(m, 0);
}

#endif
