/* sd_dns_answer_from_packet: the answer callers see for messages as
 * libunbound returns them, built here with ldns from presentation form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/answer.h"
#include "dns/cache.h"

typedef struct packet {
  uint8_t *wire;
  size_t len;
} packet;

/* A reply to name/type with rcode and the records given (one per string,
 * "S:" prefix for the authority section), in wire form. */
static packet make_reply(const char *name, ldns_rr_type type, ldns_pkt_rcode rcode, const char *const *rrs) {
  ldns_pkt *pkt = NULL;
  assert_int_equal(ldns_pkt_query_new_frm_str(&pkt, name, type, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_rcode(pkt, (uint8_t)rcode);
  for (size_t i = 0; rrs && rrs[i]; i++) {
    int authority = strncmp(rrs[i], "S:", 2) == 0;
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i] + (authority ? 2 : 0), 3600, NULL, NULL), LDNS_STATUS_OK);
    ldns_pkt_push_rr(pkt, authority ? LDNS_SECTION_AUTHORITY : LDNS_SECTION_ANSWER, rr);
  }
  packet p = {0};
  assert_int_equal(ldns_pkt2wire(&p.wire, pkt, &p.len), LDNS_STATUS_OK);
  ldns_pkt_free(pkt);
  return p;
}

static void parse(sd_dns_answer *a, const char *qname, uint16_t qtype, packet p, sd_dnssec sec, uint32_t *ttl) {
  memset(a, 0, sizeof(*a));
  a->qname = strdup(qname);
  a->qtype = qtype;
  sd_dns_answer_from_packet(a, p.wire, p.len, sec, ttl);
  free(p.wire);
}

static void test_mx_records(void **state) {
  const char *rrs[] = {"example.test. 300 IN MX 10 MX1.Example.Test.", "example.test. 600 IN MX 20 mx2.example.test.",
                       NULL};
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "example.test", SD_RR_MX, make_reply("example.test.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, rrs),
        SD_DNSSEC_SECURE, &ttl);
  assert_int_equal(a.lookup, SD_LOOKUP_OK);
  assert_int_equal(a.dnssec, SD_DNSSEC_SECURE);
  assert_int_equal(a.count, 2);
  assert_int_equal(a.records[0].preference, 10);
  assert_string_equal(a.records[0].target, "mx1.example.test"); /* lower case, no dot */
  assert_string_equal(a.records[1].owner, "example.test");
  assert_int_equal(ttl, 300); /* the smallest */
  sd_dns_answer_clear(&a);
}

static void test_txt_strings_joined(void **state) {
  const char *rrs[] = {"_mta-sts.example.test. 60 IN TXT \"v=STSv1; \" \"id=1\"", NULL};
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "_mta-sts.example.test", SD_RR_TXT,
        make_reply("_mta-sts.example.test.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, rrs), SD_DNSSEC_INSECURE, &ttl);
  assert_int_equal(a.count, 1);
  assert_int_equal(a.records[0].text_len, strlen("v=STSv1; id=1"));
  assert_memory_equal(a.records[0].text, "v=STSv1; id=1", a.records[0].text_len);
  sd_dns_answer_clear(&a);
}

static void test_addresses(void **state) {
  const char *v4[] = {"mx.example.test. 60 IN A 192.0.2.25", NULL};
  const char *v6[] = {"mx.example.test. 60 IN AAAA 2001:db8::25", NULL};
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "mx.example.test", SD_RR_A, make_reply("mx.example.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, v4),
        SD_DNSSEC_SECURE, &ttl);
  assert_string_equal(a.records[0].ip, "192.0.2.25");
  sd_dns_answer_clear(&a);
  parse(&a, "mx.example.test", SD_RR_AAAA,
        make_reply("mx.example.test.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, v6), SD_DNSSEC_SECURE, &ttl);
  assert_string_equal(a.records[0].ip, "2001:db8::25");
  sd_dns_answer_clear(&a);
}

static void test_tlsa_rdata(void **state) {
  const char *rrs[] = {"_25._tcp.mx.example.test. 60 IN TLSA 3 1 1 "
                       "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
                       NULL};
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "_25._tcp.mx.example.test", SD_RR_TLSA,
        make_reply("_25._tcp.mx.example.test.", LDNS_RR_TYPE_TLSA, LDNS_RCODE_NOERROR, rrs), SD_DNSSEC_SECURE, &ttl);
  assert_int_equal(a.count, 1);
  assert_int_equal(a.records[0].rdata_len, 3 + 32);
  assert_int_equal(a.records[0].rdata[0], 3);
  assert_int_equal(a.records[0].rdata[1], 1);
  assert_int_equal(a.records[0].rdata[2], 1);
  assert_int_equal(a.records[0].rdata[3], 0x01);
  assert_int_equal(a.records[0].rdata[34], 0x20);
  sd_dns_answer_clear(&a);
}

static void test_cname_chain(void **state) {
  const char *rrs[] = {"mta-sts.example.test. 60 IN CNAME policy.host.test.",
                       "policy.host.test. 60 IN CNAME edge.cdn.test.", "edge.cdn.test. 30 IN A 203.0.113.7", NULL};
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "mta-sts.example.test", SD_RR_A,
        make_reply("mta-sts.example.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs), SD_DNSSEC_INSECURE, &ttl);
  assert_int_equal(a.cname_count, 2);
  assert_string_equal(a.cnames[0], "policy.host.test");
  assert_string_equal(a.cnames[1], "edge.cdn.test");
  assert_int_equal(a.count, 1);
  assert_string_equal(a.records[0].owner, "edge.cdn.test");
  assert_int_equal(ttl, 30);
  sd_dns_answer_clear(&a);
}

static void test_negative_answers(void **state) {
  const char *soa[] = {"S:example.test. 3600 IN SOA ns.test. host.test. 1 7200 3600 1209600 120", NULL};
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "nope.example.test", SD_RR_MX,
        make_reply("nope.example.test.", LDNS_RR_TYPE_MX, LDNS_RCODE_NXDOMAIN, soa), SD_DNSSEC_SECURE, &ttl);
  assert_int_equal(a.lookup, SD_LOOKUP_NXDOMAIN);
  assert_int_equal(a.rcode, 3);
  assert_int_equal(ttl, 120); /* min(SOA TTL, SOA minimum), RFC 2308 */
  sd_dns_answer_clear(&a);
  parse(&a, "example.test", SD_RR_TLSA, make_reply("example.test.", LDNS_RR_TYPE_TLSA, LDNS_RCODE_NOERROR, soa),
        SD_DNSSEC_BOGUS, &ttl);
  assert_int_equal(a.lookup, SD_LOOKUP_NODATA);
  assert_int_equal(a.dnssec, SD_DNSSEC_BOGUS);
  sd_dns_answer_clear(&a);
}

static void test_error_rcode_is_error(void **state) {
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "example.test", SD_RR_MX, make_reply("example.test.", LDNS_RR_TYPE_MX, LDNS_RCODE_REFUSED, NULL),
        SD_DNSSEC_SECURE, &ttl);
  assert_int_equal(a.lookup, SD_LOOKUP_ERROR);
  assert_int_equal(a.dnssec, SD_DNSSEC_INDETERMINATE);
  assert_non_null(strstr(a.error, "REFUSED"));
  sd_dns_answer_clear(&a);
}

static void test_garbage_is_error(void **state) {
  uint8_t junk[7] = {1, 2, 3, 4, 5, 6, 7};
  sd_dns_answer a = {0};
  uint32_t ttl = 9;
  a.qname = strdup("example.test");
  a.qtype = SD_RR_MX;
  sd_dns_answer_from_packet(&a, junk, sizeof(junk), SD_DNSSEC_SECURE, &ttl);
  assert_int_equal(a.lookup, SD_LOOKUP_ERROR);
  assert_int_equal(ttl, 0);
  sd_dns_answer_from_packet(&a, NULL, 0, SD_DNSSEC_SECURE, &ttl);
  assert_int_equal(a.lookup, SD_LOOKUP_ERROR);
  sd_dns_answer_clear(&a);
}

static void test_records_are_capped(void **state) {
  enum { N = SD_DNS_MAX_RECORDS + 20 };
  static char text[N][64];
  const char *rrs[N + 1];
  for (int i = 0; i < N; i++) {
    snprintf(text[i], sizeof(text[i]), "big.test. 60 IN A 10.0.%d.%d", i / 256, i % 256);
    rrs[i] = text[i];
  }
  rrs[N] = NULL;
  sd_dns_answer a;
  uint32_t ttl = 0;
  parse(&a, "big.test", SD_RR_A, make_reply("big.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs),
        SD_DNSSEC_INSECURE, &ttl);
  assert_int_equal(a.count, SD_DNS_MAX_RECORDS);
  sd_dns_answer_clear(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mx_records),        cmocka_unit_test(test_txt_strings_joined),
      cmocka_unit_test(test_addresses),         cmocka_unit_test(test_tlsa_rdata),
      cmocka_unit_test(test_cname_chain),       cmocka_unit_test(test_negative_answers),
      cmocka_unit_test(test_error_rcode_is_error), cmocka_unit_test(test_garbage_is_error),
      cmocka_unit_test(test_records_are_capped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
