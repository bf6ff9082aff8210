/*
 * Unit tests for the plan (src/plan/): measurements built by hand, the way
 * src/core/evaluate.c and src/plan/measure.c fill them, for the cases the
 * catalogue does not cover (third-party MX, public suffixes, several keys,
 * failed probes) and the exact records and order a plan publishes.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "plan/plan.h"
#include "tls_fixtures.h"
#include "util/str.h"

#define NOW ((time_t)1765000000) /* 2025-12-06 05:46:40 UTC */

typedef struct fx_mx {
  const char *host;
  const char *cname;
  sd_dnssec dnssec;
  sd_probe_status probe;       /* of every address */
  int pkix_valid;
  int keys;                    /* addresses, each with its own key when 2 */
  int same_key;                /* the addresses serve one key */
} fx_mx;

static X509 *g_cert[2];

static void add_addr(sd_mx_result *mx, const fx_mx *f, int i) {
  sd_addr_result *a = &mx->addrs[mx->addr_count++];
  a->ip = sd_asprintf("192.0.2.%d", 10 + i);
  a->family = 4;
  a->dnssec = f->dnssec;
  a->probed = 1;
  a->probe.status = f->probe;
  if (f->probe != SD_PROBE_OK) {
    a->probe.detail = sd_strdup("connection timed out");
    return;
  }
  fx_chain_add(&a->probe.chain, g_cert[f->same_key ? 0 : i]);
  a->pkix_checked = 1;
  a->pkix.valid = f->pkix_valid;
  if (!f->pkix_valid) {
    a->pkix.error_count = 1;
    a->pkix.codes[0] = SD_C_CERT_UNTRUSTED;
    a->pkix.details[0] = sd_strdup("self-signed certificate");
  }
  a->pkix.leaf_sans = sd_strdup(f->host);
}

static sd_domain_result *result(const char *domain, sd_dnssec zone, const fx_mx *mxs, size_t n) {
  sd_domain_result *r = calloc(1, sizeof(*r));
  r->domain = sd_strdup(domain);
  r->mx_lookup = SD_LOOKUP_OK;
  r->mx_dnssec = zone;
  r->mx = calloc(n ? n : 1, sizeof(*r->mx));
  for (size_t i = 0; i < n; i++) {
    sd_mx_result *mx = &r->mx[r->mx_count++];
    mx->host = sd_strdup(mxs[i].host);
    mx->preference = 10 * (int)(i + 1);
    mx->cname_target = mxs[i].cname ? sd_strdup(mxs[i].cname) : NULL;
    mx->addr_lookup = SD_LOOKUP_OK;
    mx->addr_dnssec = mxs[i].dnssec;
    mx->sts_match = -1;
    int addrs = mxs[i].keys ? mxs[i].keys : 1;
    mx->addrs = calloc((size_t)addrs, sizeof(*mx->addrs));
    for (int k = 0; k < addrs; k++) add_addr(mx, &mxs[i], k);
  }
  return r;
}

static sd_plan_measurement *measurement(sd_domain_result *r, sd_lookup policy_host) {
  sd_plan_measurement *m = calloc(1, sizeof(*m));
  m->r = r;
  m->policy_host_looked_up = 1;
  m->policy_host_lookup = policy_host;
  /* A policy host with an address serves a policy, as measure.c records it. */
  m->policy_host_fetched = policy_host == SD_LOOKUP_OK;
  m->policy_host_fetch.error = SD_FETCH_OK;
  return m;
}

static int index_of(const sd_plan_list *l, const char *needle) {
  for (size_t i = 0; i < l->count; i++)
    if (strstr(l->items[i], needle)) return (int)i;
  return -1;
}

typedef struct planned {
  sd_plan_measurement *m;
  sd_plan plan;
} planned;

static void make(planned *p, sd_domain_result *r, sd_lookup policy_host) {
  p->m = measurement(r, policy_host);
  assert_int_equal(sd_plan_build(p->m, NOW, &p->plan), 0);
}

static void done(planned *p) {
  sd_plan_free(&p->plan);
  sd_plan_measurement_free(p->m);
}

static sd_plan_status st(const planned *p, sd_plan_protocol_id id) { return p->plan.protocols[id].status; }

/* ------------------------------------------------------------------ tests */

static void signed_zone_valid_certificate_is_ready_with_exact_records(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  assert_int_equal(st(&p, SD_PLAN_MTASTS), SD_PLAN_READY);
  assert_int_equal(st(&p, SD_PLAN_DANE), SD_PLAN_READY);
  assert_int_equal(st(&p, SD_PLAN_BOTH), SD_PLAN_READY);
  const sd_plan_publish *pub = &p.plan.publish;
  size_t len;
  unsigned char *der = fx_der(g_cert[0], &len);
  char *want = sd_tlsa_record_for_cert(der, len, 3, 1, 1);
  assert_int_equal(pub->tlsa_count, 1);
  assert_string_equal(pub->tlsa[0].name, "_25._tcp.mx1.example.org");
  assert_string_equal(pub->tlsa[0].value, want);
  assert_null(pub->tlsa[0].published_by);
  assert_string_equal(pub->policy_testing, "version: STSv1\r\nmode: testing\r\nmx: mx1.example.org\r\nmax_age: 86400\r\n");
  assert_string_equal(pub->policy_enforce, "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n");
  assert_string_equal(pub->sts_testing.name, "_mta-sts.example.org");
  assert_string_equal(pub->sts_testing.value, "v=STSv1; id=20251206T054640;");
  assert_string_equal(pub->sts_enforce.value, "v=STSv1; id=20251220T054640;");
  assert_string_equal(pub->tlsrpt.value, "v=TLSRPTv1; rua=mailto:tlsrpt@example.org");
  assert_string_equal(pub->policy_host_cert_name, "mta-sts.example.org");
  assert_int_equal(p.plan.prereq.policy_host_state, SD_PHOST_FREE);
  /* Testing before enforce; the policy is served before the record. */
  const sd_plan_list *steps = &p.plan.protocols[SD_PLAN_MTASTS].steps;
  int tlsrpt = index_of(steps, "TLSRPT record first"), serve = index_of(steps, "mode: testing");
  int record = index_of(steps, "id=20251206T054640"), enforce = index_of(steps, "mode: enforce");
  assert_true(tlsrpt == 0 && serve > tlsrpt && record > serve && enforce > record);
  /* A signed zone with its DS: no signing step, no DS step. */
  assert_int_equal(index_of(&p.plan.protocols[SD_PLAN_DANE].steps, "DS record"), -1);
  OPENSSL_free(der);
  free(want);
  done(&p);
}

static void unsigned_zone_signs_first_and_publishes_the_ds_last(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_INSECURE, SD_PROBE_OK, 1, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_INSECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  assert_int_equal(st(&p, SD_PLAN_DANE), SD_PLAN_NEEDS_WORK);
  assert_int_equal(st(&p, SD_PLAN_MTASTS), SD_PLAN_READY);
  assert_int_equal(st(&p, SD_PLAN_BOTH), SD_PLAN_NEEDS_WORK);
  const sd_plan_list *steps = &p.plan.protocols[SD_PLAN_DANE].steps;
  int sign = index_of(steps, "Sign the zone"), tlsa = index_of(steps, "IN TLSA 3 1 1");
  int check = index_of(steps, "lint tlsa"), ds = index_of(steps, "DS record of example.org");
  assert_true(sign >= 0 && tlsa > sign && check > tlsa && ds > check);
  assert_int_equal((size_t)ds, steps->count - 1);
  assert_true(index_of(&p.plan.protocols[SD_PLAN_DANE].missing, "not signed") >= 0);
  done(&p);
}

static void signed_without_ds_asks_for_the_ds(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_INSECURE, SD_PROBE_OK, 1, 1, 1};
  sd_domain_result *r = result("example.org", SD_DNSSEC_INSECURE, &mx, 1);
  r->dnskey_without_ds = 1;
  planned p;
  make(&p, r, SD_LOOKUP_NXDOMAIN);
  assert_int_equal(p.plan.prereq.zone, SD_ZONE_SIGNED_NO_DS);
  assert_int_equal(p.plan.prereq.mx[0].zone, SD_ZONE_SIGNED_NO_DS);
  const sd_plan_list *steps = &p.plan.protocols[SD_PLAN_DANE].steps;
  assert_int_equal(index_of(steps, "Sign the zone"), -1);
  assert_int_equal((size_t)index_of(steps, "DS record of example.org"), steps->count - 1);
  done(&p);
}

static void third_party_mx_in_an_unsigned_zone_blocks_dane(void **state) {
  fx_mx mx = {"mx.provider.net", NULL, SD_DNSSEC_INSECURE, SD_PROBE_OK, 1, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  assert_true(p.plan.prereq.mx[0].third_party);
  assert_string_equal(p.plan.prereq.mx[0].operator_domain, "provider.net");
  assert_int_equal(st(&p, SD_PLAN_DANE), SD_PLAN_BLOCKED);
  assert_int_equal(st(&p, SD_PLAN_BOTH), SD_PLAN_BLOCKED);
  assert_int_equal(st(&p, SD_PLAN_MTASTS), SD_PLAN_READY);
  assert_string_equal(p.plan.publish.tlsa[0].published_by, "provider.net");
  done(&p);
}

static void cname_mx_publishes_tlsa_at_the_target(void **state) {
  fx_mx mx = {"mx.example.org", "smtp.provider.net", SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  assert_true(p.plan.prereq.mx[0].third_party);
  assert_string_equal(p.plan.publish.tlsa[0].name, "_25._tcp.smtp.provider.net");
  /* The provider's TLSA is missing: only it can publish one. */
  assert_int_equal(st(&p, SD_PLAN_DANE), SD_PLAN_BLOCKED);
  done(&p);
}

static void public_suffix_decides_who_runs_the_mx(void **state) {
  fx_mx mxs[2] = {{"mx.example.co.uk", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1},
                  {"mail.other.co.uk", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1}};
  planned p;
  make(&p, result("example.co.uk", SD_DNSSEC_SECURE, mxs, 2), SD_LOOKUP_NXDOMAIN);
  assert_string_equal(p.plan.prereq.operator_domain, "example.co.uk");
  assert_false(p.plan.prereq.mx[0].third_party);
  assert_true(p.plan.prereq.mx[1].third_party);
  assert_string_equal(p.plan.prereq.mx[1].operator_domain, "other.co.uk");
  assert_int_equal(p.plan.publish.policy_mx_count, 2);
  assert_string_equal(p.plan.publish.policy_mx[1], "mail.other.co.uk");
  done(&p);
}

static void each_served_key_gets_a_record(void **state) {
  fx_mx two_keys = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 2, 0};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &two_keys, 1), SD_LOOKUP_NXDOMAIN);
  assert_int_equal(p.plan.publish.tlsa_count, 2);
  assert_string_not_equal(p.plan.publish.tlsa[0].value, p.plan.publish.tlsa[1].value);
  done(&p);
  fx_mx one_key = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 2, 1};
  make(&p, result("example.org", SD_DNSSEC_SECURE, &one_key, 1), SD_LOOKUP_NXDOMAIN);
  assert_int_equal(p.plan.publish.tlsa_count, 1);
  done(&p);
}

static void a_failed_probe_is_unknown_not_missing(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_TIMEOUT, 0, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  for (int i = 0; i < SD_PLAN__COUNT; i++) {
    assert_int_equal(st(&p, (sd_plan_protocol_id)i), SD_PLAN_UNKNOWN);
    assert_int_equal(p.plan.protocols[i].missing.count, 0);
    assert_true(p.plan.protocols[i].unknown.count > 0);
  }
  assert_int_equal(p.plan.publish.tlsa_count, 0);
  done(&p);
}

static void a_refused_connection_is_missing_work(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_CONNECT_REFUSED, 0, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  assert_int_equal(st(&p, SD_PLAN_MTASTS), SD_PLAN_NEEDS_WORK);
  assert_int_equal(st(&p, SD_PLAN_DANE), SD_PLAN_NEEDS_WORK);
  /* Both plans name the MX; the combined plan names it once. */
  const sd_plan_list *both = &p.plan.protocols[SD_PLAN_BOTH].missing;
  assert_int_equal(both->count, p.plan.protocols[SD_PLAN_MTASTS].missing.count);
  done(&p);
}

static void untrusted_certificate_needs_work_for_mtasts_only(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 0, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  assert_int_equal(st(&p, SD_PLAN_MTASTS), SD_PLAN_NEEDS_WORK);
  assert_int_equal(st(&p, SD_PLAN_DANE), SD_PLAN_READY);
  assert_true(index_of(&p.plan.protocols[SD_PLAN_MTASTS].missing, "self-signed certificate") >= 0);
  done(&p);
}

static void protected_today_is_in_place_without_steps(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1};
  sd_domain_result *r = result("example.org", SD_DNSSEC_SECURE, &mx, 1);
  r->profiles[SD_PROFILE_MTASTS] = SD_OUTCOME_PROTECTED;
  r->tlsrpt.status = SD_TLSRPT_VALID;
  planned p;
  make(&p, r, SD_LOOKUP_OK);
  assert_int_equal(st(&p, SD_PLAN_MTASTS), SD_PLAN_IN_PLACE);
  assert_int_equal(p.plan.protocols[SD_PLAN_MTASTS].steps.count, 0);
  assert_true(p.plan.protocols[SD_PLAN_MTASTS].duties.count > 0);
  assert_int_equal(st(&p, SD_PLAN_BOTH), SD_PLAN_READY);
  assert_null(p.plan.publish.tlsrpt.value); /* a valid record stays */
  assert_int_equal(index_of(&p.plan.protocols[SD_PLAN_BOTH].steps, "TLSRPT"), -1);
  done(&p);
}

static void null_mx_gets_no_plan(void **state) {
  sd_domain_result *r = result("example.org", SD_DNSSEC_INSECURE, NULL, 0);
  r->null_mx = 1;
  planned p;
  make(&p, r, SD_LOOKUP_NXDOMAIN);
  for (int i = 0; i < SD_PLAN__COUNT; i++) {
    assert_int_equal(st(&p, (sd_plan_protocol_id)i), SD_PLAN_NO_MAIL);
    assert_int_equal(p.plan.protocols[i].steps.count, 0);
  }
  done(&p);
}

static void json_and_text_name_every_protocol(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1};
  planned p;
  make(&p, result("example.org", SD_DNSSEC_SECURE, &mx, 1), SD_LOOKUP_NXDOMAIN);
  cJSON *j = sd_plan_to_json(&p.plan);
  const cJSON *plans = cJSON_GetObjectItemCaseSensitive(j, "plans");
  for (int i = 0; i < SD_PLAN__COUNT; i++) {
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(plans, sd_plan_protocol_name((sd_plan_protocol_id)i));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(pr, "status")->valuestring, "ready");
  }
  cJSON_Delete(j);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  sd_plan_render_text(out, &p.plan, 0);
  fclose(out);
  assert_non_null(strstr(text, "Plan for example.org"));
  assert_non_null(strstr(text, "\n      mode: testing\n")); /* the policy, indented, without CR */
  assert_null(strchr(text, '\r'));
  free(text);
  done(&p);
}

static void remote_bytes_become_valid_utf8_in_json(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 0, 1, 1};
  sd_domain_result *r = result("example.org", SD_DNSSEC_SECURE, &mx, 1);
  free(r->mx[0].addrs[0].pkix.details[0]);
  r->mx[0].addrs[0].pkix.details[0] = sd_strdup("bad \xff\xfe name \xc3\xa9");
  planned p;
  make(&p, r, SD_LOOKUP_NXDOMAIN);
  cJSON *j = sd_plan_to_json(&p.plan);
  char *out = cJSON_PrintUnformatted(j);
  assert_null(strstr(out, "\xff"));
  assert_non_null(strstr(out, "bad \xef\xbf\xbd\xef\xbf\xbd name \xc3\xa9"));
  free(out);
  cJSON_Delete(j);
  done(&p);
}

static void a_testing_policy_listing_every_mx_is_kept(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1};
  sd_domain_result *r = result("example.org", SD_DNSSEC_SECURE, &mx, 1);
  r->sts_record.status = SD_STS_RECORD_VALID;
  strcpy(r->sts_record.id, "abc123");
  r->policy.valid = 1;
  r->policy.mode = SD_STS_MODE_TESTING;
  r->mx[0].sts_match = 1;
  planned p;
  make(&p, r, SD_LOOKUP_OK);
  const sd_plan_list *steps = &p.plan.protocols[SD_PLAN_MTASTS].steps;
  int keep = index_of(steps, "Keep today's testing policy (id abc123)"), enforce = index_of(steps, "mode: enforce");
  assert_true(keep >= 0 && enforce > keep);
  assert_int_equal(index_of(steps, "mode: testing"), -1);
  done(&p);
  /* A policy that misses the MX is replaced, from the start. */
  r = result("example.org", SD_DNSSEC_SECURE, &mx, 1);
  r->sts_record.status = SD_STS_RECORD_VALID;
  r->policy.valid = 1;
  r->policy.mode = SD_STS_MODE_TESTING;
  r->mx[0].sts_match = 0;
  make(&p, r, SD_LOOKUP_OK);
  steps = &p.plan.protocols[SD_PLAN_MTASTS].steps;
  assert_int_equal(index_of(steps, "Keep today's"), -1);
  assert_true(index_of(steps, "mode: testing") >= 0);
  assert_true(index_of(steps, "replaces today's record") >= 0);
  done(&p);
}

static void a_record_in_dns_already_is_marked(void **state) {
  fx_mx mx = {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 2, 0};
  sd_domain_result *r = result("example.org", SD_DNSSEC_SECURE, &mx, 1);
  size_t len;
  unsigned char *der = fx_der(g_cert[1], &len);
  char *rec = sd_tlsa_record_for_cert(der, len, 3, 1, 1);
  r->mx[0].tlsa = calloc(1, sizeof(sd_tlsa));
  r->mx[0].tlsa_status = calloc(1, sizeof(sd_tlsa_usability));
  assert_int_equal(sd_tlsa_parse_text(rec, &r->mx[0].tlsa[0]), 0);
  r->mx[0].tlsa_count = 1;
  planned p;
  make(&p, r, SD_LOOKUP_NXDOMAIN);
  assert_int_equal(p.plan.publish.tlsa_count, 2);
  assert_false(p.plan.publish.tlsa[0].published);
  assert_true(p.plan.publish.tlsa[1].published);
  assert_string_equal(p.plan.publish.tlsa[1].value, rec);
  assert_true(index_of(&p.plan.protocols[SD_PLAN_DANE].steps, "in DNS already") >= 0);
  OPENSSL_free(der);
  free(rec);
  done(&p);
}

static void an_address_as_mx_is_named_once_and_never_published(void **state) {
  fx_mx mxs[2] = {{"192.0.2.25", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 0, 1, 1},
                  {"mx1.example.org", NULL, SD_DNSSEC_SECURE, SD_PROBE_OK, 1, 1, 1}};
  sd_domain_result *r = result("example.org", SD_DNSSEC_SECURE, mxs, 2);
  r->mx[0].is_ip_literal = 1;
  planned p;
  make(&p, r, SD_LOOKUP_NXDOMAIN);
  assert_int_equal(st(&p, SD_PLAN_MTASTS), SD_PLAN_NEEDS_WORK);
  assert_int_equal(st(&p, SD_PLAN_DANE), SD_PLAN_NEEDS_WORK);
  assert_int_equal(p.plan.protocols[SD_PLAN_BOTH].missing.count, 1);
  assert_int_equal(p.plan.publish.policy_mx_count, 1);
  assert_string_equal(p.plan.publish.policy_mx[0], "mx1.example.org");
  assert_int_equal(p.plan.publish.tlsa_count, 1);
  assert_string_equal(p.plan.publish.tlsa[0].name, "_25._tcp.mx1.example.org");
  done(&p);
}

static int setup(void **state) {
  for (int i = 0; i < 2; i++) {
    EVP_PKEY *key = fx_key();
    fx_cert_spec spec = {.cn = "mx1.example.org", .sans = "DNS:mx1.example.org", .not_before = -FX_DAY,
                         .not_after = 90 * FX_DAY};
    g_cert[i] = fx_cert(&spec, key, NULL, NULL);
    EVP_PKEY_free(key);
  }
  return 0;
}

static int teardown(void **state) {
  for (int i = 0; i < 2; i++) X509_free(g_cert[i]);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(signed_zone_valid_certificate_is_ready_with_exact_records),
      cmocka_unit_test(unsigned_zone_signs_first_and_publishes_the_ds_last),
      cmocka_unit_test(signed_without_ds_asks_for_the_ds),
      cmocka_unit_test(third_party_mx_in_an_unsigned_zone_blocks_dane),
      cmocka_unit_test(cname_mx_publishes_tlsa_at_the_target),
      cmocka_unit_test(public_suffix_decides_who_runs_the_mx),
      cmocka_unit_test(each_served_key_gets_a_record),
      cmocka_unit_test(a_failed_probe_is_unknown_not_missing),
      cmocka_unit_test(a_refused_connection_is_missing_work),
      cmocka_unit_test(untrusted_certificate_needs_work_for_mtasts_only),
      cmocka_unit_test(protected_today_is_in_place_without_steps),
      cmocka_unit_test(null_mx_gets_no_plan),
      cmocka_unit_test(json_and_text_name_every_protocol),
      cmocka_unit_test(remote_bytes_become_valid_utf8_in_json),
      cmocka_unit_test(a_testing_policy_listing_every_mx_is_kept),
      cmocka_unit_test(a_record_in_dns_already_is_marked),
      cmocka_unit_test(an_address_as_mx_is_named_once_and_never_published),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
