/* Unit tests of the stub fast path's zone table (src/dns/zonekeys.c) and of
 * its judgement of wire-format replies (src/dns/fastpath.c) with real
 * signatures: only "secure, proven with the zone's keys" and "below a zone
 * proven insecure" may skip getdns's full validation.
 *
 * The signed zone "fix.test" and its key come from
 * tests/unit/data/make_fastpath_fixture.sh (ECDSA P-256, NSEC); replies are
 * assembled here from its records, as a resolver would send them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <getdns/getdns_extra.h>

#include "dns/fastpath.h"
#include "dns/zonekeys.h"

enum { T_A = 1, T_CNAME = 5, T_SOA = 6, T_MX = 15, T_TXT = 16, T_RRSIG = 46, T_NSEC = 47, T_DNSKEY = 48 };

/* Inside the fixture's validity window (2020-01-01 .. 2087-12-31), and outside it. */
#define NOW_VALID 1893456000u       /* 2030-01-01 */
#define NOW_EXPIRED 3723753600u     /* 2088-01-01 */
#define NOW_NOT_YET 1577750400u     /* 2019-12-31 */

/* ---- the fixture ------------------------------------------------------------------- */

typedef struct fixture_rr {
  char *owner;        /* as getdns prints it: "d1.fix.test." */
  uint32_t type, covered;
  getdns_dict *dict;
  uint8_t *wire;      /* uncompressed */
  size_t wire_len;
} fixture_rr;

#define FIXTURE_MAX 64
static fixture_rr zone_rrs[FIXTURE_MAX];
static size_t zone_count;
static fixture_rr zone_key;

/* The fixtures lie beside this file; meson compiles it by a path relative
 * to the build directory, where the tests run. */
static FILE *open_data(const char *name) {
  const char *slash = strrchr(__FILE__, '/');
  char path[1024];
  snprintf(path, sizeof(path), "%.*sdata/%s", slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__, name);
  FILE *f = fopen(path, "r");
  if (!f) fail_msg("cannot open %s (run the test from the build directory, as meson test does)", path);
  return f;
}

static void read_rr(const char *line, fixture_rr *out) {
  memset(out, 0, sizeof(*out));
  getdns_bindata *name = NULL;
  if (getdns_str2rr_dict(line, &out->dict, NULL, 3600) != GETDNS_RETURN_GOOD) fail_msg("getdns cannot read: %s", line);
  assert_int_equal(getdns_dict_get_bindata(out->dict, "name", &name), GETDNS_RETURN_GOOD);
  assert_int_equal(getdns_convert_dns_name_to_fqdn(name, &out->owner), GETDNS_RETURN_GOOD);
  assert_int_equal(getdns_dict_get_int(out->dict, "type", &out->type), GETDNS_RETURN_GOOD);
  if (out->type == T_RRSIG) getdns_dict_get_int(out->dict, "/rdata/type_covered", &out->covered);
  assert_int_equal(getdns_rr_dict2wire(out->dict, &out->wire, &out->wire_len), GETDNS_RETURN_GOOD);
}

static void free_rr(fixture_rr *rr) {
  getdns_dict_destroy(rr->dict);
  free(rr->owner);
  free(rr->wire);
}

static int load_fixture(void **state) {
  char line[2048];
  FILE *f = open_data("fastpath-fix.test.signed");
  while (fgets(line, sizeof(line), f)) {
    if (line[0] == '\n' || line[0] == ';') continue;
    assert_true(zone_count < FIXTURE_MAX);
    read_rr(line, &zone_rrs[zone_count++]);
  }
  fclose(f);
  f = open_data("fastpath-fix.test.dnskey");
  assert_non_null(fgets(line, sizeof(line), f));
  fclose(f);
  read_rr(line, &zone_key);
  assert_int_equal(zone_key.type, T_DNSKEY);
  return 0;
}

static int free_fixture(void **state) {
  for (size_t i = 0; i < zone_count; i++) free_rr(&zone_rrs[i]);
  free_rr(&zone_key);
  return 0;
}

/* ---- replies ------------------------------------------------------------------------- */

typedef struct reply {
  uint8_t b[16384];
  size_t n;
  uint16_t an, ns;
  int upper_owners; /* owners as a resolver may echo them (0x20): upper case */
  sd_wire_msg msg;
} reply;

static void put16(reply *r, uint16_t v) {
  assert_true(r->n + 2 <= sizeof(r->b));
  r->b[r->n++] = (uint8_t)(v >> 8);
  r->b[r->n++] = (uint8_t)v;
}

static void put_bytes(reply *r, const uint8_t *p, size_t len) {
  assert_true(r->n + len <= sizeof(r->b));
  memcpy(r->b + r->n, p, len);
  r->n += len;
}

static reply *reply_start(int rcode, const char *qname, uint16_t qtype) {
  reply *r = calloc(1, sizeof(*r));
  assert_non_null(r);
  put16(r, 0x4242);
  put16(r, (uint16_t)(0x8000 | 0x0100 | 0x0080 | 0x0010 | rcode)); /* QR RD RA CD */
  put16(r, 1);
  r->n = 12; /* the counts are written by parsed() */
  getdns_bindata *q = NULL;
  assert_int_equal(getdns_convert_fqdn_to_dns_name(qname, &q), GETDNS_RETURN_GOOD);
  put_bytes(r, q->data, q->size);
  free(q->data);
  free(q);
  put16(r, qtype);
  put16(r, 1);
  return r;
}

static void append(reply *r, int section, const uint8_t *wire, size_t len) {
  if (section == SD_WIRE_ANSWER) {
    assert_int_equal(r->ns, 0); /* sections in order */
    r->an++;
  } else {
    r->ns++;
  }
  size_t owner_at = r->n;
  put_bytes(r, wire, len);
  if (!r->upper_owners) return;
  for (size_t p = owner_at; r->b[p]; p += (size_t)r->b[p] + 1)
    for (size_t i = 1; i <= r->b[p]; i++)
      if (r->b[p + i] >= 'a' && r->b[p + i] <= 'z') r->b[p + i] = (uint8_t)(r->b[p + i] - 32);
}

/* Appends the fixture's records owned by owner of type `type` (signatures:
 * type RRSIG and covered), under the name as_owner if not NULL (a wildcard
 * expanded). Returns how many. */
static size_t add_records_as(reply *r, int section, const char *owner, uint32_t type, uint32_t covered,
                             const char *as_owner) {
  size_t added = 0;
  for (size_t i = 0; i < zone_count; i++) {
    const fixture_rr *rr = &zone_rrs[i];
    if (rr->type != type || strcasecmp(rr->owner, owner) != 0 || (type == T_RRSIG && rr->covered != covered)) continue;
    if (!as_owner) {
      append(r, section, rr->wire, rr->wire_len);
    } else {
      getdns_bindata *name = NULL, *as = NULL;
      assert_int_equal(getdns_dict_get_bindata(rr->dict, "name", &name), GETDNS_RETURN_GOOD);
      assert_int_equal(getdns_convert_fqdn_to_dns_name(as_owner, &as), GETDNS_RETURN_GOOD);
      uint8_t wire[1024];
      assert_true(as->size + rr->wire_len - name->size <= sizeof(wire));
      memcpy(wire, as->data, as->size);
      memcpy(wire + as->size, rr->wire + name->size, rr->wire_len - name->size);
      append(r, section, wire, as->size + rr->wire_len - name->size);
      free(as->data);
      free(as);
    }
    added++;
  }
  if (!added) fail_msg("the fixture has no %s type %u", owner, type);
  return added;
}

static size_t add_records(reply *r, int section, const char *owner, uint32_t type, uint32_t covered) {
  return add_records_as(r, section, owner, type, covered, NULL);
}

static void add_unsigned(reply *r, int section, const char *owner, uint32_t type) {
  add_records(r, section, owner, type, 0);
}

static void add_signed(reply *r, int section, const char *owner, uint32_t type) {
  add_records(r, section, owner, type, 0);
  add_records(r, section, owner, T_RRSIG, type);
}

/* A record that is not in the zone, from its presentation form. */
static void add_text(reply *r, int section, const char *text) {
  fixture_rr rr;
  read_rr(text, &rr);
  append(r, section, rr.wire, rr.wire_len);
  free_rr(&rr);
}

static const sd_wire_msg *parsed(reply *r) {
  r->b[6] = (uint8_t)(r->an >> 8);
  r->b[7] = (uint8_t)r->an;
  r->b[8] = (uint8_t)(r->ns >> 8);
  r->b[9] = (uint8_t)r->ns;
  if (sd_wire_parse(&r->msg, r->b, r->n) != 0) fail_msg("the test's reply does not parse");
  return &r->msg;
}

/* Flips the last byte of the signature of the first RRSIG over `covered`. */
static void flip_signature(reply *r, uint16_t covered) {
  const sd_wire_msg *m = parsed(r);
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *rr = &m->rr[i];
    if (rr->type == T_RRSIG && ((r->b[rr->rdata_off] << 8) | r->b[rr->rdata_off + 1]) == covered) {
      r->b[rr->rdata_off + rr->rdlength - 1] ^= 0x01;
      return;
    }
  }
  fail_msg("no RRSIG over type %u to flip", covered);
}

/* ---- judging ----------------------------------------------------------------------------- */

typedef struct judged {
  sd_fast_verdict verdict;
  char zone[4 * SD_WIRE_NAME_MAX + 1];
} judged;

/* Judges r (freed) synchronously: no worker, so nothing ever waits. */
static judged judge_at(const sd_zone_table *t, sd_sigcheck *v, reply *r, uint32_t now) {
  judged j;
  size_t waits = 99;
  strcpy(j.zone, "(none)");
  j.verdict = sd_fast_judge(t, v, parsed(r), now, NULL, &waits, j.zone, sizeof(j.zone));
  assert_int_equal(waits, 0);
  free(r);
  return j;
}

static sd_fast_verdict judge(const sd_zone_table *t, sd_sigcheck *v, reply *r) {
  return judge_at(t, v, r, NOW_VALID).verdict;
}

static sd_zone *zone_in_state(sd_zone_table *t, const char *name, sd_zone_state state) {
  int created = 0;
  sd_zone *z = sd_zone_table_get(t, name, &created);
  assert_non_null(z);
  z->state = state;
  if (state != SD_ZONE_PENDING) sd_zone_table_settled(t, z);
  return z;
}

/* "fix.test" secure with the fixture's key, as sd_zone_learn leaves it. */
static void secure_fix_test(sd_zone_table *t) {
  sd_zone *z = zone_in_state(t, "fix.test", SD_ZONE_SECURE);
  getdns_bindata *raw = NULL;
  assert_int_equal(getdns_dict_get_bindata(zone_key.dict, "/rdata/rdata_raw", &raw), GETDNS_RETURN_GOOD);
  z->keys = calloc(1, sizeof(*z->keys));
  assert_non_null(z->keys);
  assert_int_equal(sd_dnskey_parse(raw->data, raw->size, &z->keys[0]), 0);
  z->key_count = 1;
}

typedef struct world {
  sd_zone_table t;
  sd_sigcheck *v;
} world;

static int world_up(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  assert_int_equal(sd_zone_table_init(&w->t, 16), 0);
  w->v = sd_sigcheck_new(64);
  assert_non_null(w->v);
  *state = w;
  return 0;
}

static int world_down(void **state) {
  world *w = *state;
  sd_zone_table_destroy(&w->t);
  sd_sigcheck_free(w->v);
  free(w);
  return 0;
}

/* Checks the RRSIG m->rr[index] with the keys of "fix.test", synchronously. */
static sd_sig_result check_sig(world *w, const sd_wire_msg *m, size_t index, uint32_t now) {
  const sd_zone *z = sd_zone_table_find(&w->t, "fix.test");
  assert_non_null(z);
  return sd_sigcheck_rrset(w->v, m, &m->rr[index], &z->wire, z->keys, z->key_count, now, NULL);
}

/* ---- names and table --------------------------------------------------------------------------- */

static void test_at_or_below_respects_labels(void **state) {
  assert_true(sd_name_is_at_or_below("a.example.org", "example.org"));
  assert_true(sd_name_is_at_or_below("Example.ORG", "example.org"));
  assert_true(sd_name_is_at_or_below("a.example.org", ""));
  assert_true(sd_name_is_at_or_below("", ""));
  assert_false(sd_name_is_at_or_below("badexample.org", "example.org"));
  assert_false(sd_name_is_at_or_below("example.org", "a.example.org"));
  assert_false(sd_name_is_at_or_below("org", "example.org"));
  assert_false(sd_name_is_at_or_below("", "org"));
}

static void test_table_get_and_find(void **state) {
  sd_zone_table t;
  assert_int_equal(sd_zone_table_init(&t, 16), 0);
  int created = 0;
  sd_zone *z = sd_zone_table_get(&t, "Fix.TEST", &created);
  assert_non_null(z);
  assert_true(created);
  assert_string_equal(z->name, "fix.test");
  assert_int_equal(z->state, SD_ZONE_PENDING);
  sd_wire_name want;
  assert_int_equal(sd_wire_name_from_text("fix.test", &want), 0);
  assert_true(sd_wire_name_equal(&z->wire, &want));
  assert_ptr_equal(sd_zone_table_get(&t, "fix.test", &created), z);
  assert_false(created);
  assert_ptr_equal(sd_zone_table_find(&t, "FIX.test"), z);
  assert_null(sd_zone_table_find(&t, "test"));
  sd_zone *root = sd_zone_table_get(&t, "", &created);
  assert_non_null(root);
  assert_int_equal(root->wire.len, 1);
  assert_null(sd_zone_table_get(&t, "a..b", &created)); /* not a name */
  assert_int_equal(t.count, 2);
  sd_zone_table_destroy(&t);
}

static void test_insecure_ancestor(void **state) {
  sd_zone_table t;
  assert_int_equal(sd_zone_table_init(&t, 16), 0);
  assert_false(sd_zone_insecure_ancestor(&t, "d1.pop-u.test"));
  zone_in_state(&t, "pop-s.test", SD_ZONE_SECURE);
  zone_in_state(&t, "pop-u.test", SD_ZONE_INSECURE);
  zone_in_state(&t, "pend.test", SD_ZONE_PENDING);
  assert_true(sd_zone_insecure_ancestor(&t, "d1.pop-u.test"));
  assert_true(sd_zone_insecure_ancestor(&t, "POP-U.test"));
  assert_false(sd_zone_insecure_ancestor(&t, "d1.pop-s.test"));
  assert_false(sd_zone_insecure_ancestor(&t, "d1.xpop-u.test"));
  assert_false(sd_zone_insecure_ancestor(&t, "d1.pend.test"));
  assert_false(sd_zone_insecure_ancestor(&t, "test"));
  zone_in_state(&t, "", SD_ZONE_INSECURE); /* the root: everything */
  assert_true(sd_zone_insecure_ancestor(&t, "d1.pop-s.test"));
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
  sd_zone *pending = sd_zone_table_get(&t, "pending.example", &created); /* never settled: never evicted */
  for (int i = 1; i < 1000; i++) {
    snprintf(name, sizeof(name), "z%d.example", i);
    sd_zone *z = sd_zone_table_get(&t, name, &created);
    assert_true(created);
    z->state = SD_ZONE_INSECURE;
    sd_zone_table_settled(&t, z);
  }
  assert_ptr_equal(sd_zone_table_find(&t, "z0.example"), first); /* parked: kept, and so is all after it */
  assert_ptr_equal(sd_zone_table_find(&t, "pending.example"), pending);
  assert_int_equal(t.count, 1001);
  free(first->parked);
  first->parked = NULL;
  sd_zone *z = sd_zone_table_get(&t, "late.example", &created);
  sd_zone_table_settled(&t, z);
  assert_int_equal(t.count, 4);
  assert_null(sd_zone_table_find(&t, "z0.example"));
  assert_null(sd_zone_table_find(&t, "z997.example"));
  assert_non_null(sd_zone_table_find(&t, "z998.example")); /* the newest settled stay */
  assert_non_null(sd_zone_table_find(&t, "z999.example"));
  assert_ptr_equal(sd_zone_table_find(&t, "late.example"), z);
  assert_ptr_equal(sd_zone_table_find(&t, "pending.example"), pending);
  sd_zone_table_forget(&t, pending);
  assert_null(sd_zone_table_find(&t, "pending.example"));
  assert_int_equal(t.count, 3);
  sd_zone_table_destroy(&t);
}

/* ---- learning ------------------------------------------------------------------------------------- */

static const fixture_rr *fixture_record(const char *owner, uint32_t type, uint32_t covered) {
  for (size_t i = 0; i < zone_count; i++)
    if (zone_rrs[i].type == type && strcasecmp(zone_rrs[i].owner, owner) == 0 && zone_rrs[i].covered == covered)
      return &zone_rrs[i];
  fail_msg("the fixture has no %s type %u", owner, type);
  return NULL;
}

/* The response to "fix.test DNSKEY" as getdns hands it over. */
static getdns_dict *dnskey_response(uint32_t dnssec, uint32_t rcode, int with_key) {
  getdns_dict *resp = getdns_dict_create(), *first = getdns_dict_create();
  getdns_list *answer = getdns_list_create(), *replies = getdns_list_create();
  getdns_dict_set_int(resp, "status", rcode == 3 ? GETDNS_RESPSTATUS_NO_NAME : GETDNS_RESPSTATUS_GOOD);
  getdns_dict_set_int(first, "/header/rcode", rcode);
  getdns_dict_set_int(first, "/header/qr", 1);
  getdns_dict_set_int(first, "dnssec_status", dnssec);
  if (with_key) {
    getdns_list_set_dict(answer, 0, fixture_record("fix.test.", T_DNSKEY, 0)->dict);
    getdns_list_set_dict(answer, 1, fixture_record("fix.test.", T_RRSIG, T_DNSKEY)->dict);
  }
  getdns_dict_set_list(first, "answer", answer);
  getdns_list_set_dict(replies, 0, first);
  getdns_dict_set_list(resp, "replies_tree", replies);
  getdns_list_destroy(answer);
  getdns_list_destroy(replies);
  getdns_dict_destroy(first);
  return resp;
}

static sd_zone_state learnt(getdns_dict *response, size_t *keys, uint16_t *tag) {
  sd_zone_table t;
  int created;
  assert_int_equal(sd_zone_table_init(&t, 4), 0);
  sd_zone *z = sd_zone_table_get(&t, "fix.test", &created);
  sd_zone_learn(z, response);
  *keys = z->key_count;
  *tag = z->key_count ? z->keys[0].tag : 0;
  sd_zone_state s = z->state;
  if (response) getdns_dict_destroy(response);
  sd_zone_table_destroy(&t);
  return s;
}

static void test_learn(void **state) {
  size_t keys;
  uint16_t tag;
  uint32_t want_tag = 0;
  const fixture_rr *sig = fixture_record("fix.test.", T_RRSIG, T_DNSKEY);
  assert_int_equal(getdns_dict_get_int(sig->dict, "/rdata/key_tag", &want_tag), GETDNS_RETURN_GOOD);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_SECURE, 0, 1), &keys, &tag), SD_ZONE_SECURE);
  assert_int_equal(keys, 1); /* the RRSIG is not a key */
  assert_int_equal(tag, want_tag);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INSECURE, 0, 0), &keys, &tag), SD_ZONE_INSECURE);
  assert_int_equal(keys, 0);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INSECURE, 3, 0), &keys, &tag), SD_ZONE_INSECURE);
  /* secure "no DNSKEY here": not an apex, teaches nothing */
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_SECURE, 0, 0), &keys, &tag), SD_ZONE_OTHER);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_BOGUS, 0, 1), &keys, &tag), SD_ZONE_OTHER);
  assert_int_equal(keys, 0);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INDETERMINATE, 0, 1), &keys, &tag), SD_ZONE_OTHER);
  assert_int_equal(learnt(dnskey_response(GETDNS_DNSSEC_INSECURE, 2, 0), &keys, &tag), SD_ZONE_OTHER);
  assert_int_equal(learnt(NULL, &keys, &tag), SD_ZONE_OTHER);
  getdns_dict *timeout = getdns_dict_create();
  getdns_dict_set_int(timeout, "status", GETDNS_RESPSTATUS_ALL_TIMEOUT);
  assert_int_equal(learnt(timeout, &keys, &tag), SD_ZONE_OTHER);
}

/* ---- judging signed replies ------------------------------------------------------------------------ */

/* The signed MX records of `owner` as the answer to "qname MX". */
static reply *mx_answer_to(const char *qname, const char *owner) {
  reply *r = reply_start(0, qname, T_MX);
  add_signed(r, SD_WIRE_ANSWER, owner, T_MX);
  return r;
}

static reply *mx_answer(const char *qname) { return mx_answer_to(qname, qname); }

static void test_signed_positive_answers(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  assert_int_equal(judge(&w->t, w->v, mx_answer("fix.test.")), SD_FAST_SECURE); /* two MX records */
  assert_int_equal(judge(&w->t, w->v, mx_answer("d1.fix.test.")), SD_FAST_SECURE);
  reply *r = reply_start(0, "_mta-sts.fix.test.", T_TXT);
  add_signed(r, SD_WIRE_ANSWER, "_mta-sts.fix.test.", T_TXT);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", 2 /* NS */);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_SECURE);
  /* the RRset in another order, and with a record repeated: the canonical
   * form sorts the records and counts each once (RFC 4034 §6.3) */
  r = reply_start(0, "fix.test.", T_MX);
  add_text(r, SD_WIRE_ANSWER, "fix.test. 3600 IN MX 20 mx2.fix.test.");
  add_text(r, SD_WIRE_ANSWER, "fix.test. 3600 IN MX 10 mx1.fix.test.");
  add_records(r, SD_WIRE_ANSWER, "fix.test.", T_RRSIG, T_MX);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_SECURE);
  r = mx_answer("fix.test.");
  add_text(r, SD_WIRE_ANSWER, "fix.test. 3600 IN MX 10 mx1.fix.test.");
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_SECURE);
  /* names echoed in another case: the signature covers the lower-case form */
  r = reply_start(0, "D1.FIX.TEST.", T_MX);
  r->upper_owners = 1;
  add_signed(r, SD_WIRE_ANSWER, "d1.fix.test.", T_MX);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_SECURE);
}

static void test_tampered_answers_fall_back(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  reply *r = mx_answer("fix.test.");
  flip_signature(r, T_MX);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* a record the signature does not cover, in the signed RRset */
  r = mx_answer("fix.test.");
  add_text(r, SD_WIRE_ANSWER, "fix.test. 3600 IN MX 5 mail.attacker.example.");
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* one of the signed records missing */
  r = reply_start(0, "fix.test.", T_MX);
  add_text(r, SD_WIRE_ANSWER, "fix.test. 3600 IN MX 10 mx1.fix.test.");
  add_records(r, SD_WIRE_ANSWER, "fix.test.", T_RRSIG, T_MX);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* a record of another name or type beside the signed RRset */
  r = mx_answer("fix.test.");
  add_signed(r, SD_WIRE_ANSWER, "fix.test.", T_TXT);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* signed data moved to another name: the signature is over d1's owner */
  r = reply_start(0, "fix.test.", T_MX);
  add_text(r, SD_WIRE_ANSWER, "fix.test. 3600 IN MX 10 mx1.fix.test.");
  add_records(r, SD_WIRE_ANSWER, "d1.fix.test.", T_RRSIG, T_MX);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* the signed answer to another question */
  assert_int_equal(judge(&w->t, w->v, mx_answer_to("other.test.", "d1.fix.test.")), SD_FAST_FALLBACK);
  assert_int_equal(judge(&w->t, w->v, mx_answer_to("d1.fix.test.", "fix.test.")), SD_FAST_FALLBACK);
}

static void test_signature_validity_window(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  assert_int_equal(judge_at(&w->t, w->v, mx_answer("fix.test."), NOW_EXPIRED).verdict, SD_FAST_FALLBACK);
  assert_int_equal(judge_at(&w->t, w->v, mx_answer("fix.test."), NOW_NOT_YET).verdict, SD_FAST_FALLBACK);
  /* the cache does not outlive the window: valid once, expired later */
  assert_int_equal(judge_at(&w->t, w->v, mx_answer("fix.test."), NOW_VALID).verdict, SD_FAST_SECURE);
  assert_int_equal(judge_at(&w->t, w->v, mx_answer("fix.test."), NOW_EXPIRED).verdict, SD_FAST_FALLBACK);
}

static reply *nxdomain(int with_wildcard_proof) {
  reply *r = reply_start(3, "nx.fix.test.", T_MX);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  add_signed(r, SD_WIRE_AUTHORITY, "ns.fix.test.", T_NSEC); /* ns -> sub covers nx */
  if (with_wildcard_proof) add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_NSEC); /* apex -> _mta-sts covers * */
  return r;
}

static void test_signed_negative_answers(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  assert_int_equal(judge(&w->t, w->v, nxdomain(1)), SD_FAST_SECURE);
  assert_int_equal(judge(&w->t, w->v, nxdomain(0)), SD_FAST_FALLBACK);
  reply *r = nxdomain(1);
  flip_signature(r, T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* NODATA: txt.fix.test has a TXT record, and its NSEC says so */
  r = reply_start(0, "txt.fix.test.", T_MX);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  add_signed(r, SD_WIRE_AUTHORITY, "txt.fix.test.", T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_SECURE);
  /* ... but not that it has no TXT */
  r = reply_start(0, "txt.fix.test.", T_TXT);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  add_signed(r, SD_WIRE_AUTHORITY, "txt.fix.test.", T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* an NSEC of another name proves no NODATA at qname */
  r = reply_start(0, "txt.fix.test.", T_MX);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  add_signed(r, SD_WIRE_AUTHORITY, "ns.fix.test.", T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* the NXDOMAIN proof sent for a name that exists */
  r = reply_start(3, "txt.fix.test.", T_MX);
  add_signed(r, SD_WIRE_AUTHORITY, "ns.fix.test.", T_NSEC);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
}

static void test_negative_answers_not_ours(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  /* data in the answer section of an NXDOMAIN */
  reply *r = reply_start(3, "nx.fix.test.", T_MX);
  add_signed(r, SD_WIRE_ANSWER, "d1.fix.test.", T_MX);
  add_signed(r, SD_WIRE_AUTHORITY, "ns.fix.test.", T_NSEC);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* NODATA at a delegation: the parent's NSEC says nothing of the child's data */
  r = reply_start(0, "sub.fix.test.", T_MX);
  add_signed(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  add_signed(r, SD_WIRE_AUTHORITY, "sub.fix.test.", T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* a referral to the child, with its signed DS */
  r = reply_start(0, "x.sub.fix.test.", T_A);
  add_unsigned(r, SD_WIRE_AUTHORITY, "sub.fix.test.", 2 /* NS */);
  add_signed(r, SD_WIRE_AUTHORITY, "sub.fix.test.", 43 /* DS */);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
}

/* Answers whose signatures verify, but that the fast path leaves to getdns. */
static void test_verified_but_not_ours(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  /* a wildcard expansion: no NSEC shows that x.w.fix.test itself does not exist */
  reply *r = reply_start(0, "x.w.fix.test.", T_TXT);
  add_records_as(r, SD_WIRE_ANSWER, "*.w.fix.test.", T_TXT, 0, "x.w.fix.test.");
  add_records_as(r, SD_WIRE_ANSWER, "*.w.fix.test.", T_RRSIG, T_TXT, "x.w.fix.test.");
  const sd_wire_msg *m = parsed(r);
  assert_int_equal(m->rr[1].type, T_RRSIG);
  assert_int_equal(check_sig(w, m, 1, NOW_VALID), SD_SIG_VALID);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* DS: parent-side data */
  r = reply_start(0, "sub.fix.test.", 43);
  add_signed(r, SD_WIRE_ANSWER, "sub.fix.test.", 43);
  m = parsed(r);
  assert_int_equal(check_sig(w, m, 1, NOW_VALID), SD_SIG_VALID);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
}

static void test_alias_and_errors(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  reply *r = reply_start(0, "alias.fix.test.", T_A);
  add_text(r, SD_WIRE_ANSWER, "alias.fix.test. 3600 IN CNAME mx1.fix.test.");
  add_signed(r, SD_WIRE_ANSWER, "mx1.fix.test.", T_A);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  /* below a zone proven insecure too: the target may lie elsewhere */
  zone_in_state(&w->t, "insecure.test", SD_ZONE_INSECURE);
  r = reply_start(0, "alias.insecure.test.", T_A);
  add_text(r, SD_WIRE_ANSWER, "alias.insecure.test. 3600 IN CNAME mx1.fix.test.");
  add_text(r, SD_WIRE_ANSWER, "mx1.fix.test. 3600 IN A 192.0.2.1");
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  r = reply_start(0, "x.alias.insecure.test.", T_A);
  add_text(r, SD_WIRE_ANSWER, "alias.insecure.test. 3600 IN DNAME fix.test.");
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
  r = reply_start(2, "fix.test.", T_MX); /* SERVFAIL */
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_AS_IS);
  r = reply_start(5, "fix.test.", T_MX); /* REFUSED, with records anyway */
  add_signed(r, SD_WIRE_ANSWER, "fix.test.", T_MX);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_AS_IS);
}

/* ---- judging unsigned replies, and zones still to learn --------------------------------------------------- */

static reply *unsigned_mx(const char *qname) {
  reply *r = reply_start(0, qname, T_MX);
  add_unsigned(r, SD_WIRE_ANSWER, qname, T_MX);
  return r;
}

static void test_learns_zones_top_down(void **state) {
  world *w = *state;
  judged j = judge_at(&w->t, w->v, unsigned_mx("d1.fix.test."), NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "test");
  zone_in_state(&w->t, "test", SD_ZONE_SECURE);
  j = judge_at(&w->t, w->v, unsigned_mx("d1.fix.test."), NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "fix.test");
  zone_in_state(&w->t, "fix.test", SD_ZONE_PENDING); /* still learning: wait for it */
  j = judge_at(&w->t, w->v, unsigned_mx("d1.fix.test."), NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "fix.test");
  sd_zone *z = sd_zone_table_find(&w->t, "fix.test");
  z->state = SD_ZONE_SECURE;
  sd_zone_table_settled(&w->t, z);
  j = judge_at(&w->t, w->v, unsigned_mx("d1.fix.test."), NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "d1.fix.test");
  zone_in_state(&w->t, "d1.fix.test", SD_ZONE_OTHER); /* not an apex */
  /* every ancestor known, none insecure: unsigned below a secure zone, getdns decides */
  assert_int_equal(judge(&w->t, w->v, unsigned_mx("d1.fix.test.")), SD_FAST_FALLBACK);
}

static void test_signed_reply_names_its_signer(void **state) {
  world *w = *state;
  judged j = judge_at(&w->t, w->v, mx_answer("d1.fix.test."), NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "fix.test");
  /* a signer that is not qname's zone nor above it: nothing to learn */
  j = judge_at(&w->t, w->v, mx_answer_to("other.test.", "d1.fix.test."), NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_FALLBACK);
  zone_in_state(&w->t, "fix.test", SD_ZONE_OTHER); /* bogus or failed: the full path */
  assert_int_equal(judge(&w->t, w->v, mx_answer("d1.fix.test.")), SD_FAST_FALLBACK);
}

static void test_unsigned_negative_names_soa_zone(void **state) {
  world *w = *state;
  reply *r = reply_start(3, "nx.fix.test.", T_MX);
  add_unsigned(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  judged j = judge_at(&w->t, w->v, r, NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "fix.test");
  /* an SOA of a zone that is not qname's is ignored */
  r = reply_start(3, "nx.other.test.", T_MX);
  add_unsigned(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  j = judge_at(&w->t, w->v, r, NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "test");
  /* stripped signatures below a secure zone */
  secure_fix_test(&w->t);
  r = reply_start(3, "nx.fix.test.", T_MX);
  add_unsigned(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  add_unsigned(r, SD_WIRE_AUTHORITY, "ns.fix.test.", T_NSEC);
  add_unsigned(r, SD_WIRE_AUTHORITY, "fix.test.", T_NSEC);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
}

static void test_insecure_zones(void **state) {
  world *w = *state;
  zone_in_state(&w->t, "fix.test", SD_ZONE_INSECURE);
  assert_int_equal(judge(&w->t, w->v, unsigned_mx("d1.fix.test.")), SD_FAST_INSECURE);
  reply *r = reply_start(3, "nx.fix.test.", T_MX);
  add_unsigned(r, SD_WIRE_AUTHORITY, "fix.test.", T_SOA);
  assert_int_equal(judge(&w->t, w->v, r), SD_FAST_INSECURE);
  /* signed by a zone proven insecure (signed, but no DS in its parent) */
  assert_int_equal(judge(&w->t, w->v, mx_answer("d1.fix.test.")), SD_FAST_INSECURE);
  /* beside the insecure zone: not insecure */
  r = reply_start(0, "xfix.test.", T_MX);
  add_text(r, SD_WIRE_ANSWER, "xfix.test. 3600 IN MX 10 mx.xfix.test.");
  judged j = judge_at(&w->t, w->v, r, NOW_VALID);
  assert_int_equal(j.verdict, SD_FAST_NEED_ZONE);
  assert_string_equal(j.zone, "test");
}

/* ---- the signature cache ---------------------------------------------------------------------------------- */

static void test_cache_answers_repeated_checks(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  assert_int_equal(sd_sigcheck_verified(w->v), 0);
  assert_int_equal(judge(&w->t, w->v, mx_answer("fix.test.")), SD_FAST_SECURE);
  assert_int_equal(sd_sigcheck_verified(w->v), 1);
  assert_int_equal(sd_sigcheck_cache_hits(w->v), 0);
  assert_int_equal(judge(&w->t, w->v, mx_answer("fix.test.")), SD_FAST_SECURE);
  assert_int_equal(sd_sigcheck_verified(w->v), 1);
  assert_int_equal(sd_sigcheck_cache_hits(w->v), 1);
  /* another signature is verified, not taken from the cache */
  assert_int_equal(judge(&w->t, w->v, mx_answer("d1.fix.test.")), SD_FAST_SECURE);
  assert_int_equal(sd_sigcheck_verified(w->v), 2);
  assert_int_equal(sd_sigcheck_cache_hits(w->v), 1);
  /* a bad signature is remembered as bad: verified once, never valid */
  for (int i = 0; i < 2; i++) {
    reply *r = mx_answer("fix.test.");
    flip_signature(r, T_MX);
    assert_int_equal(judge(&w->t, w->v, r), SD_FAST_FALLBACK);
    assert_int_equal(sd_sigcheck_verified(w->v), 3);
    assert_int_equal(sd_sigcheck_cache_hits(w->v), 1);
  }
  /* the NSEC records of negative answers: each checked once */
  assert_int_equal(judge(&w->t, w->v, nxdomain(1)), SD_FAST_SECURE);
  assert_int_equal(sd_sigcheck_verified(w->v), 5);
  assert_int_equal(judge(&w->t, w->v, nxdomain(1)), SD_FAST_SECURE);
  assert_int_equal(sd_sigcheck_verified(w->v), 5);
  assert_int_equal(sd_sigcheck_cache_hits(w->v), 3);
  assert_int_equal(sd_sigcheck_queued(w->v), 0); /* no worker */
}

/* Directly: the RRSIG over fix.test MX, and the same rdata signed for d1. */
static void test_sigcheck_rrset_results(void **state) {
  world *w = *state;
  secure_fix_test(&w->t);
  const sd_zone *z = sd_zone_table_find(&w->t, "fix.test");
  reply *r = mx_answer("fix.test.");
  const sd_wire_msg *m = parsed(r);
  const sd_wire_rr *sig = &m->rr[2];
  assert_int_equal(sig->type, T_RRSIG);
  assert_int_equal(sd_sigcheck_rrset(w->v, m, sig, &z->wire, z->keys, z->key_count, NOW_VALID, NULL), SD_SIG_VALID);
  assert_int_equal(sd_sigcheck_rrset(w->v, m, sig, &z->wire, z->keys, z->key_count, NOW_EXPIRED, NULL), SD_SIG_TIME);
  assert_int_equal(sd_sigcheck_rrset(w->v, m, sig, &z->wire, z->keys, 0, NOW_VALID, NULL), SD_SIG_INVALID); /* no key */
  sd_wire_name other;
  assert_int_equal(sd_wire_name_from_text("test", &other), 0);
  assert_int_equal(sd_sigcheck_rrset(w->v, m, sig, &other, z->keys, z->key_count, NOW_VALID, NULL), SD_SIG_UNSUPPORTED);
  sd_rrsig_fields f;
  assert_int_equal(sd_rrsig_read(m, sig, &f), 0);
  assert_int_equal(f.covered, T_MX);
  assert_int_equal(f.algorithm, 13);
  assert_int_equal(f.labels, 2);
  assert_int_equal(f.key_tag, z->keys[0].tag);
  assert_int_equal(f.inception, 1577836800u);
  assert_int_equal(f.signature_len, 64);
  free(r);
  /* the RRset is that of the signature's section: a record in another one is not part of it */
  r = mx_answer("fix.test.");
  add_text(r, SD_WIRE_AUTHORITY, "fix.test. 3600 IN MX 30 elsewhere.example.");
  m = parsed(r);
  assert_int_equal(check_sig(w, m, 2, NOW_VALID), SD_SIG_VALID);
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_at_or_below_respects_labels),
      cmocka_unit_test(test_table_get_and_find),
      cmocka_unit_test(test_insecure_ancestor),
      cmocka_unit_test(test_table_bounded_keeps_parked_and_forgets),
      cmocka_unit_test(test_learn),
      cmocka_unit_test_setup_teardown(test_signed_positive_answers, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_tampered_answers_fall_back, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_signature_validity_window, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_signed_negative_answers, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_negative_answers_not_ours, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_verified_but_not_ours, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_alias_and_errors, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_learns_zones_top_down, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_signed_reply_names_its_signer, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_unsigned_negative_names_soa_zone, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_insecure_zones, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_cache_answers_repeated_checks, world_up, world_down),
      cmocka_unit_test_setup_teardown(test_sigcheck_rrset_results, world_up, world_down),
  };
  return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
