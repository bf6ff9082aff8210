/* Unit tests of the stub fast path's zone table and reply classification
 * (src/dns/zonekeys.c): only "secure with validated keys" and "below a zone
 * proven insecure" may skip getdns's full validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <getdns/getdns_extra.h>

#include "dns/zonekeys.h"

/* ---- building replies ---------------------------------------------------- */

static void set_name(getdns_dict *d, const char *key, const char *fqdn) {
  getdns_bindata *wire = NULL;
  assert_int_equal(getdns_convert_fqdn_to_dns_name(fqdn, &wire), GETDNS_RETURN_GOOD);
  assert_int_equal(getdns_dict_set_bindata(d, key, wire), GETDNS_RETURN_GOOD);
  free(wire->data);
  free(wire);
}

static getdns_dict *rr(const char *owner, uint32_t type) {
  getdns_dict *d = getdns_dict_create();
  set_name(d, "name", owner);
  getdns_dict_set_int(d, "type", type);
  getdns_dict_set_int(d, "class", 1);
  getdns_dict_set_int(d, "ttl", 300);
  return d;
}

static getdns_dict *rrsig(const char *owner, const char *signer) {
  getdns_dict *d = rr(owner, GETDNS_RRTYPE_RRSIG);
  set_name(d, "/rdata/signers_name", signer);
  getdns_dict_set_int(d, "/rdata/type_covered", GETDNS_RRTYPE_MX);
  return d;
}

typedef struct reply {
  getdns_dict *dict;
  getdns_list *answer, *authority;
  size_t an, ns;
} reply;

static reply new_reply(uint32_t rcode, uint32_t qr) {
  reply r = {getdns_dict_create(), getdns_list_create(), getdns_list_create(), 0, 0};
  getdns_dict_set_int(r.dict, "/header/rcode", rcode);
  getdns_dict_set_int(r.dict, "/header/qr", qr);
  return r;
}

static void add(reply *r, int authority, getdns_dict *record) {
  if (authority)
    getdns_list_set_dict(r->authority, r->ns++, record);
  else
    getdns_list_set_dict(r->answer, r->an++, record);
  getdns_dict_destroy(record);
}

static sd_fast_verdict classify(sd_zone_table *t, reply *r, const char *qname, char *zone) {
  getdns_dict_set_list(r->dict, "answer", r->answer);
  getdns_dict_set_list(r->dict, "authority", r->authority);
  getdns_list *replies = getdns_list_create();
  getdns_list_set_dict(replies, 0, r->dict);
  zone[0] = '\0';
  sd_fast_verdict v = sd_fast_classify(t, r->dict, replies, qname, zone, 1100);
  getdns_list_destroy(replies);
  getdns_list_destroy(r->answer);
  getdns_list_destroy(r->authority);
  getdns_dict_destroy(r->dict);
  return v;
}

static sd_zone *zone_in_state(sd_zone_table *t, const char *name, sd_zone_state state) {
  int created = 0;
  sd_zone *z = sd_zone_table_get(t, name, &created);
  assert_non_null(z);
  z->state = state;
  if (state != SD_ZONE_PENDING) sd_zone_table_settled(t, z);
  return z;
}

/* ---- names and table ------------------------------------------------------- */

static void test_at_or_below_respects_labels(void **state) {
  assert_true(sd_name_is_at_or_below("a.example.org", "example.org"));
  assert_true(sd_name_is_at_or_below("Example.ORG", "example.org"));
  assert_true(sd_name_is_at_or_below("a.example.org", ""));
  assert_false(sd_name_is_at_or_below("badexample.org", "example.org"));
  assert_false(sd_name_is_at_or_below("example.org", "a.example.org"));
  assert_false(sd_name_is_at_or_below("org", "example.org"));
}

static void test_insecure_ancestor(void **state) {
  sd_zone_table t;
  assert_int_equal(sd_zone_table_init(&t, 16), 0);
  assert_false(sd_zone_insecure_ancestor(&t, "d1.pop-u.test"));
  zone_in_state(&t, "pop-s.test", SD_ZONE_SECURE);
  zone_in_state(&t, "pop-u.test", SD_ZONE_INSECURE);
  assert_true(sd_zone_insecure_ancestor(&t, "d1.pop-u.test"));
  assert_true(sd_zone_insecure_ancestor(&t, "POP-U.test"));
  assert_false(sd_zone_insecure_ancestor(&t, "d1.pop-s.test"));
  assert_false(sd_zone_insecure_ancestor(&t, "d1.xpop-u.test"));
  assert_false(sd_zone_insecure_ancestor(&t, "test"));
  sd_zone_table_destroy(&t);
}

static void test_table_bounded_keeps_parked_and_forgets(void **state) {
  sd_zone_table t;
  assert_int_equal(sd_zone_table_init(&t, 4), 0);
  char name[32];
  int created = 0;
  sd_zone *first = sd_zone_table_get(&t, "z0.example", &created);
  first->parked = calloc(1, sizeof(*first->parked)); /* an answer waits on it */
  first->state = SD_ZONE_INSECURE;
  sd_zone_table_settled(&t, first);
  for (int i = 1; i < 1000; i++) {
    snprintf(name, sizeof(name), "z%d.example", i);
    sd_zone *z = sd_zone_table_get(&t, name, &created);
    assert_true(created);
    z->state = SD_ZONE_INSECURE;
    sd_zone_table_settled(&t, z);
  }
  assert_ptr_equal(sd_zone_table_find(&t, "z0.example"), first); /* parked: kept */
  free(first->parked);
  first->parked = NULL;
  sd_zone *z = sd_zone_table_get(&t, "late.example", &created);
  sd_zone_table_settled(&t, z);
  assert_true(t.count <= 5);
  assert_null(sd_zone_table_find(&t, "z0.example"));
  assert_non_null(sd_zone_table_find(&t, "z999.example"));
  sd_zone *pending = sd_zone_table_get(&t, "failed.example", &created);
  sd_zone_table_forget(&t, pending);
  assert_null(sd_zone_table_find(&t, "failed.example"));
  sd_zone_table_destroy(&t);
}

/* ---- learning ---------------------------------------------------------------- */

static getdns_dict *dnskey_response(uint32_t dnssec, uint32_t rcode, int with_key) {
  getdns_dict *resp = getdns_dict_create();
  getdns_dict_set_int(resp, "status", rcode == 3 ? GETDNS_RESPSTATUS_NO_NAME : GETDNS_RESPSTATUS_GOOD);
  reply r = new_reply(rcode, 1);
  getdns_dict_set_int(r.dict, "dnssec_status", dnssec);
  if (with_key) {
    getdns_dict *key = rr("example.", GETDNS_RRTYPE_DNSKEY);
    getdns_dict_set_int(key, "/rdata/flags", 257);
    add(&r, 0, key);
    add(&r, 0, rrsig("example.", "example."));
  }
  getdns_dict_set_list(r.dict, "answer", r.answer);
  getdns_list *replies = getdns_list_create();
  getdns_list_set_dict(replies, 0, r.dict);
  getdns_dict_set_list(resp, "replies_tree", replies);
  getdns_list_destroy(replies);
  getdns_list_destroy(r.answer);
  getdns_list_destroy(r.authority);
  getdns_dict_destroy(r.dict);
  return resp;
}

static sd_zone_state learnt(getdns_dict *response, size_t *keys) {
  sd_zone_table t;
  int created;
  assert_int_equal(sd_zone_table_init(&t, 4), 0);
  sd_zone *z = sd_zone_table_get(&t, "example", &created);
  sd_zone_learn(z, response);
  *keys = 0;
  if (z->keys) getdns_list_get_length(z->keys, keys);
  sd_zone_state s = z->state;
  if (response) getdns_dict_destroy(response);
  sd_zone_table_destroy(&t);
  return s;
}

static void test_learn(void **state) {
  size_t keys;
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_SECURE, 0, 1), &keys), SD_ZONE_SECURE);
  assert_int_equal(keys, 1); /* the RRSIG is not a key */
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INSECURE, 0, 0), &keys), SD_ZONE_INSECURE);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INSECURE, 3, 0), &keys), SD_ZONE_INSECURE);
  /* secure "no DNSKEY here": not an apex, teaches nothing */
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_SECURE, 0, 0), &keys), SD_ZONE_OTHER);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_BOGUS, 0, 1), &keys), SD_ZONE_OTHER);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INDETERMINATE, 0, 1), &keys), SD_ZONE_OTHER);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INSECURE, 2, 0), &keys), SD_ZONE_OTHER);
  assert_int_equal(learnt(NULL, &keys), SD_ZONE_OTHER);
  getdns_dict *timeout = getdns_dict_create();
  getdns_dict_set_int(timeout, "status", GETDNS_RESPSTATUS_ALL_TIMEOUT);
  assert_int_equal(learnt(timeout, &keys), SD_ZONE_OTHER);
}

/* ---- classification -------------------------------------------------------------- */

static void test_errors_and_non_replies_as_is(void **state) {
  sd_zone_table t;
  char zone[1100];
  assert_int_equal(sd_zone_table_init(&t, 16), 0);
  reply r = new_reply(2, 1);
  assert_int_equal(classify(&t, &r, "d1.example", zone), SD_FAST_AS_IS);
  r = new_reply(0, 0); /* a query, not an answer */
  assert_int_equal(classify(&t, &r, "d1.example", zone), SD_FAST_AS_IS);
  sd_zone_table_destroy(&t);
}

static void test_aliases_fall_back(void **state) {
  sd_zone_table t;
  char zone[1100];
  assert_int_equal(sd_zone_table_init(&t, 16), 0);
  zone_in_state(&t, "example", SD_ZONE_INSECURE);
  reply r = new_reply(0, 1);
  add(&r, 0, rr("d1.example.", GETDNS_RRTYPE_CNAME));
  add(&r, 0, rr("other.test.", GETDNS_RRTYPE_MX));
  assert_int_equal(classify(&t, &r, "d1.example", zone), SD_FAST_FALLBACK);
  r = new_reply(0, 1);
  add(&r, 0, rr("d1.example.", GETDNS_RRTYPE_DNAME));
  assert_int_equal(classify(&t, &r, "x.d1.example", zone), SD_FAST_FALLBACK);
  sd_zone_table_destroy(&t);
}

static void test_unsigned_answers(void **state) {
  sd_zone_table t;
  char zone[1100];
  assert_int_equal(sd_zone_table_init(&t, 16), 0);
  /* nothing known: learn the name itself */
  reply r = new_reply(0, 1);
  add(&r, 0, rr("d1.pop-u.test.", GETDNS_RRTYPE_MX));
  assert_int_equal(classify(&t, &r, "d1.pop-u.test", zone), SD_FAST_NEED_ZONE);
  assert_string_equal(zone, "d1.pop-u.test");
  /* a negative answer names its zone (SOA) */
  r = new_reply(3, 1);
  add(&r, 1, rr("Pop-U.test.", GETDNS_RRTYPE_SOA));
  assert_int_equal(classify(&t, &r, "_mta-sts.d1.pop-u.test", zone), SD_FAST_NEED_ZONE);
  assert_string_equal(zone, "pop-u.test");
  /* an SOA of an unrelated zone is ignored */
  r = new_reply(3, 1);
  add(&r, 1, rr("elsewhere.test.", GETDNS_RRTYPE_SOA));
  assert_int_equal(classify(&t, &r, "_mta-sts.d1.pop-u.test", zone), SD_FAST_NEED_ZONE);
  assert_string_equal(zone, "_mta-sts.d1.pop-u.test");
  /* below a zone proven insecure */
  zone_in_state(&t, "pop-u.test", SD_ZONE_INSECURE);
  r = new_reply(0, 1);
  add(&r, 0, rr("d2.pop-u.test.", GETDNS_RRTYPE_MX));
  assert_int_equal(classify(&t, &r, "d2.pop-u.test", zone), SD_FAST_INSECURE);
  /* unsigned below a secure zone: stripped signatures? getdns decides */
  zone_in_state(&t, "pop-s.test", SD_ZONE_SECURE);
  r = new_reply(3, 1);
  add(&r, 1, rr("pop-s.test.", GETDNS_RRTYPE_SOA));
  assert_int_equal(classify(&t, &r, "_mta-sts.d1.pop-s.test", zone), SD_FAST_FALLBACK);
  /* still learning: wait for it */
  zone_in_state(&t, "pending.test", SD_ZONE_PENDING);
  r = new_reply(3, 1);
  add(&r, 1, rr("pending.test.", GETDNS_RRTYPE_SOA));
  assert_int_equal(classify(&t, &r, "x.pending.test", zone), SD_FAST_NEED_ZONE);
  assert_string_equal(zone, "pending.test");
  sd_zone_table_destroy(&t);
}

static void test_signed_answers(void **state) {
  sd_zone_table t;
  char zone[1100];
  assert_int_equal(sd_zone_table_init(&t, 16), 0);
  reply r = new_reply(0, 1);
  add(&r, 0, rr("d1.pop-s.test.", GETDNS_RRTYPE_MX));
  add(&r, 0, rrsig("d1.pop-s.test.", "pop-s.test."));
  assert_int_equal(classify(&t, &r, "d1.pop-s.test", zone), SD_FAST_NEED_ZONE);
  assert_string_equal(zone, "pop-s.test");
  /* a signer that is not the name's zone or above proves nothing */
  r = new_reply(0, 1);
  add(&r, 0, rr("d1.pop-s.test.", GETDNS_RRTYPE_MX));
  add(&r, 0, rrsig("d1.pop-s.test.", "attacker.test."));
  assert_int_equal(classify(&t, &r, "d1.pop-s.test", zone), SD_FAST_FALLBACK);
  /* several signers: getdns decides */
  r = new_reply(3, 1);
  add(&r, 1, rrsig("a.pop-s.test.", "pop-s.test."));
  add(&r, 1, rrsig("test.", "test."));
  assert_int_equal(classify(&t, &r, "x.pop-s.test", zone), SD_FAST_FALLBACK);
  /* signed by a zone proven insecure (signed, no DS) */
  zone_in_state(&t, "nods.test", SD_ZONE_INSECURE);
  r = new_reply(0, 1);
  add(&r, 0, rr("d1.nods.test.", GETDNS_RRTYPE_MX));
  add(&r, 0, rrsig("d1.nods.test.", "nods.test."));
  assert_int_equal(classify(&t, &r, "d1.nods.test", zone), SD_FAST_INSECURE);
  /* bogus or failed zone: full path */
  zone_in_state(&t, "bogus.test", SD_ZONE_OTHER);
  r = new_reply(0, 1);
  add(&r, 0, rr("d1.bogus.test.", GETDNS_RRTYPE_MX));
  add(&r, 0, rrsig("d1.bogus.test.", "bogus.test."));
  assert_int_equal(classify(&t, &r, "d1.bogus.test", zone), SD_FAST_FALLBACK);
  /* secure zone whose keys do not verify the answer: never "secure" */
  sd_zone *z = zone_in_state(&t, "pop-s.test", SD_ZONE_SECURE);
  z->keys = getdns_list_create();
  getdns_dict *key = rr("pop-s.test.", GETDNS_RRTYPE_DNSKEY);
  getdns_dict_set_int(key, "/rdata/flags", 257);
  getdns_dict_set_int(key, "/rdata/protocol", 3);
  getdns_dict_set_int(key, "/rdata/algorithm", 13);
  getdns_bindata pub = {64, (uint8_t *)"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
  getdns_dict_set_bindata(key, "/rdata/public_key", &pub);
  getdns_list_set_dict(z->keys, 0, key);
  getdns_dict_destroy(key);
  r = new_reply(0, 1);
  add(&r, 0, rr("d1.pop-s.test.", GETDNS_RRTYPE_MX));
  add(&r, 0, rrsig("d1.pop-s.test.", "pop-s.test."));
  assert_int_equal(classify(&t, &r, "d1.pop-s.test", zone), SD_FAST_FALLBACK);
  sd_zone_table_destroy(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_at_or_below_respects_labels),
      cmocka_unit_test(test_insecure_ancestor),
      cmocka_unit_test(test_table_bounded_keeps_parked_and_forgets),
      cmocka_unit_test(test_learn),
      cmocka_unit_test(test_errors_and_non_replies_as_is),
      cmocka_unit_test(test_aliases_fall_back),
      cmocka_unit_test(test_unsigned_answers),
      cmocka_unit_test(test_signed_answers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
