/* Unit tests of NSEC denial of existence (src/dns/nsec.c): records are
 * written into wire-format replies and read back through sd_wire_parse and
 * sd_nsec_read, as the fast path reads them. The zone "example.org" of the
 * proofs has, in canonical order:
 *
 *   example.org (apex)  a  c (CNAME)  d  dn (DNAME)  sub (delegation)  z
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/nsec.h"
#include "dns_msgbuf.h"

enum {
  T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_MX = 15, T_TXT = 16, T_AAAA = 28, T_DNAME = 39, T_DS = 43,
  T_RRSIG = 46, T_NSEC = 47, T_DNSKEY = 48, T_CAA = 257,
};

#define MAX_TYPES 16

/* One NSEC record: owner, next name, and the types at the owner (0 ends). */
typedef struct nsec_spec {
  const char *owner, *next;
  uint16_t types[MAX_TYPES];
} nsec_spec;

static const nsec_spec APEX = {"example.org", "a.example.org", {T_NS, T_SOA, T_MX, T_RRSIG, T_NSEC, T_DNSKEY}};
static const nsec_spec APEX_TO_WILD = {"example.org", "*.example.org", {T_NS, T_SOA, T_RRSIG, T_NSEC, T_DNSKEY}};
static const nsec_spec WILD = {"*.example.org", "a.example.org", {T_TXT, T_RRSIG, T_NSEC}};
static const nsec_spec A = {"a.example.org", "c.example.org", {T_A, T_MX, T_RRSIG, T_NSEC}};
static const nsec_spec C = {"c.example.org", "d.example.org", {T_CNAME, T_RRSIG, T_NSEC}};
static const nsec_spec D = {"d.example.org", "dn.example.org", {T_TXT, T_RRSIG, T_NSEC}};
static const nsec_spec DN = {"dn.example.org", "sub.example.org", {T_DNAME, T_RRSIG, T_NSEC}};
static const nsec_spec SUB = {"sub.example.org", "z.example.org", {T_NS, T_RRSIG, T_NSEC}}; /* parent side of a cut */
static const nsec_spec Z = {"z.example.org", "example.org", {T_A, T_RRSIG, T_NSEC}};        /* the last: wraps */
/* Another version of the zone, where b.example.org is an empty non-terminal: z.b exists. */
static const nsec_spec A_TO_ZB = {"a.example.org", "z.b.example.org", {T_A, T_RRSIG, T_NSEC}};

/* ---- wire messages ------------------------------------------------------------ */

/* The type bit maps field (RFC 4034 §4.1.2): a window per high byte, each as
 * long as its highest type needs. */
static void put_bitmap(msgbuf *m, const uint16_t *types) {
  for (int window = 0; window < 256; window++) {
    uint8_t bits[32] = {0};
    int len = 0;
    for (size_t i = 0; i < MAX_TYPES && types[i]; i++) {
      if (types[i] >> 8 != window) continue;
      int bit = types[i] & 0xFF;
      bits[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
      if (bit / 8 + 1 > len) len = bit / 8 + 1;
    }
    if (!len) continue;
    put8(m, (uint8_t)window);
    put8(m, (uint8_t)len);
    put_bytes(m, bits, (size_t)len);
  }
}

/* Header of a reply to "qname A" with `ns` authority records, and its question. */
static void put_reply_start(msgbuf *m, const char *qname, uint16_t ns) {
  static const uint8_t header[] = {0x12, 0x34, 0x84, 0x03, 0, 1, 0, 0}; /* QR AA, NXDOMAIN, QD 1, AN 0 */
  m->n = 0;
  put_bytes(m, header, sizeof(header));
  put16(m, ns);
  put16(m, 0);
  put_name(m, qname);
  put16(m, T_A);
  put16(m, 1);
}

/* An NSEC record's owner and fixed fields; the caller writes rdlength bytes of rdata. */
static void put_nsec_head(msgbuf *m, const char *owner, uint16_t rdlength) {
  put_name(m, owner);
  put16(m, T_NSEC);
  put16(m, 1);
  put16(m, 0);
  put16(m, 3600);
  put16(m, rdlength);
}

static void put_nsec(msgbuf *m, const nsec_spec *s) {
  msgbuf rdata = {0};
  put_name(&rdata, s->next);
  put_bitmap(&rdata, s->types);
  put_nsec_head(m, s->owner, (uint16_t)rdata.n);
  put_bytes(m, rdata.b, rdata.n);
}

/* A parsed reply and the NSEC records read from its authority section. */
typedef struct proof {
  msgbuf m;
  sd_wire_msg msg;
  sd_nsec nsec[8];
  size_t count;
  sd_wire_name qname, zone;
} proof;

static proof *proof_of(const char *qname, const nsec_spec *const *specs, size_t count) {
  proof *p = calloc(1, sizeof(*p));
  assert_non_null(p);
  assert_true(count <= 8);
  put_reply_start(&p->m, qname, (uint16_t)count);
  for (size_t i = 0; i < count; i++) put_nsec(&p->m, specs[i]);
  assert_int_equal(sd_wire_parse(&p->msg, p->m.b, p->m.n), 0);
  assert_int_equal(p->msg.rr_count, count);
  for (size_t i = 0; i < count; i++) {
    assert_int_equal(p->msg.rr[i].section, SD_WIRE_AUTHORITY);
    assert_int_equal(sd_nsec_read(&p->msg, &p->msg.rr[i], &p->nsec[i]), 0);
  }
  p->count = count;
  p->qname = p->msg.qname;
  assert_int_equal(sd_wire_name_from_text("example.org", &p->zone), 0);
  return p;
}

/* PROOF(qname, &A, &B...): a reply to qname with those NSEC records. */
#define PROOF(qname, ...)                                                                                              \
  proof_of(qname, (const nsec_spec *const[]){__VA_ARGS__},                                                             \
           sizeof((const nsec_spec *const[]){__VA_ARGS__}) / sizeof(const nsec_spec *))

static int nxdomain(const char *qname, proof *p) {
  sd_wire_name q;
  assert_int_equal(sd_wire_name_from_text(qname, &q), 0);
  int r = sd_nsec_proves_nxdomain(p->nsec, p->count, &q, &p->zone);
  free(p);
  return r;
}

static int nodata(const char *qname, uint16_t qtype, proof *p) {
  sd_wire_name q;
  assert_int_equal(sd_wire_name_from_text(qname, &q), 0);
  int r = sd_nsec_proves_nodata(p->nsec, p->count, &q, qtype);
  free(p);
  return r;
}

static int covers(const nsec_spec *s, const char *name) {
  proof *p = PROOF("x.example.org", s);
  sd_wire_name n;
  assert_int_equal(sd_wire_name_from_text(name, &n), 0);
  int r = sd_nsec_covers(&p->nsec[0], &n, &p->zone);
  free(p);
  return r;
}

/* sd_nsec_read over an NSEC record with raw rdata. */
static int read_raw(const uint8_t *rdata, size_t len) {
  proof *p = calloc(1, sizeof(*p));
  assert_non_null(p);
  put_reply_start(&p->m, "a.example.org", 1);
  put_nsec_head(&p->m, "a.example.org", (uint16_t)len);
  put_bytes(&p->m, rdata, len);
  assert_int_equal(sd_wire_parse(&p->msg, p->m.b, p->m.n), 0);
  sd_nsec n;
  int r = sd_nsec_read(&p->msg, &p->msg.rr[0], &n);
  free(p);
  return r;
}

/* ---- reading --------------------------------------------------------------------- */

static void test_read_fields(void **state) {
  proof *p = PROOF("x.example.org", &A);
  char text[64];
  assert_int_equal(sd_wire_name_to_text(&p->nsec[0].owner, text, sizeof(text)), 0);
  assert_string_equal(text, "a.example.org");
  assert_int_equal(sd_wire_name_to_text(&p->nsec[0].next, text, sizeof(text)), 0);
  assert_string_equal(text, "c.example.org");
  static const uint8_t bitmap[] = {0, 6, 0x40, 0x01, 0, 0, 0, 0x03}; /* A MX RRSIG NSEC, by hand */
  assert_int_equal(p->nsec[0].bitmap_len, sizeof(bitmap));
  assert_memory_equal(p->nsec[0].bitmap, bitmap, sizeof(bitmap));
  /* not an NSEC record */
  p->msg.rr[0].type = T_A;
  sd_nsec n;
  assert_int_equal(sd_nsec_read(&p->msg, &p->msg.rr[0], &n), -1);
  free(p);
}

static void test_read_refuses_malformed(void **state) {
  static const uint8_t ok[] = {1, 'b', 0, 0, 1, 0x40};
  assert_int_equal(read_raw(ok, sizeof(ok)), 0);
  static const uint8_t no_bitmap[] = {1, 'b', 0};
  assert_int_equal(read_raw(no_bitmap, sizeof(no_bitmap)), 0); /* an empty map lists no type */
  static const uint8_t empty_window[] = {1, 'b', 0, 0, 0};
  assert_int_equal(read_raw(empty_window, sizeof(empty_window)), -1);
  uint8_t long_window[3 + 2 + 33] = {1, 'b', 0, 0, 33};
  assert_int_equal(read_raw(long_window, sizeof(long_window)), -1);
  long_window[4] = 32; /* the longest window, and one byte left over */
  assert_int_equal(read_raw(long_window, sizeof(long_window) - 1), 0);
  assert_int_equal(read_raw(long_window, sizeof(long_window)), -1);
  static const uint8_t short_window[] = {1, 'b', 0, 0, 5, 0x40, 0x01};
  assert_int_equal(read_raw(short_window, sizeof(short_window)), -1);
  static const uint8_t lone_byte[] = {1, 'b', 0, 0, 1, 0x40, 1};
  assert_int_equal(read_raw(lone_byte, sizeof(lone_byte)), -1);
  static const uint8_t next_cut[] = {3, 'b', 'c'};
  assert_int_equal(read_raw(next_cut, sizeof(next_cut)), -1);
}

static void test_has_type(void **state) {
  static const nsec_spec s = {"a.example.org", "c.example.org", {T_A, T_MX, T_CAA, 0xFFFE}};
  proof *p = PROOF("x.example.org", &s);
  const sd_nsec *n = &p->nsec[0];
  assert_true(sd_nsec_has_type(n, T_A));
  assert_true(sd_nsec_has_type(n, T_MX));
  assert_true(sd_nsec_has_type(n, T_CAA));
  assert_true(sd_nsec_has_type(n, 0xFFFE));
  assert_false(sd_nsec_has_type(n, T_NS));
  assert_false(sd_nsec_has_type(n, 14));    /* next to MX */
  assert_false(sd_nsec_has_type(n, T_TXT)); /* past the window's last byte */
  assert_false(sd_nsec_has_type(n, 23));    /* there lies the next window's number: 1 */
  assert_false(sd_nsec_has_type(n, 31));    /* and its length: 1 */
  assert_false(sd_nsec_has_type(n, T_AAAA));
  assert_false(sd_nsec_has_type(n, 256));
  assert_false(sd_nsec_has_type(n, 513)); /* no such window */
  assert_false(sd_nsec_has_type(n, 0xFFFF));
  free(p);
}

/* ---- covering --------------------------------------------------------------------- */

static void test_covers(void **state) {
  assert_true(covers(&A, "b.example.org"));
  assert_true(covers(&A, "B.Example.ORG"));
  assert_true(covers(&A, "x.a.example.org")); /* below the owner, before the next name */
  assert_true(covers(&A, "bzzzz.example.org"));
  assert_false(covers(&A, "a.example.org")); /* the owner exists */
  assert_false(covers(&A, "c.example.org")); /* so does the next name */
  assert_false(covers(&A, "d.example.org"));
  assert_false(covers(&A, "example.org"));
  assert_false(covers(&A, "b.example.com"));
}

static void test_covers_wraps_at_last_nsec(void **state) {
  assert_true(covers(&Z, "zz.example.org"));
  assert_true(covers(&Z, "a.z.example.org"));
  assert_false(covers(&Z, "z.example.org"));
  assert_false(covers(&Z, "b.example.org")); /* before the owner */
  assert_false(covers(&Z, "example.org"));   /* the apex exists */
  /* Names outside the zone sort after z.example.org too, but are not its to deny. */
  assert_false(covers(&Z, "zzz.org"));
  assert_false(covers(&Z, "a.z.example.net"));
  assert_false(covers(&Z, "org"));
}

/* ---- NODATA -------------------------------------------------------------------------- */

static void test_nodata(void **state) {
  assert_true(nodata("a.example.org", T_TXT, PROOF("a.example.org", &A)));
  assert_true(nodata("A.EXAMPLE.org", T_AAAA, PROOF("a.example.org", &A)));
  assert_false(nodata("a.example.org", T_MX, PROOF("a.example.org", &A))); /* the type exists */
  assert_false(nodata("a.example.org", T_A, PROOF("a.example.org", &A)));
  assert_true(nodata("example.org", T_A, PROOF("example.org", &APEX))); /* NS with SOA: the apex */
  assert_false(nodata("c.example.org", T_TXT, PROOF("c.example.org", &C))); /* a CNAME answers every type */
  assert_false(nodata("sub.example.org", T_A, PROOF("sub.example.org", &SUB))); /* a delegation: not ours */
  assert_false(nodata("sub.example.org", T_MX, PROOF("sub.example.org", &SUB)));
  assert_false(nodata("a.example.org", T_DS, PROOF("a.example.org", &A))); /* parent side: not this proof */
  assert_false(nodata("b.example.org", T_TXT, PROOF("b.example.org", &A))); /* no NSEC at qname */
  assert_false(nodata("x.a.example.org", T_TXT, PROOF("x.a.example.org", &A)));
  assert_true(nodata("d.example.org", T_MX, PROOF("d.example.org", &A, &SUB, &D))); /* found among others */
}

/* ---- NXDOMAIN --------------------------------------------------------------------------- */

static void test_nxdomain_proven(void **state) {
  /* b: covered by a -> c; the wildcard *.example.org by example.org -> a */
  assert_true(nxdomain("b.example.org", PROOF("b.example.org", &A, &APEX)));
  assert_true(nxdomain("b.example.org", PROOF("b.example.org", &APEX, &A)));
  assert_true(nxdomain("x.b.example.org", PROOF("x.b.example.org", &A, &APEX)));
  /* below an existing name: the closest encloser is d, its wildcard is covered by d -> dn */
  assert_true(nxdomain("x.d.example.org", PROOF("x.d.example.org", &D)));
  /* below an empty non-terminal: the closest encloser is b, known from the next name */
  assert_true(nxdomain("c.b.example.org", PROOF("c.b.example.org", &A_TO_ZB)));
  /* after the last name: z -> apex covers it */
  assert_true(nxdomain("zz.example.org", PROOF("zz.example.org", &Z, &APEX)));
}

static void test_nxdomain_needs_wildcard_proof(void **state) {
  assert_false(nxdomain("b.example.org", PROOF("b.example.org", &A)));
  assert_false(nxdomain("zz.example.org", PROOF("zz.example.org", &Z)));
  /* the wildcard at the closest encloser exists: the answer would be a wildcard expansion */
  assert_false(nxdomain("b.example.org", PROOF("b.example.org", &A, &APEX_TO_WILD, &WILD)));
  assert_false(nxdomain("b.example.org", PROOF("b.example.org", &A, &WILD)));
}

static void test_nxdomain_refuses_what_is_not_proven(void **state) {
  /* covered by a delegation point above qname: the child zone decides */
  assert_false(nxdomain("x.sub.example.org", PROOF("x.sub.example.org", &SUB, &APEX)));
  /* by a DNAME above qname: it is redirected, not missing */
  assert_false(nxdomain("x.dn.example.org", PROOF("x.dn.example.org", &DN, &APEX)));
  /* the delegation's NSEC still proves names beside it */
  assert_true(nxdomain("sz.example.org", PROOF("sz.example.org", &SUB, &APEX)));
  /* names that exist (b as an empty non-terminal), or lie outside the zone */
  assert_false(nxdomain("b.example.org", PROOF("b.example.org", &A_TO_ZB, &APEX)));
  assert_false(nxdomain("c.example.org", PROOF("c.example.org", &A, &C, &APEX)));
  assert_false(nxdomain("example.org", PROOF("example.org", &Z, &APEX)));
  assert_false(nxdomain("b.example.net", PROOF("b.example.net", &A, &APEX)));
  assert_false(nxdomain("b.example.org", PROOF("b.example.org", &APEX))); /* nothing covers qname */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_fields),
      cmocka_unit_test(test_read_refuses_malformed),
      cmocka_unit_test(test_has_type),
      cmocka_unit_test(test_covers),
      cmocka_unit_test(test_covers_wraps_at_last_nsec),
      cmocka_unit_test(test_nodata),
      cmocka_unit_test(test_nxdomain_proven),
      cmocka_unit_test(test_nxdomain_needs_wildcard_proof),
      cmocka_unit_test(test_nxdomain_refuses_what_is_not_proven),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
