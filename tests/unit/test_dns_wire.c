/* Unit tests of DNS wire format (src/dns/wire.c): names from and to text,
 * compressed names from untrusted replies, canonical order, queries, reply
 * parsing within bounds, and rdata in the canonical form signatures cover.
 * Expected bytes are written out by hand, or come from getdns's own parser
 * (an independent implementation), never from the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <getdns/getdns_extra.h>

#include "dns/wire.h"
#include "dns_msgbuf.h"

/* ---- building messages by hand ----------------------------------------------- */

static void put_pointer(msgbuf *m, size_t target) { put16(m, (uint16_t)(0xC000 | target)); }

static void put_header(msgbuf *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
  m->n = 0;
  put16(m, id);
  put16(m, flags);
  put16(m, qd);
  put16(m, an);
  put16(m, ns);
  put16(m, ar);
}

/* Header and question; the question name starts at offset 12. */
static void put_reply_start(msgbuf *m, uint16_t flags, uint16_t an, uint16_t ns, uint16_t ar, const char *qname,
                            uint16_t qtype) {
  put_header(m, 0xBEEF, flags, 1, an, ns, ar);
  put_name(m, qname);
  put16(m, qtype);
  put16(m, 1);
}

/* Type, class IN, TTL and rdlength of a record whose owner was just written. */
static void put_rr_fixed(msgbuf *m, uint16_t type, uint16_t rdlength) {
  put16(m, type);
  put16(m, 1);
  put32(m, 300);
  put16(m, rdlength);
}

/* The wire form of a presentation name, by getdns's parser (escapes allowed). */
static sd_wire_name getdns_name(const char *fqdn) {
  getdns_bindata *b = NULL;
  if (getdns_convert_fqdn_to_dns_name(fqdn, &b) != GETDNS_RETURN_GOOD) fail_msg("getdns cannot read %s", fqdn);
  sd_wire_name n;
  assert_true(b->size <= SD_WIRE_NAME_MAX);
  n.len = (uint8_t)b->size;
  memcpy(n.data, b->data, b->size);
  free(b->data);
  free(b);
  return n;
}

static sd_wire_name from_text(const char *text) {
  sd_wire_name n;
  if (sd_wire_name_from_text(text, &n) != 0) fail_msg("cannot read \"%s\"", text);
  return n;
}

static void assert_text(const sd_wire_name *n, const char *want) {
  char text[4 * SD_WIRE_NAME_MAX + 1];
  assert_int_equal(sd_wire_name_to_text(n, text, sizeof(text)), 0);
  assert_string_equal(text, want);
}

/* A name of raw labels: count labels of the given lengths, each byte `fill`. */
static sd_wire_name raw_name(const uint8_t *lens, size_t count, uint8_t fill) {
  sd_wire_name n = {0};
  for (size_t i = 0; i < count; i++) {
    assert_true(n.len + 1 + lens[i] < SD_WIRE_NAME_MAX);
    n.data[n.len++] = lens[i];
    memset(n.data + n.len, fill, lens[i]);
    n.len = (uint8_t)(n.len + lens[i]);
  }
  n.data[n.len++] = 0;
  return n;
}

/* Text of `count` labels of the given lengths, each of 'a'. */
static char *labels_text(const size_t *lens, size_t count) {
  char *text = calloc(1, 1024);
  assert_non_null(text);
  for (size_t i = 0; i < count; i++) {
    if (i) strcat(text, ".");
    memset(text + strlen(text), 'a', lens[i]);
  }
  return text;
}

/* ---- names from and to text ------------------------------------------------------- */

static void test_name_from_text_wire_bytes(void **state) {
  sd_wire_name n = from_text("Mx1.Example.ORG");
  static const uint8_t want[] = {3, 'M', 'x', '1', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'O', 'R', 'G', 0};
  assert_int_equal(n.len, sizeof(want));
  assert_memory_equal(n.data, want, sizeof(want)); /* case as given: only to_text lowers */
  sd_wire_name dotted = from_text("Mx1.Example.ORG.");
  assert_true(sd_wire_name_equal(&n, &dotted));
  assert_int_equal(dotted.len, n.len);
  sd_wire_name root = from_text("");
  assert_int_equal(root.len, 1);
  assert_int_equal(root.data[0], 0);
}

static void test_name_text_round_trip(void **state) {
  static const char *names[] = {"", "org", "example.org", "_mta-sts.mail.example.org", "xn--bcher-kva.example",
                                "a.b.c.d.e.f.g"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    sd_wire_name n = from_text(names[i]);
    assert_text(&n, names[i]);
    /* and the same bytes as getdns makes of it */
    char fqdn[300];
    snprintf(fqdn, sizeof(fqdn), "%s.", names[i]);
    sd_wire_name g = getdns_name(fqdn);
    assert_int_equal(g.len, n.len);
    assert_memory_equal(g.data, n.data, n.len);
  }
  sd_wire_name mixed = from_text("MX1.Example.Org");
  assert_text(&mixed, "mx1.example.org"); /* presentation is lower case */
}

static void test_name_to_text_escapes(void **state) {
  /* Labels with special and non-printable bytes, made by getdns's parser. */
  sd_wire_name n = getdns_name("a\\.b.c\\\\d.example.");
  assert_int_equal(sd_wire_name_labels(&n), 3);
  assert_text(&n, "a\\.b.c\\\\d.example");
  n = getdns_name("\\000\\007\\032\\127\\255.x.");
  assert_int_equal(n.data[0], 5);
  assert_text(&n, "\\000\\007\\032\\127\\255.x");
  n = getdns_name("A\\;B\\(C\\)\\\"\\@\\$.");
  assert_text(&n, "a\\;b\\(c\\)\\\"\\@\\$");
  n = getdns_name("MiXeD\\200Case.");
  assert_text(&n, "mixed\\200case");
}

static void test_name_to_text_bounds(void **state) {
  /* The longest text: 255 bytes of names, every byte escaped as \DDD. */
  static const uint8_t lens[] = {63, 63, 63, 61};
  sd_wire_name n = raw_name(lens, 4, 0xFF);
  assert_int_equal(n.len, SD_WIRE_NAME_MAX);
  size_t text_len = 4 * (63 + 63 + 63 + 61) + 3;
  char big[4 * SD_WIRE_NAME_MAX + 1];
  assert_int_equal(sd_wire_name_to_text(&n, big, sizeof(big)), 0);
  assert_int_equal(strlen(big), text_len);
  assert_memory_equal(big, "\\255\\255", 8);
  char *exact = malloc(text_len + 1);
  assert_non_null(exact);
  assert_int_equal(sd_wire_name_to_text(&n, exact, text_len + 1), 0);
  assert_int_equal(sd_wire_name_to_text(&n, exact, text_len), -1); /* no room for the NUL */
  assert_int_equal(sd_wire_name_to_text(&n, exact, 3), -1);        /* nor for the first escape */
  free(exact);
  sd_wire_name root = from_text("");
  char one[1];
  assert_int_equal(sd_wire_name_to_text(&root, one, 1), 0);
  assert_string_equal(one, "");
  assert_int_equal(sd_wire_name_to_text(&root, one, 0), -1);
}

static void test_name_from_text_refuses(void **state) {
  sd_wire_name n;
  assert_int_equal(sd_wire_name_from_text("a..example", &n), -1);
  assert_int_equal(sd_wire_name_from_text(".example", &n), -1);
  assert_int_equal(sd_wire_name_from_text(".", &n), -1); /* the root is "" */
  assert_int_equal(sd_wire_name_from_text("a.example..", &n), -1);
  size_t l63[] = {63, 7}, l64[] = {64, 7};
  char *ok = labels_text(l63, 2), *long_label = labels_text(l64, 2);
  assert_int_equal(sd_wire_name_from_text(ok, &n), 0);
  assert_int_equal(n.data[0], 63);
  assert_int_equal(sd_wire_name_from_text(long_label, &n), -1);
  /* 63+1 + 63+1 + 63+1 + 61+1 + 1 = 255 bytes: the longest name; one more byte is too long */
  size_t max[] = {63, 63, 63, 61}, over[] = {63, 63, 63, 62}, many[127];
  char *at_max = labels_text(max, 4), *too_long = labels_text(over, 4);
  assert_int_equal(sd_wire_name_from_text(at_max, &n), 0);
  assert_int_equal(n.len, 255);
  assert_int_equal(sd_wire_name_from_text(too_long, &n), -1);
  for (size_t i = 0; i < 127; i++) many[i] = 1; /* 127 one-byte labels: 255 bytes */
  char *most_labels = labels_text(many, 127), *more_labels = labels_text(many, 127);
  assert_int_equal(sd_wire_name_from_text(most_labels, &n), 0);
  assert_int_equal(sd_wire_name_labels(&n), 127);
  strcat(more_labels, ".a"); /* a 128th label: 257 bytes */
  assert_int_equal(sd_wire_name_from_text(more_labels, &n), -1);
  free(ok);
  free(long_label);
  free(at_max);
  free(too_long);
  free(most_labels);
  free(more_labels);
}

/* ---- reading names from messages ------------------------------------------------------ */

static void test_read_name_backward_pointer(void **state) {
  msgbuf m = {0};
  put_name(&m, "Example.org"); /* offset 0 */
  size_t at = m.n;
  put_labels(&m, "mx1");
  put_pointer(&m, 0);
  put16(&m, 0xABCD); /* what follows the name */
  size_t pos = at;
  sd_wire_name n;
  assert_int_equal(sd_wire_read_name(m.b, m.n, &pos, &n), 0);
  assert_int_equal(pos, at + 4 + 2); /* past the pointer, not past the target */
  assert_text(&n, "mx1.example.org");
  sd_wire_name want = from_text("mx1.Example.org");
  assert_int_equal(n.len, want.len);
  assert_memory_equal(n.data, want.data, want.len); /* case as received */
  /* a pointer to a pointer, both backwards */
  size_t second = m.n;
  put_labels(&m, "a");
  put_pointer(&m, at);
  pos = second;
  assert_int_equal(sd_wire_read_name(m.b, m.n, &pos, &n), 0);
  assert_text(&n, "a.mx1.example.org");
  assert_int_equal(pos, m.n);
}

static void test_read_name_refuses_bad_pointers(void **state) {
  sd_wire_name n;
  size_t pos = 0;
  /* forward: a pointer at 0 to a name at 2 */
  static const uint8_t forward[] = {0xC0, 0x02, 1, 'a', 0};
  assert_int_equal(sd_wire_read_name(forward, sizeof(forward), &pos, &n), -1);
  /* to itself */
  static const uint8_t self[] = {1, 'a', 0xC0, 0x02};
  pos = 2;
  assert_int_equal(sd_wire_read_name(self, sizeof(self), &pos, &n), -1);
  /* a loop through a label: a -> back to a -> ... ends at the name limit */
  static const uint8_t loop[] = {1, 'a', 0xC0, 0x00};
  pos = 0;
  assert_int_equal(sd_wire_read_name(loop, sizeof(loop), &pos, &n), -1);
  pos = 2;
  assert_int_equal(sd_wire_read_name(loop, sizeof(loop), &pos, &n), -1);
  /* labels of types 0x40 and 0x80 */
  static const uint8_t ext[] = {0x41, 'a', 0}, ext2[] = {0x81, 'a', 0};
  pos = 0;
  assert_int_equal(sd_wire_read_name(ext, sizeof(ext), &pos, &n), -1);
  pos = 0;
  assert_int_equal(sd_wire_read_name(ext2, sizeof(ext2), &pos, &n), -1);
}

static void test_read_name_refuses_truncation(void **state) {
  msgbuf m = {0};
  put_name(&m, "example.org");
  sd_wire_name n;
  for (size_t len = 0; len < m.n; len++) { /* every cut, the root label included */
    size_t pos = 0;
    assert_int_equal(sd_wire_read_name(m.b, len, &pos, &n), -1);
  }
  size_t pos = 0;
  assert_int_equal(sd_wire_read_name(m.b, m.n, &pos, &n), 0);
  /* a pointer missing its second byte */
  static const uint8_t half[] = {0, 1, 'a', 0xC0};
  pos = 1;
  assert_int_equal(sd_wire_read_name(half, sizeof(half), &pos, &n), -1);
}

/* A name of three 63-byte labels and one of last_label bytes, read from a
 * chain of backward pointers: 3 * 64 + last_label + 2 bytes. */
static int read_chained(size_t last_label, sd_wire_name *n) {
  msgbuf m = {0};
  char label[64];
  memset(label, 'x', sizeof(label));
  label[last_label] = '\0';
  put_name(&m, label);
  label[last_label] = 'x';
  label[63] = '\0';
  size_t previous = 0;
  for (int i = 0; i < 3; i++) {
    size_t start = m.n;
    put_labels(&m, label);
    put_pointer(&m, previous);
    previous = start;
  }
  size_t pos = previous;
  return sd_wire_read_name(m.b, m.n, &pos, n);
}

static void test_read_name_refuses_over_255_through_pointers(void **state) {
  sd_wire_name n;
  assert_int_equal(read_chained(61, &n), 0);
  assert_int_equal(n.len, 255);
  assert_int_equal(sd_wire_name_labels(&n), 4);
  assert_int_equal(read_chained(62, &n), -1);
}

/* ---- order and relations ------------------------------------------------------------- */

static void test_canonical_order_rfc4034(void **state) {
  /* RFC 4034 §6.1, in order. */
  static const char *order[] = {"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
                                "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
                                "\\200.z.example."};
  enum { N = sizeof(order) / sizeof(order[0]) };
  sd_wire_name names[N];
  for (size_t i = 0; i < N; i++) names[i] = getdns_name(order[i]);
  for (size_t i = 0; i < N; i++) {
    for (size_t j = 0; j < N; j++) {
      int c = sd_wire_name_compare(&names[i], &names[j]);
      if (i < j && c >= 0) fail_msg("%s should sort before %s", order[i], order[j]);
      if (i > j && c <= 0) fail_msg("%s should sort after %s", order[i], order[j]);
      if (i == j && c != 0) fail_msg("%s should equal itself", order[i]);
    }
  }
  sd_wire_name upper = getdns_name("ZABC.A.example."), root = from_text("");
  assert_int_equal(sd_wire_name_compare(&upper, &names[4]), 0);
  assert_true(sd_wire_name_equal(&upper, &names[4]));
  assert_true(sd_wire_name_compare(&root, &names[0]) < 0);
  /* a label that is a prefix of another sorts first */
  sd_wire_name ab = from_text("ab.example"), abc = from_text("abc.example");
  assert_true(sd_wire_name_compare(&ab, &abc) < 0);
}

static void test_labels_suffix_and_at_or_below(void **state) {
  sd_wire_name name = from_text("a.Example.org"), out;
  sd_wire_name root = from_text(""), org = from_text("org");
  assert_int_equal(sd_wire_name_labels(&name), 3);
  assert_int_equal(sd_wire_name_labels(&root), 0);
  sd_wire_name_suffix(&name, 2, &out);
  assert_text(&out, "example.org");
  assert_int_equal(out.len, 13);
  sd_wire_name_suffix(&name, 0, &out);
  assert_int_equal(out.len, 1);
  assert_int_equal(out.data[0], 0);
  sd_wire_name_suffix(&name, 3, &out);
  assert_true(sd_wire_name_equal(&out, &name));
  sd_wire_name_suffix(&name, 9, &out);
  assert_true(sd_wire_name_equal(&out, &name));

  sd_wire_name example = from_text("example.ORG"), bad = from_text("badexample.org");
  sd_wire_name deeper = from_text("b.a.example.org");
  assert_true(sd_wire_name_is_at_or_below(&name, &example));
  assert_true(sd_wire_name_is_at_or_below(&example, &example));
  assert_true(sd_wire_name_is_at_or_below(&deeper, &name));
  assert_true(sd_wire_name_is_at_or_below(&name, &root));
  assert_true(sd_wire_name_is_at_or_below(&root, &root));
  assert_true(sd_wire_name_is_at_or_below(&name, &org));
  assert_false(sd_wire_name_is_at_or_below(&bad, &example));
  assert_false(sd_wire_name_is_at_or_below(&example, &name));
  assert_false(sd_wire_name_is_at_or_below(&org, &example));
  assert_false(sd_wire_name_is_at_or_below(&root, &org));
}

/* ---- queries ------------------------------------------------------------------------- */

static void test_build_query(void **state) {
  sd_wire_name qname = from_text("Mail.Example.org");
  uint8_t q[512];
  size_t len = sd_wire_build_query(q, sizeof(q), 0x1234, &qname, 15);
  assert_int_equal(len, 12 + qname.len + 4 + 11);
  /* by hand */
  static const uint8_t header[] = {0x12, 0x34, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 1}; /* RD, CD; QD 1, AR 1 */
  assert_memory_equal(q, header, sizeof(header));
  assert_memory_equal(q + 12, qname.data, qname.len);
  static const uint8_t rest[] = {0, 15, 0, 1,                        /* MX IN */
                                 0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, /* OPT, 1232, DO */
                                 0, 0};
  assert_memory_equal(q + 12 + qname.len, rest, sizeof(rest));
  /* and as getdns reads it */
  getdns_dict *d = NULL;
  assert_int_equal(getdns_wire2msg_dict(q, len, &d), GETDNS_RETURN_GOOD);
  uint32_t v = 0;
  assert_int_equal(getdns_dict_get_int(d, "/header/id", &v), GETDNS_RETURN_GOOD);
  assert_int_equal(v, 0x1234);
  getdns_dict_get_int(d, "/header/rd", &v);
  assert_int_equal(v, 1);
  getdns_dict_get_int(d, "/header/cd", &v);
  assert_int_equal(v, 1);
  getdns_dict_get_int(d, "/header/qr", &v);
  assert_int_equal(v, 0);
  getdns_dict_get_int(d, "/question/qtype", &v);
  assert_int_equal(v, 15);
  assert_int_equal(getdns_dict_get_int(d, "/additional/0/udp_payload_size", &v), GETDNS_RETURN_GOOD);
  assert_int_equal(v, SD_WIRE_UDP_PAYLOAD);
  assert_int_equal(getdns_dict_get_int(d, "/additional/0/do", &v), GETDNS_RETURN_GOOD);
  assert_int_equal(v, 1);
  getdns_dict_destroy(d);
  /* too small a buffer: nothing */
  assert_int_equal(sd_wire_build_query(q, len - 1, 1, &qname, 15), 0);
  assert_int_equal(sd_wire_build_query(q, len, 1, &qname, 15), len);
}

/* ---- replies --------------------------------------------------------------------------- */

static void test_parse_reply_sections(void **state) {
  msgbuf m = {0};
  put_reply_start(&m, 0x8180, 1, 1, 1, "Example.org", 15);
  put_pointer(&m, 12); /* answer: example.org MX 10 mx1.example.org */
  size_t mx_rdata = m.n + 10;
  put_rr_fixed(&m, 15, 2 + 4 + 2);
  put16(&m, 10);
  put_labels(&m, "mx1");
  put_pointer(&m, 12);
  put_pointer(&m, 12); /* authority: example.org NS ns.example.org (uncompressed) */
  put_rr_fixed(&m, 2, 16);
  put_name(&m, "ns.example.org");
  put_name(&m, "ns.example.org"); /* additional: an A record, not kept */
  put_rr_fixed(&m, 1, 4);
  put32(&m, 0xC0000201);
  sd_wire_msg msg;
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  assert_int_equal(msg.id, 0xBEEF);
  assert_int_equal(msg.flags, 0x8180);
  assert_int_equal(msg.rcode, 0);
  assert_text(&msg.qname, "example.org");
  assert_int_equal(msg.qtype, 15);
  assert_int_equal(msg.qclass, 1);
  assert_int_equal(msg.rr_count, 2);
  assert_int_equal(msg.rr[0].type, 15);
  assert_int_equal(msg.rr[0].section, SD_WIRE_ANSWER);
  assert_int_equal(msg.rr[0].ttl, 300);
  assert_int_equal(msg.rr[0].rdlength, 8);
  assert_int_equal(msg.rr[0].rdata_off, mx_rdata);
  assert_text(&msg.rr[0].owner, "example.org");
  assert_int_equal(msg.rr[1].type, 2);
  assert_int_equal(msg.rr[1].section, SD_WIRE_AUTHORITY);
  /* NXDOMAIN in the header */
  put_reply_start(&m, 0x8183, 0, 0, 0, "nx.example.org", 1);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  assert_int_equal(msg.rcode, 3);
  assert_int_equal(msg.rr_count, 0);
}

static void test_parse_refuses_question_counts(void **state) {
  msgbuf m = {0};
  sd_wire_msg msg;
  put_header(&m, 1, 0x8180, 0, 0, 0, 0);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
  put_header(&m, 1, 0x8180, 2, 0, 0, 0);
  for (int i = 0; i < 2; i++) {
    put_name(&m, "example.org");
    put16(&m, 1);
    put16(&m, 1);
  }
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
  assert_int_equal(sd_wire_parse(&msg, m.b, 11), -1); /* shorter than a header */
  put_header(&m, 1, 0x8180, 1, 0, 0, 0);
  put_name(&m, "example.org");
  put16(&m, 1); /* the class is missing */
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
  put16(&m, 1);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
}

/* A reply to "example.org A" with `an` answer and `ns` authority A records
 * (the header may claim others). */
static void put_a_records(msgbuf *m, unsigned an, unsigned ns, uint16_t claim_an, uint16_t claim_ns) {
  put_reply_start(m, 0x8180, claim_an, claim_ns, 0, "example.org", 1);
  for (unsigned i = 0; i < an + ns; i++) {
    put_pointer(m, 12);
    put_rr_fixed(m, 1, 4);
    put32(m, 0xC0000200 + i);
  }
}

static void test_parse_bounds_record_count(void **state) {
  static msgbuf m;
  static sd_wire_msg msg;
  put_a_records(&m, 60, SD_WIRE_MAX_RRS - 60, 60, SD_WIRE_MAX_RRS - 60);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  assert_int_equal(msg.rr_count, SD_WIRE_MAX_RRS);
  assert_int_equal(msg.rr[59].section, SD_WIRE_ANSWER);
  assert_int_equal(msg.rr[60].section, SD_WIRE_AUTHORITY);
  put_a_records(&m, 60, SD_WIRE_MAX_RRS - 59, 60, SD_WIRE_MAX_RRS - 59);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
  put_a_records(&m, 0, 0, 0xFFFF, 0xFFFF); /* counts alone, no records */
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
  put_a_records(&m, 2, 0, 3, 0); /* a record fewer than the header says */
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
}

static void test_parse_refuses_record_past_end(void **state) {
  msgbuf m = {0};
  sd_wire_msg msg;
  put_reply_start(&m, 0x8180, 1, 0, 0, "example.org", 16);
  put_pointer(&m, 12);
  put_rr_fixed(&m, 16, 10);
  put8(&m, 9);
  put_bytes(&m, "too", 3); /* 4 of the 10 bytes announced */
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
  put_bytes(&m, "short!", 6);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  for (size_t cut = 12 + 13 + 4; cut < m.n; cut++) /* every cut inside the record */
    assert_int_equal(sd_wire_parse(&msg, m.b, cut), -1);
}

static void put_opt(msgbuf *m, uint8_t ext_rcode) {
  put8(m, 0);
  put16(m, 41);
  put16(m, 1232);
  put8(m, ext_rcode);
  put8(m, 0);
  put16(m, 0x8000);
  put16(m, 0);
}

static void test_parse_extended_rcode(void **state) {
  msgbuf m = {0};
  sd_wire_msg msg;
  put_reply_start(&m, 0x8180, 0, 0, 1, "example.org", 1);
  put_opt(&m, 1); /* 1 << 4 | 0: BADVERS (16) */
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  assert_int_equal(msg.rcode, 16);
  assert_int_equal(msg.flags & 0x0F, 0);
  put_reply_start(&m, 0x8183, 0, 0, 1, "example.org", 1);
  put_opt(&m, 0);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  assert_int_equal(msg.rcode, 3);
  put_reply_start(&m, 0x8182, 0, 0, 1, "example.org", 1);
  put_opt(&m, 2);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  assert_int_equal(msg.rcode, 34);
  /* a malformed additional section refuses the whole reply */
  put_reply_start(&m, 0x8180, 0, 0, 2, "example.org", 1);
  put_opt(&m, 0);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), -1);
}

/* ---- canonical rdata ------------------------------------------------------------------------ */

/* A reply to "Example.ORG <type>" with one answer record (owner compressed
 * to the question) whose rdata `rdata` writes; returns the parsed record. */
typedef void (*rdata_writer)(msgbuf *m);

static const sd_wire_rr *one_record(msgbuf *m, sd_wire_msg *msg, uint16_t type, rdata_writer rdata) {
  put_reply_start(m, 0x8180, 1, 0, 0, "Example.ORG", type);
  put_pointer(m, 12);
  put_rr_fixed(m, type, 0);
  size_t rdlen_at = m->n - 2, start = m->n;
  rdata(m);
  size_t rdlen = m->n - start;
  m->b[rdlen_at] = (uint8_t)(rdlen >> 8);
  m->b[rdlen_at + 1] = (uint8_t)rdlen;
  if (sd_wire_parse(msg, m->b, m->n) != 0) fail_msg("the test's own reply does not parse");
  return &msg->rr[0];
}

static void mx_compressed(msgbuf *m) {
  put16(m, 10);
  put_labels(m, "MX1");
  put_pointer(m, 12); /* Example.ORG in the question */
}

static void test_expand_mx_compressed(void **state) {
  msgbuf m = {0};
  sd_wire_msg msg;
  const sd_wire_rr *rr = one_record(&m, &msg, 15, mx_compressed);
  uint8_t out[300];
  static const uint8_t lower[] = {0, 10, 3, 'm', 'x', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0};
  static const uint8_t kept[] = {0, 10, 3, 'M', 'X', '1', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'O', 'R', 'G', 0};
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), sizeof(lower));
  assert_memory_equal(out, lower, sizeof(lower));
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 0), sizeof(kept));
  assert_memory_equal(out, kept, sizeof(kept));
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(lower) - 1, 1), -1); /* out too small */
}

static void mx_running_past_rdata(msgbuf *m) {
  put16(m, 10);
  put8(m, 3);
  put_bytes(m, "MX", 2); /* "MX1" is cut by the rdlength ... */
}

static void test_expand_refuses_name_past_rdlength(void **state) {
  msgbuf m = {0};
  sd_wire_msg msg;
  one_record(&m, &msg, 15, mx_running_past_rdata);
  put_bytes(&m, "1", 1); /* ... and the message goes on with the rest of a valid name */
  put_pointer(&m, 12);
  assert_int_equal(sd_wire_parse(&msg, m.b, m.n), 0);
  uint8_t out[300];
  assert_int_equal(sd_wire_rdata_expand(&msg, &msg.rr[0], out, sizeof(out), 1), -1);
}

static void soa_compressed(msgbuf *m) {
  put_labels(m, "NS");
  put_pointer(m, 12);
  put_labels(m, "Hostmaster");
  put_pointer(m, 12);
  for (uint32_t i = 1; i <= 5; i++) put32(m, i);
}

static void soa_short(msgbuf *m) {
  put_name(m, "ns.example.org");
  put_name(m, "hostmaster.example.org");
  for (uint32_t i = 1; i <= 4; i++) put32(m, i);
  put16(m, 5); /* 18 of the 20 fixed bytes */
}

static void test_expand_soa(void **state) {
  msgbuf m = {0}, want = {0};
  sd_wire_msg msg;
  const sd_wire_rr *rr = one_record(&m, &msg, 6, soa_compressed);
  put_name(&want, "ns.example.org");
  put_name(&want, "hostmaster.example.org");
  for (uint32_t i = 1; i <= 5; i++) put32(&want, i);
  uint8_t out[600];
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), want.n);
  assert_memory_equal(out, want.b, want.n);
  rr = one_record(&m, &msg, 6, soa_short);
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), -1);
}

static const uint8_t rrsig_fixed[18] = {0, 15, 13, 2, 0, 0, 0x0E, 0x10, 0x70, 0, 0, 0, 0x60, 0, 0, 0, 0x12, 0x34};
static const char rrsig_signature[] = "SIGNATURE bytes: NOT a name";

static void rrsig_upper_signer(msgbuf *m) {
  put_bytes(m, rrsig_fixed, sizeof(rrsig_fixed));
  put_name(m, "Example.ORG");
  put_bytes(m, rrsig_signature, sizeof(rrsig_signature) - 1);
}

static void test_expand_rrsig_lowers_signer_only(void **state) {
  msgbuf m = {0}, want = {0};
  sd_wire_msg msg;
  const sd_wire_rr *rr = one_record(&m, &msg, 46, rrsig_upper_signer);
  put_bytes(&want, rrsig_fixed, sizeof(rrsig_fixed));
  put_name(&want, "example.org");
  put_bytes(&want, rrsig_signature, sizeof(rrsig_signature) - 1); /* upper case stays: it is binary */
  uint8_t out[600];
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), want.n);
  assert_memory_equal(out, want.b, want.n);
}

static const uint8_t nsec_bitmap[] = {0, 6, 0x40, 0x01, 0, 0, 0, 0x03}; /* A MX RRSIG NSEC */

static void nsec_upper_next(msgbuf *m) {
  put_name(m, "A.Example.ORG");
  put_bytes(m, nsec_bitmap, sizeof(nsec_bitmap));
}

static void test_expand_nsec_keeps_next_case(void **state) {
  msgbuf m = {0}, want = {0};
  sd_wire_msg msg;
  const sd_wire_rr *rr = one_record(&m, &msg, 47, nsec_upper_next);
  put_name(&want, "A.Example.ORG"); /* RFC 6840 §5.1: not lower-cased */
  put_bytes(&want, nsec_bitmap, sizeof(nsec_bitmap));
  uint8_t out[600];
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), want.n);
  assert_memory_equal(out, want.b, want.n);
}

static void naptr(msgbuf *m) {
  put16(m, 10);
  put16(m, 100);
  put8(m, 1);
  put8(m, 'S');
  put8(m, 7);
  put_bytes(m, "SIP+D2U", 7);
  put8(m, 0);
  put_name(m, "_sip._udp.Example.ORG");
}

static void txt_upper(msgbuf *m) {
  put8(m, 11);
  put_bytes(m, "Hello WORLD", 11);
}

static void a_record(msgbuf *m) { put32(m, 0xC0000201); }

static void test_expand_refuses_naptr_copies_opaque(void **state) {
  msgbuf m = {0};
  sd_wire_msg msg;
  uint8_t out[600];
  const sd_wire_rr *rr = one_record(&m, &msg, 35, naptr);
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), -1);
  rr = one_record(&m, &msg, 16, txt_upper);
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), 12);
  assert_memory_equal(out, "\x0bHello WORLD", 12); /* opaque: case kept */
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, 11, 1), -1);
  rr = one_record(&m, &msg, 1, a_record);
  assert_int_equal(sd_wire_rdata_expand(&msg, rr, out, sizeof(out), 1), 4);
  assert_memory_equal(out, "\xc0\x00\x02\x01", 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_name_from_text_wire_bytes),
      cmocka_unit_test(test_name_text_round_trip),
      cmocka_unit_test(test_name_to_text_escapes),
      cmocka_unit_test(test_name_to_text_bounds),
      cmocka_unit_test(test_name_from_text_refuses),
      cmocka_unit_test(test_read_name_backward_pointer),
      cmocka_unit_test(test_read_name_refuses_bad_pointers),
      cmocka_unit_test(test_read_name_refuses_truncation),
      cmocka_unit_test(test_read_name_refuses_over_255_through_pointers),
      cmocka_unit_test(test_canonical_order_rfc4034),
      cmocka_unit_test(test_labels_suffix_and_at_or_below),
      cmocka_unit_test(test_build_query),
      cmocka_unit_test(test_parse_reply_sections),
      cmocka_unit_test(test_parse_refuses_question_counts),
      cmocka_unit_test(test_parse_bounds_record_count),
      cmocka_unit_test(test_parse_refuses_record_past_end),
      cmocka_unit_test(test_parse_extended_rcode),
      cmocka_unit_test(test_expand_mx_compressed),
      cmocka_unit_test(test_expand_refuses_name_past_rdlength),
      cmocka_unit_test(test_expand_soa),
      cmocka_unit_test(test_expand_rrsig_lowers_signer_only),
      cmocka_unit_test(test_expand_nsec_keeps_next_case),
      cmocka_unit_test(test_expand_refuses_naptr_copies_opaque),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
