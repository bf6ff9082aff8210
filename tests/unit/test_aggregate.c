/* Unit tests for the report aggregation (src/report): every table
 * count on hand-written results, merge order independence, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate_fixture.h"
#include "report/aggregate.h"
#include "report/agg_internal.h"
#include "report/tables.h"

/* ---- helpers --------------------------------------------------------------------- */

static void add(sd_agg *a, cJSON *r) {
  assert_int_equal(sd_agg_add_result(a, r), 0);
  cJSON_Delete(r);
}

/* The report JSON value at a dotted path ("mtasts.classes.invalid_txt.domains"). */
static double report_value(const sd_agg *a, const char *path) {
  cJSON *root = sd_agg_to_json(a);
  const cJSON *node = root;
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", path);
  char *save = NULL;
  for (char *part = strtok_r(buf, ".", &save); part && node; part = strtok_r(NULL, ".", &save))
    node = cJSON_GetObjectItemCaseSensitive(node, part);
  if (!cJSON_IsNumber(node)) {
    cJSON_Delete(root);
    fail_msg("no number at %s", path);
  }
  double v = node->valuedouble;
  cJSON_Delete(root);
  return v;
}

#define assert_report(a, path, expected) assert_int_equal((long long)report_value((a), (path)), (expected))

/* ---- table 1: adoption --------------------------------------------------------------- */

static const char dane_valid_override[] =
    "{\"mx_dnssec\":\"secure\",\"mx\":[{\"host\":\"mx1.d.test\",\"preference\":10,\"tlsa\":{\"dnssec\":\"secure\","
    "\"records\":[\"3 1 1 abcd\",\"2 0 1 ef01\"],\"usable\":2},\"addresses\":[{\"ip\":\"192.0.2.9\","
    "\"chain_sha256\":[\"cc33\"],\"dane\":{\"applies\":true,\"valid\":true,\"matched\":\"3 1 1 abcd\"}}]}],"
    "\"dane\":{\"status\":\"valid\"},\"verdict\":{\"profiles\":{\"opportunistic\":\"unprotected\","
    "\"mta-sts\":\"unprotected\",\"dane\":\"protected\",\"dane+mta-sts\":\"protected\"},\"protected_by\":\"dane\"}}";

static void test_adoption(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  add(&a, fixture_result("sts.example.com", fixture_sts_enforce, NULL));
  add(&a, fixture_result("dane.example.org", dane_valid_override, NULL));
  add(&a, fixture_result("null.example.com",
                         "{\"null_mx\":true,\"mx\":[],\"verdict\":{\"profiles\":{\"opportunistic\":\"no-mail\","
                         "\"mta-sts\":\"no-mail\",\"dane\":\"no-mail\",\"dane+mta-sts\":\"no-mail\"}}}",
                         NULL));
  add(&a, fixture_result("testing.example.com", fixture_sts_enforce,
                         "{\"mtasts\":{\"policy\":{\"mode\":\"testing\",\"max_age\":31557600}},"
                         "\"tlsrpt\":{\"status\":\"absent\"}}",
                         NULL));
  assert_report(&a, "domains", 4);
  assert_report(&a, "adoption.overall.with_mx", 3);
  assert_report(&a, "adoption.overall.null_mx", 1);
  assert_report(&a, "adoption.overall.no_mail", 1);
  assert_report(&a, "adoption.overall.sts_record", 2);
  assert_report(&a, "adoption.overall.sts_valid_policy", 2);
  assert_report(&a, "mtasts.modes.enforce", 1);
  assert_report(&a, "mtasts.modes.testing", 1);
  assert_report(&a, "mtasts.max_age.1w-30d", 1);
  assert_report(&a, "mtasts.max_age.30d-1y", 1);
  assert_report(&a, "mtasts.max_age.<1d", 0);
  assert_report(&a, "adoption.overall.tlsrpt_valid", 1);
  assert_report(&a, "adoption.overall.sts_record_with_tlsrpt", 1);
  assert_report(&a, "adoption.overall.mx_dnssec_signed", 1);
  assert_report(&a, "adoption.overall.tlsa_any_mx", 1);
  assert_report(&a, "adoption.overall.tlsa_all_mx", 1);
  assert_report(&a, "adoption.overall.dane_valid", 1);
  assert_report(&a, "adoption.overall.sts_record_and_tlsa", 0);
  assert_report(&a, "adoption.per_tld.com.domains", 3);
  assert_report(&a, "adoption.per_tld.com.sts_record", 2);
  assert_report(&a, "adoption.per_tld.org.tlsa_any_mx", 1);
  assert_report(&a, "dane.tlsa_records.usage.3", 1);
  assert_report(&a, "dane.tlsa_records.usage.2", 1);
  assert_report(&a, "dane.tlsa_records.selector.0", 1);
  assert_report(&a, "dane.tlsa_records.parameters.3 1 1", 1);
  assert_report(&a, "dane.dane_ee_domains", 1);
  assert_report(&a, "dane.dane_ta_domains", 1);
  sd_agg_free(&a);
}

/* ---- table 2: MTA-STS classes ------------------------------------------------------------ */

static const char invalid_record[] =
    "{\"mtasts\":{\"status\":\"invalid\",\"record\":{\"raw\":\"v=STSv1;\",\"id\":null,\"valid\":false},"
    "\"policy\":null},\"findings\":[{\"code\":\"sts-record-no-id\",\"severity\":\"error\",\"where\":\"record\"}]}";
static const char policy_404[] =
    "{\"mtasts\":{\"status\":\"invalid\",\"policy\":{\"http_status\":404,\"fetch\":\"http-status\",\"mode\":null,"
    "\"valid\":false,\"primary_ip\":\"198.51.100.7\"}},\"findings\":[{\"code\":\"sts-policy-http-status\","
    "\"severity\":\"error\",\"where\":\"policy\"}]}";
static const char two_mx_one_expired[] =
    "{\"mx\":[{\"host\":\"mx1.base.test\",\"preference\":10},{\"host\":\"mx2.base.test\",\"preference\":20}],"
    "\"findings\":[{\"code\":\"cert-expired\",\"severity\":\"error\",\"where\":\"mx:mx2.base.test/192.0.2.2\"}],"
    "\"verdict\":{\"profiles\":{\"mta-sts\":\"protected\"}}}";
static const char all_mx_untrusted[] =
    "{\"findings\":[{\"code\":\"cert-untrusted\",\"severity\":\"error\",\"where\":\"mx:mx1.base.test/192.0.2.1\"},"
    "{\"code\":\"cert-untrusted\",\"severity\":\"error\",\"where\":\"mx:mx1.base.test/2001:db8::1\"}],"
    "\"verdict\":{\"profiles\":{\"mta-sts\":\"fail\",\"dane+mta-sts\":\"fail\"},\"protected_by\":\"none\"}}";
static const char mx_typo[] =
    "{\"mx\":[{\"host\":\"mx1.base.test\",\"preference\":10,\"sts_match\":false,\"sts_mismatch\":\"typo\","
    "\"sts_lists_policy_host\":true}],\"findings\":[{\"code\":\"sts-mx-mismatch\",\"severity\":\"error\","
    "\"where\":\"mx:mx1.base.test\"}],\"verdict\":{\"profiles\":{\"mta-sts\":\"fail\"}}}";

static void test_sts_classes(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  add(&a, fixture_result("good.test", fixture_sts_enforce, NULL));
  add(&a, fixture_result("c1.test", invalid_record, NULL));
  add(&a, fixture_result("c2.test", fixture_sts_enforce, policy_404, NULL));
  add(&a, fixture_result("c3some.test", fixture_sts_enforce, two_mx_one_expired, NULL));
  add(&a, fixture_result("c3all.test", fixture_sts_enforce, all_mx_untrusted, NULL));
  add(&a, fixture_result("c4.test", fixture_sts_enforce, mx_typo, NULL));
  /* cert-* at a domain without MTA-STS is not class 3 of the MTA-STS study. */
  add(&a, fixture_result("nosts.test", "{\"findings\":[{\"code\":\"cert-expired\",\"where\":\"mx:mx1.base.test\"}]}",
                         NULL));
  assert_report(&a, "mtasts.with_record", 6);
  assert_report(&a, "mtasts.status.valid", 4);
  assert_report(&a, "mtasts.status.invalid", 2);
  assert_report(&a, "mtasts.classes.invalid_txt.domains", 1);
  assert_report(&a, "mtasts.classes.invalid_txt.sub.sts-record-no-id", 1);
  assert_report(&a, "mtasts.classes.invalid_txt.sub.sts-record-bad-id", 0);
  assert_report(&a, "mtasts.classes.policy_retrieval.domains", 1);
  assert_report(&a, "mtasts.classes.policy_retrieval.sub.http", 1);
  assert_report(&a, "mtasts.classes.policy_retrieval.sub.http-status", 1);
  assert_report(&a, "mtasts.classes.policy_retrieval.http_status.404", 1);
  assert_report(&a, "mtasts.classes.mx_certificate.domains", 2);
  assert_report(&a, "mtasts.classes.mx_certificate.some_mx", 1);
  assert_report(&a, "mtasts.classes.mx_certificate.all_mx", 1);
  assert_report(&a, "mtasts.classes.mx_certificate.sub.cert-expired", 1);
  assert_report(&a, "mtasts.classes.mx_certificate.sub.cert-untrusted", 1);
  assert_report(&a, "mtasts.classes.inconsistency.domains", 1);
  assert_report(&a, "mtasts.classes.inconsistency.sub.typo", 1);
  assert_report(&a, "mtasts.classes.inconsistency.sub.lists-policy-host", 1);
  assert_report(&a, "mtasts.classes.inconsistency.sub.tld", 0);
  assert_report(&a, "mtasts.misconfigured", 5);
  assert_report(&a, "mtasts.enforce_fail", 2);
  sd_agg_free(&a);
}

/* A record with a bad version prefix may leave the status absent: it still
 * counts as a record with an invalid TXT. */
static void test_bad_version_counts_as_record(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  add(&a, fixture_result("v.test", "{\"findings\":[{\"code\":\"sts-record-bad-version\",\"where\":\"record\"}]}", NULL));
  assert_report(&a, "adoption.overall.sts_record", 1);
  assert_report(&a, "mtasts.classes.invalid_txt.sub.sts-record-bad-version", 1);
  sd_agg_free(&a);
}

/* ---- table 3: DANE classes ------------------------------------------------------------------ */

static void test_dane_classes(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  add(&a, fixture_result("ok.test", dane_valid_override, NULL));
  add(&a, fixture_result("nods.test", "{\"dnskey_without_ds\":true,\"findings\":[{\"code\":\"dnssec-missing-ds\"}]}",
                         NULL));
  add(&a, fixture_result("rrsig.test", dane_valid_override,
                         "{\"dane\":{\"status\":\"bogus\"},\"findings\":[{\"code\":\"dnssec-expired-rrsig\"}]}", NULL));
  add(&a, fixture_result("params.test", dane_valid_override,
                         "{\"mx\":[{\"host\":\"mx1.d.test\",\"tlsa\":{\"records\":[\"3 1 1 abcd\"]},\"addresses\":[{\"ip\":\"192.0.2.9\",\"dane\":{\"applies\":"
                         "true,\"valid\":false,\"params_wrong\":true}}]}],\"dane\":{\"status\":\"invalid\"},"
                         "\"findings\":[{\"code\":\"dane-tlsa-mismatch\"}]}",
                         NULL));
  add(&a, fixture_result("data.test", dane_valid_override,
                         "{\"mx\":[{\"host\":\"mx1.d.test\",\"tlsa\":{\"records\":[\"3 1 1 abcd\"]},\"addresses\":[{\"ip\":\"192.0.2.9\",\"dane\":{\"applies\":"
                         "true,\"valid\":false,\"params_wrong\":false}}]}],\"dane\":{\"status\":\"invalid\"},"
                         "\"findings\":[{\"code\":\"dane-tlsa-mismatch\"}]}",
                         NULL));
  add(&a, fixture_result("unusable.test", dane_valid_override, "{\"findings\":[{\"code\":\"dane-tlsa-unusable\"}]}",
                         NULL));
  add(&a, fixture_result("partial.test", dane_valid_override,
                         "{\"findings\":[{\"code\":\"dane-partial-coverage\"},{\"code\":\"dane-mx-insecure\"},"
                         "{\"code\":\"dane-starttls-missing\"}]}",
                         NULL));
  assert_report(&a, "dane.with_tlsa", 6);
  assert_report(&a, "dane.classes.missing_ds", 1);
  assert_report(&a, "dane.classes.bogus.domains", 1);
  assert_report(&a, "dane.classes.bogus.sub.dnssec-expired-rrsig", 1);
  assert_report(&a, "dane.classes.tlsa_mismatch.domains", 2);
  assert_report(&a, "dane.classes.tlsa_mismatch.params_wrong", 1);
  assert_report(&a, "dane.classes.tlsa_mismatch.data_wrong", 1);
  assert_report(&a, "dane.classes.unusable_only", 1);
  assert_report(&a, "dane.classes.partial_coverage", 1);
  assert_report(&a, "dane.classes.starttls_missing", 1);
  assert_report(&a, "dane.classes.tlsa_insecure.sub.dane-mx-insecure", 1);
  /* nods.test has no TLSA: missing DS alone is not a TLSA misconfiguration. */
  assert_report(&a, "dane.misconfigured", 5);
  assert_report(&a, "dane.status.invalid", 2);
  assert_report(&a, "dane.status.bogus", 1);
  sd_agg_free(&a);
}

/* ---- table 5: cross-protocol ----------------------------------------------------------------- */

static void test_cross_protocol(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  add(&a, fixture_result("selfsigned.test", fixture_sts_enforce, dane_valid_override,
                         "{\"verdict\":{\"profiles\":{\"mta-sts\":\"fail\",\"dane\":\"protected\"},\"protected_by\":"
                         "\"dane\",\"conflicts\":[{\"code\":\"sts-fails-dane-passes\"},{\"code\":\"sts-fails-dane-"
                         "passes\"},{\"code\":\"<b>new-code</b>\"}]}}",
                         NULL));
  add(&a, fixture_result("stale.test", fixture_sts_enforce,
                         "{\"tlsrpt\":{\"status\":\"absent\"},\"verdict\":{\"profiles\":{\"mta-sts\":\"protected\","
                         "\"dane\":\"fail\",\"dane+mta-sts\":\"fail\"},\"conflicts\":[{\"code\":\"dane-fails-sts-passes\"}]}}",
                         NULL));
  add(&a, fixture_result("plain.test", NULL));
  assert_report(&a, "profiles.mta-sts.fail", 1);
  assert_report(&a, "profiles.mta-sts.protected", 1);
  assert_report(&a, "profiles.mta-sts.unprotected", 1);
  assert_report(&a, "profiles.dane.fail", 1);
  assert_report(&a, "profiles.dane+mta-sts.fail", 1);
  assert_report(&a, "profiles.opportunistic.unprotected", 3);
  assert_report(&a, "protected_by.dane", 1);
  assert_report(&a, "protected_by.mta-sts", 1);
  assert_report(&a, "protected_by.none", 1);
  /* A code listed twice for one domain counts once. */
  assert_report(&a, "conflicts.sts-fails-dane-passes", 1);
  assert_report(&a, "conflicts.dane-fails-sts-passes", 1);
  assert_report(&a, "conflicts.mx-set-mismatch", 0);
  assert_report(&a, "conflicts.<b>new-code</b>", 1);
  assert_report(&a, "cross.domains_with_conflict", 2);
  assert_report(&a, "cross.sts_fails_dane_passes", 1);
  assert_report(&a, "cross.dane_fails_sts_passes", 1);
  assert_report(&a, "cross.failing_domains", 2);
  assert_report(&a, "cross.failing_domains_with_tlsrpt", 1);
  sd_agg_free(&a);
}

/* ---- table 6: quality and hostile input --------------------------------------------------------- */

static void test_quality_and_malformed(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  const char *lines[] = {"not json", "[1,2,3]", "{\"domain\":5}", "   ", "{\"domain\":\"x.test\"}", "{\"a\":"};
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) sd_agg_add_line(&a, lines[i], strlen(lines[i]));
  cJSON *unknown = fixture_result("u.test",
                                  "{\"scanned_at\":\"2025-03-01T10:05:00Z\",\"stsdane_version\":\"v9\","
                                  "\"verdict\":{\"profiles\":{\"opportunistic\":\"unknown\",\"mta-sts\":\"unknown\"},"
                                  "\"unknown_reason\":\"mx1.u.test: no address answered in time; mx2.u.test: no "
                                  "address answered in time\"},\"findings\":[{\"code\":\"smtp-timeout\"}]}",
                                  NULL);
  char *text = cJSON_PrintUnformatted(unknown);
  cJSON_Delete(unknown);
  assert_int_equal(sd_agg_add_line(&a, text, strlen(text)), 0);
  free(text);
  add(&a, fixture_result("early.test", NULL));
  assert_report(&a, "quality.lines", 7);
  assert_report(&a, "quality.malformed_lines", 5);
  assert_report(&a, "domains", 2);
  assert_report(&a, "quality.unknown.domains", 1);
  /* Host names are stripped so the reason table does not grow per host, and
   * two hosts failing alike count the domain once: the reasons count domains
   * (they used to count 2 here, more than the 1 unknown domain). */
  assert_report(&a, "quality.unknown.reasons.no address answered in time", 1);
  assert_report(&a, "quality.unknown.codes.smtp-timeout", 1);
  assert_report(&a, "quality.versions.v9", 1);
  assert_report(&a, "quality.duration_seconds", 300);
  cJSON *root = sd_agg_to_json(&a);
  cJSON *when = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "quality"), "scanned_at");
  assert_string_equal(cJSON_GetObjectItem(when, "first")->valuestring, "2025-03-01T10:00:00Z");
  assert_string_equal(cJSON_GetObjectItem(when, "last")->valuestring, "2025-03-01T10:05:00Z");
  cJSON_Delete(root);
  sd_agg_free(&a);
}

static int count_line(void *ctx, const char *line, size_t len) {
  (void)line;
  *(size_t *)ctx += len;
  return 0;
}

static void test_line_bound(void **state) {
  (void)state;
  FILE *f = tmpfile();
  assert_non_null(f);
  fputs("short\n", f);
  for (int i = 0; i < 5000; i++) fputc('x', f);
  fputs("\nend", f); /* last line without a newline */
  rewind(f);
  size_t bytes = 0;
  long long lines = 0, malformed = 0;
  assert_int_equal(sd_agg_read_lines(f, 1000, count_line, &bytes, &lines, &malformed), 0);
  assert_int_equal(bytes, 5 + 3);
  assert_int_equal(lines, 1);
  assert_int_equal(malformed, 1);
  fclose(f);
}

static void test_registrable(void **state) {
  (void)state;
  char buf[64];
  assert_string_equal(sd_agg_registrable("MX1.Mail.Example.COM.", buf, sizeof(buf)), "example.com");
  assert_string_equal(sd_agg_registrable("example.com", buf, sizeof(buf)), "example.com");
  assert_string_equal(sd_agg_registrable("localhost", buf, sizeof(buf)), "localhost");
  assert_null(sd_agg_registrable("", buf, sizeof(buf)));
  assert_null(sd_agg_registrable("...", buf, sizeof(buf)));
  assert_null(sd_agg_registrable(NULL, buf, sizeof(buf)));
  assert_null(sd_agg_registrable("a.example.com", buf, 4)); /* does not fit: never a truncated name */
  /* The Public Suffix List, not the last two labels. */
  assert_string_equal(sd_agg_registrable("mx1.bigmail.co.uk", buf, sizeof(buf)), "bigmail.co.uk");
  assert_string_equal(sd_agg_registrable("shop.co.uk.", buf, sizeof(buf)), "shop.co.uk");
  assert_string_equal(sd_agg_registrable("co.uk", buf, sizeof(buf)), "co.uk"); /* a public suffix itself */
  assert_string_equal(sd_agg_registrable("a.b.example.com.au", buf, sizeof(buf)), "example.com.au");
  assert_string_equal(sd_agg_registrable("mx.sub.mail.test", buf, sizeof(buf)), "mail.test");
}


/* ---- providers --------------------------------------------------------------------------------- */

static cJSON *hosted(const char *domain, const char *mx_host, int sts) {
  char over[512];
  snprintf(over, sizeof(over), "{\"mx\":[{\"host\":\"%s\",\"preference\":5}]}", mx_host);
  return fixture_result(domain, sts ? fixture_sts_enforce : "{}", over, NULL);
}

/* The report's top MX providers are exactly this one operator. */
static void assert_only_mx_provider(const sd_agg *a, const char *op) {
  cJSON *root = sd_agg_to_json(a);
  cJSON *top = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "providers"), "mx"), "top");
  assert_int_equal(cJSON_GetArraySize(top), 1);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "operator")->valuestring, op);
  cJSON_Delete(root);
}

static void test_providers(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 3);
  add(&a, hosted("a.test", "mx.bigmail.net", 1));
  add(&a, hosted("b.test", "in1.bigmail.net", 0));
  add(&a, hosted("c.test", "in2.BIGMAIL.net.", 0));
  add(&a, hosted("sub.c.test", "in2.bigmail.net", 0)); /* same registrable domain as c.test */
  add(&a, hosted("self.test", "mx.self.test", 0));
  assert_report(&a, "providers.threshold", 3);
  assert_report(&a, "providers.mx.third_party.domains", 4);
  assert_report(&a, "providers.mx.third_party.operators", 1);
  assert_report(&a, "providers.mx.self_managed.domains", 1);
  /* All four MTA-STS policies are fetched from one address, but only a.test has one here. */
  assert_report(&a, "providers.policy_hosting.self_managed.sts_record", 1);
  assert_only_mx_provider(&a, "name:bigmail.net");

  /* Two registrable domains are not enough with threshold 3. */
  sd_agg b;
  sd_agg_init(&b, 3);
  add(&b, hosted("a.test", "mx.bigmail.net", 0));
  add(&b, hosted("b.test", "mx.bigmail.net", 0));
  assert_report(&b, "providers.mx.third_party.domains", 0);
  /* Different thresholds do not merge. */
  sd_agg c;
  sd_agg_init(&c, 4);
  assert_int_equal(sd_agg_merge(&c, &b), -1);
  sd_agg_free(&a);
  sd_agg_free(&b);
  sd_agg_free(&c);
}

/* 60 shops under co.uk on one provider's MX: one third-party operator
 * (bigmail.co.uk), not 60 "vanity" MX names under co.uk (issue 13). */
static void test_providers_public_suffix(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 50);
  for (int i = 0; i < 60; i++) {
    char domain[64];
    snprintf(domain, sizeof(domain), "shop%d.co.uk", i);
    add(&a, hosted(domain, "mx1.bigmail.co.uk", 0));
  }
  assert_report(&a, "providers.mx.third_party.domains", 60);
  assert_report(&a, "providers.mx.third_party.operators", 1);
  assert_report(&a, "providers.mx.self_managed.domains", 0);
  assert_only_mx_provider(&a, "name:bigmail.co.uk");
  sd_agg_free(&a);
}

/* ---- merge ---------------------------------------------------------------------------------------- */

static cJSON *mixed_result(int i) {
  char domain[64];
  snprintf(domain, sizeof(domain), "d%d.%s", i, i % 3 ? "test" : "example");
  char mx[64];
  snprintf(mx, sizeof(mx), "mx%d.%s", i % 4, i % 2 ? "hoster.net" : "other.org");
  cJSON *r = hosted(domain, mx, i % 2);
  const char *extra[] = {invalid_record, policy_404, two_mx_one_expired, all_mx_untrusted, mx_typo, dane_valid_override,
                         "{\"scanned_at\":\"2025-03-02T00:00:00Z\"}", "{\"verdict\":{\"profiles\":{\"dane\":\"unknown\"}}}"};
  cJSON *o = cJSON_Parse(extra[i % 8]);
  fixture_merge(r, o);
  cJSON_Delete(o);
  return r;
}

static char *report_text(const sd_agg *a) {
  cJSON *j = sd_agg_to_json(a);
  char *t = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  return t;
}

static void test_merge_order_independent(void **state) {
  (void)state;
  enum { N = 40 };
  sd_agg whole, part[3];
  sd_agg_init(&whole, 3);
  for (int k = 0; k < 3; k++) sd_agg_init(&part[k], 3);
  for (int i = 0; i < N; i++) {
    cJSON *r = mixed_result(i);
    sd_agg_add_result(&whole, r);
    sd_agg_add_result(&part[(i * 7) % 3], r);
    cJSON_Delete(r);
  }
  sd_agg_add_line(&part[1], "garbage", 7);
  sd_agg_add_line(&whole, "garbage", 7);
  char *expected = report_text(&whole);
  assert_true(report_value(&whole, "providers.mx.third_party.domains") > 0);

  /* (A + B) + C */
  sd_agg left;
  sd_agg_init(&left, 3);
  sd_agg_merge(&left, &part[0]);
  sd_agg_merge(&left, &part[1]);
  sd_agg_merge(&left, &part[2]);
  char *t1 = report_text(&left);
  assert_string_equal(t1, expected);
  /* C + (B + A) */
  sd_agg inner, right;
  sd_agg_init(&inner, 3);
  sd_agg_init(&right, 3);
  sd_agg_merge(&inner, &part[1]);
  sd_agg_merge(&inner, &part[0]);
  sd_agg_merge(&right, &part[2]);
  sd_agg_merge(&right, &inner);
  char *t2 = report_text(&right);
  assert_string_equal(t2, expected);
  free(expected);
  free(t1);
  free(t2);
  sd_agg_free(&whole);
  sd_agg_free(&left);
  sd_agg_free(&inner);
  sd_agg_free(&right);
  for (int k = 0; k < 3; k++) sd_agg_free(&part[k]);
}

/* ---- tables ---------------------------------------------------------------------------------------- */

static const sd_table *find_table(const sd_tables *t, const char *id) {
  for (size_t i = 0; i < t->count; i++)
    if (strcmp(t->items[i].id, id) == 0) return &t->items[i];
  return NULL;
}

/* A domain whose measurement failed is counted apart, never as "none". */
static const char resolver_down[] =
    "{\"mx_lookup\":\"error\",\"mx\":[],\"mtasts\":{\"status\":\"error\"},\"dane\":{\"status\":\"error\"},"
    "\"verdict\":{\"profiles\":{\"opportunistic\":\"unknown\",\"mta-sts\":\"unknown\",\"dane\":\"unknown\","
    "\"dane+mta-sts\":\"unknown\"},\"protected_by\":\"unknown\",\"conflicts\":[],"
    "\"unknown_reason\":\"the MX lookup failed (resolver error or timeout)\"}}";
/* A row written before protected_by had the value unknown. */
static const char old_unknown_row[] =
    "{\"verdict\":{\"profiles\":{\"opportunistic\":\"unknown\",\"mta-sts\":\"unknown\",\"dane\":\"unknown\","
    "\"dane+mta-sts\":\"unknown\"},\"protected_by\":\"none\",\"unknown_reason\":\"mx1.x.test: no address answered in time\"}}";

static void test_not_measured_apart(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  add(&a, fixture_result("plain.test", NULL));
  add(&a, fixture_result("down1.test", resolver_down, NULL));
  add(&a, fixture_result("down2.test", resolver_down, NULL));
  add(&a, fixture_result("old.test", old_unknown_row, NULL));
  assert_report(&a, "domains", 4);
  assert_report(&a, "measured_domains", 1);
  assert_report(&a, "adoption.overall.domains", 1);
  assert_report(&a, "adoption.overall.with_mx", 1);
  assert_report(&a, "protected_by.none", 1);
  assert_report(&a, "protected_by.unknown", 3);
  assert_report(&a, "profiles.mta-sts.unknown", 0);
  assert_report(&a, "profiles.mta-sts.unprotected", 1);
  assert_report(&a, "not_measured.domains", 3);
  assert_report(&a, "not_measured.adoption.domains", 3);
  assert_report(&a, "not_measured.reasons.the MX lookup failed (resolver error or timeout)", 2);
  assert_report(&a, "not_measured.reasons.no address answered in time", 1);
  assert_report(&a, "quality.domains", 4);
  sd_tables t = {0};
  sd_report_tables(&a, &t);
  const sd_table *by = find_table(&t, "protected_by");
  assert_non_null(by);
  assert_int_equal(by->ncols, 3);
  const sd_cell *none = sd_table_cell(by, 0, 1);
  assert_int_equal(none->n, 1); /* 100% of the measured domain, not 25% */
  assert_int_equal(none->d, 1);
  const sd_cell *unknown = sd_table_cell(by, 4, 2);
  assert_int_equal(unknown->n, 3);
  assert_non_null(find_table(&t, "not_measured"));
  sd_tables_free(&t);
  sd_agg_free(&a);
}

static void test_tables_name_denominators(void **state) {
  (void)state;
  sd_agg a;
  sd_agg_init(&a, 0);
  add(&a, fixture_result("good.test", fixture_sts_enforce, NULL));
  add(&a, fixture_result("c1.test", invalid_record, NULL));
  add(&a, fixture_result("plain.test", NULL));
  sd_tables t = {0};
  sd_report_tables(&a, &t);
  assert_true(t.count >= 15);
  for (size_t i = 0; i < t.count; i++) {
    assert_non_null(t.items[i].id);
    assert_true(t.items[i].nrows == 0 || t.items[i].ncells % t.items[i].ncols == 0);
  }
  const sd_table *classes = find_table(&t, "sts_classes");
  assert_non_null(classes);
  assert_string_equal(classes->denominator, "% of domains with an MTA-STS record");
  const sd_cell *c1 = sd_table_cell(classes, 0, 1);
  assert_int_equal(c1->n, 1);
  assert_int_equal(c1->d, 2);
  const sd_table *outcomes = find_table(&t, "outcomes");
  assert_int_equal(outcomes->nrows, 4);
  assert_int_equal(outcomes->ncols, 8); /* profile, six outcomes, not measured */
  assert_int_equal(outcomes->chart, SD_CHART_STACKED);
  char buf[16];
  assert_string_equal(sd_percent(1, 3, buf, sizeof(buf)), "33.3%");
  assert_string_equal(sd_percent(1, 0, buf, sizeof(buf)), "-");
  sd_tables_free(&t);
  sd_agg_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_adoption),
      cmocka_unit_test(test_not_measured_apart),
      cmocka_unit_test(test_sts_classes),
      cmocka_unit_test(test_bad_version_counts_as_record),
      cmocka_unit_test(test_dane_classes),
      cmocka_unit_test(test_cross_protocol),
      cmocka_unit_test(test_quality_and_malformed),
      cmocka_unit_test(test_line_bound),
      cmocka_unit_test(test_registrable),
      cmocka_unit_test(test_providers_public_suffix),
      cmocka_unit_test(test_providers),
      cmocka_unit_test(test_merge_order_independent),
      cmocka_unit_test(test_tables_name_denominators),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
