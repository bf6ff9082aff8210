/* Unit tests for changes over time (src/report/history*.c) and the
 * report renderers' escaping (src/cli/report_*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate_fixture.h"
#include "cli/report_render.h"
#include "report/history.h"

/* ---- snapshots of one domain -------------------------------------------------------- */

/* Valid MTA-STS (id, policy hash, pattern) and DANE-EE on one MX. */
static cJSON *snapshot(const char *id, const char *sha, const char *pattern, const char *mx_host, const char *leaf,
                       const char *tlsa, const char *dane_status, const char *dane_profile, int mx_covered) {
  char over[2048];
  snprintf(over, sizeof(over),
           "{\"mtasts\":{\"status\":\"valid\",\"record\":{\"id\":\"%s\",\"valid\":true},\"policy\":{\"mode\":"
           "\"enforce\",\"max_age\":86400,\"mx\":[\"%s\"],\"sha256\":\"%s\",\"valid\":true}},"
           "\"mx\":[{\"host\":\"%s\",\"preference\":10,\"sts_match\":%s,\"sts_mismatch\":%s,"
           "\"addresses\":[{\"ip\":\"192.0.2.1\",\"chain_sha256\":[\"%s\",\"issuer\"]}],"
           "\"tlsa\":{\"dnssec\":\"secure\",\"records\":[\"%s\"],\"usable\":1}}],"
           "\"dane\":{\"status\":\"%s\"},\"verdict\":{\"profiles\":{\"dane\":\"%s\"}}}",
           id, pattern, sha, mx_host, mx_covered ? "true" : "false", mx_covered ? "null" : "\"different\"", leaf, tlsa,
           dane_status, dane_profile);
  return fixture_result("roll.test", over, NULL);
}

static void changes_of(cJSON *old_json, cJSON *new_json, unsigned char changed[SD_CHG__COUNT]) {
  sd_snap *o = sd_snap_from_json(old_json), *n = sd_snap_from_json(new_json);
  assert_non_null(o);
  assert_non_null(n);
  cJSON *details = cJSON_CreateArray();
  sd_snap_compare(o, n, changed, details);
  /* Every flagged change has a detail entry. */
  int flagged = 0;
  for (int k = 0; k < SD_CHG__COUNT; k++) flagged += changed[k];
  assert_true(cJSON_GetArraySize(details) >= flagged);
  cJSON_Delete(details);
  sd_snap_free(o);
  sd_snap_free(n);
  cJSON_Delete(old_json);
  cJSON_Delete(new_json);
}

static void test_no_change(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1), c);
  for (int k = 0; k < SD_CHG__COUNT; k++) assert_int_equal(c[k], 0);
}

static void test_policy_changed_without_id_change(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("1", "p2", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1), c);
  assert_true(c[SD_CHG_POLICY_SAME_ID]);
  assert_false(c[SD_CHG_ID_SAME_POLICY]);
  assert_false(c[SD_CHG_POLICY_NEW_ID]);
}

static void test_id_changed_without_policy_change(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("2", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1), c);
  assert_true(c[SD_CHG_ID_SAME_POLICY]);
  assert_false(c[SD_CHG_POLICY_SAME_ID]);
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("2", "p2", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1), c);
  assert_true(c[SD_CHG_POLICY_NEW_ID]);
  assert_false(c[SD_CHG_ID_SAME_POLICY]);
  assert_false(c[SD_CHG_POLICY_SAME_ID]);
}

static void test_mx_migrated_policy_stale(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  /* Mail moved from mx1 to mx2; the policy still names mx1. */
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("1", "p1", "mx1.roll.test", "mx2.roll.test", "leafB", "3 1 1 bb", "valid", "protected", 0), c);
  assert_true(c[SD_CHG_MX_SET]);
  assert_true(c[SD_CHG_MX_STALE_POLICY]);
  /* Moved with the policy updated (by wildcard): not stale. */
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("2", "p2", "*.roll.test", "mx2.roll.test", "leafB", "3 1 1 bb", "valid", "protected", 1), c);
  assert_true(c[SD_CHG_MX_SET]);
  assert_false(c[SD_CHG_MX_STALE_POLICY]);
  /* Uncovered new MX, but the policy names nothing the domain ever used: not stale. */
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("1", "p1", "mx9.roll.test", "mx2.roll.test", "leafB", "3 1 1 bb", "valid", "protected", 0), c);
  assert_false(c[SD_CHG_MX_STALE_POLICY]);
}

static void test_rollover_done_right(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafB", "3 1 1 bb", "valid", "protected", 1), c);
  assert_true(c[SD_CHG_CERT_ROLLOVER]);
  assert_true(c[SD_CHG_TLSA_ROLLOVER]);
  assert_true(c[SD_CHG_ROLLOVER_KEPT_DANE]);
  assert_false(c[SD_CHG_ROLLOVER_BROKE_DANE]);
  assert_false(c[SD_CHG_MX_SET]);
}

static void test_rollover_done_wrong(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  /* The certificate changed, the TLSA record (3 0 1 of the old certificate) did not. */
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafa", "3 0 1 leafa", "valid", "protected", 1),
             snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafb", "3 0 1 leafa", "invalid", "fail", 1), c);
  assert_true(c[SD_CHG_CERT_ROLLOVER]);
  assert_false(c[SD_CHG_TLSA_ROLLOVER]);
  assert_true(c[SD_CHG_ROLLOVER_BROKE_DANE]);
  assert_false(c[SD_CHG_ROLLOVER_KEPT_DANE]);
  assert_true(c[SD_CHG_TLSA_OLD_CERT]);
  assert_true(c[SD_CHG_DANE_STATUS]);
  assert_true(c[SD_CHG_PROFILES]);
}

/* One DANE-EE MX whose address reports which TLSA record matched its leaf
 * (dane.matched at depth 0), or none. */
static cJSON *dane_snapshot(const char *leaf, const char *tlsa, const char *matched, const char *dane_status,
                            const char *dane_profile) {
  char over[2048], dane[256];
  if (matched)
    snprintf(dane, sizeof(dane), "{\"applies\":true,\"valid\":true,\"matched\":\"%s\",\"depth\":0}", matched);
  else
    snprintf(dane, sizeof(dane), "{\"applies\":true,\"valid\":false,\"matched\":null,\"depth\":-1}");
  snprintf(over, sizeof(over),
           "{\"mx\":[{\"host\":\"mx1.roll.test\",\"preference\":10,"
           "\"addresses\":[{\"ip\":\"192.0.2.1\",\"dane\":%s,\"chain_sha256\":[\"%s\",\"issuer\"]}],"
           "\"tlsa\":{\"dnssec\":\"secure\",\"records\":[\"%s\"],\"usable\":1}}],"
           "\"dane\":{\"status\":\"%s\"},\"verdict\":{\"profiles\":{\"dane\":\"%s\"}}}",
           dane, leaf, tlsa, dane_status, dane_profile);
  return fixture_result("roll.test", over, NULL);
}

static void test_rollover_done_wrong_spki(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  /* New key served, the "3 1 1" record still names the old key: it matched
   * the old leaf and matches nothing now. */
  changes_of(dane_snapshot("leafa", "3 1 1 keya", "3 1 1 keya", "valid", "protected"),
             dane_snapshot("leafb", "3 1 1 keya", NULL, "invalid", "fail"), c);
  assert_true(c[SD_CHG_CERT_ROLLOVER]);
  assert_false(c[SD_CHG_TLSA_ROLLOVER]);
  assert_true(c[SD_CHG_ROLLOVER_BROKE_DANE]);
  assert_true(c[SD_CHG_TLSA_OLD_CERT]);
  /* Certificate renewed with the same key: the record still matches. */
  changes_of(dane_snapshot("leafa", "3 1 1 keya", "3 1 1 keya", "valid", "protected"),
             dane_snapshot("leafb", "3 1 1 keya", "3 1 1 keya", "valid", "protected"), c);
  assert_true(c[SD_CHG_CERT_ROLLOVER]);
  assert_true(c[SD_CHG_ROLLOVER_KEPT_DANE]);
  assert_false(c[SD_CHG_TLSA_OLD_CERT]);
  /* DANE broken, but the record never matched before (it was wrong all along). */
  changes_of(dane_snapshot("leafa", "3 1 1 keyx", NULL, "invalid", "fail"),
             dane_snapshot("leafb", "3 1 1 keyx", NULL, "invalid", "fail"), c);
  assert_false(c[SD_CHG_TLSA_OLD_CERT]);
  /* A prefix of a matched record is not the record. */
  changes_of(dane_snapshot("leafa", "3 1 1 keya", "3 1 1 keyab", "valid", "protected"),
             dane_snapshot("leafb", "3 1 1 keya", NULL, "invalid", "fail"), c);
  assert_false(c[SD_CHG_TLSA_OLD_CERT]);
}

static void test_gained_lost(void **state) {
  (void)state;
  unsigned char c[SD_CHG__COUNT];
  changes_of(fixture_result("g.test", NULL),
             snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1), c);
  assert_true(c[SD_CHG_STS_GAINED]);
  assert_true(c[SD_CHG_DANE_GAINED]);
  assert_false(c[SD_CHG_STS_LOST]);
  changes_of(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "leafA", "3 1 1 aa", "valid", "protected", 1),
             fixture_result("g.test", NULL), c);
  assert_true(c[SD_CHG_STS_LOST]);
  assert_true(c[SD_CHG_DANE_LOST]);
}

/* ---- the over-time driver on files --------------------------------------------------------- */

static FILE *snapshot_file(cJSON **results, size_t n) {
  FILE *f = tmpfile();
  assert_non_null(f);
  for (size_t i = 0; i < n; i++) {
    char *t = cJSON_PrintUnformatted(results[i]);
    fprintf(f, "%s\n", t);
    free(t);
    cJSON_Delete(results[i]);
  }
  rewind(f);
  return f;
}

static cJSON *named(cJSON *r, const char *domain, const char *when) {
  cJSON_ReplaceItemInObjectCaseSensitive(r, "domain", cJSON_CreateString(domain));
  cJSON_ReplaceItemInObjectCaseSensitive(r, "scanned_at", cJSON_CreateString(when));
  return r;
}

static void test_history_two_snapshots(void **state) {
  (void)state;
  const char *t1 = "2025-01-01T00:00:00Z", *t2 = "2025-02-01T00:00:00Z";
  cJSON *first[] = {
      named(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "la", "3 1 1 aa", "valid", "protected", 1), "right.test", t1),
      named(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "la", "3 0 1 la", "valid", "protected", 1), "wrong.test", t1),
      named(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "la", "3 1 1 aa", "valid", "protected", 1), "moved.test", t1),
      named(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "la", "3 1 1 aa", "valid", "protected", 1), "edited.test", t1),
      named(fixture_result("gone.test", NULL), "gone.test", t1),
  };
  cJSON *second[] = {
      named(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "lb", "3 1 1 bb", "valid", "protected", 1), "right.test", t2),
      named(snapshot("1", "p1", "mx1.roll.test", "mx1.roll.test", "lb", "3 0 1 la", "invalid", "fail", 1), "wrong.test", t2),
      named(snapshot("1", "p1", "mx1.roll.test", "mx2.roll.test", "la", "3 1 1 aa", "valid", "protected", 0), "moved.test", t2),
      named(snapshot("1", "p2", "mx1.roll.test", "mx1.roll.test", "la", "3 1 1 aa", "valid", "protected", 1), "edited.test", t2),
      named(fixture_result("new.test", NULL), "new.test", t2),
  };
  FILE *f1 = snapshot_file(first, 5), *f2 = snapshot_file(second, 5);
  char *when = sd_history_first_scanned(f2);
  assert_string_equal(when, t2);
  free(when);
  sd_history h;
  sd_history_init(&h, 50);
  assert_int_equal(sd_history_add(&h, f1, t1), 0);
  assert_int_equal(sd_history_add(&h, f2, t2), 0);
  fclose(f1);
  fclose(f2);
  assert_int_equal(h.count, 2);
  const sd_transition *t = &h.transitions[0];
  assert_int_equal(t->in_both, 4);
  assert_int_equal(t->added, 1);
  assert_int_equal(t->removed, 1);
  assert_int_equal(t->changes[SD_CHG_ROLLOVER_KEPT_DANE], 1);
  assert_int_equal(t->changes[SD_CHG_ROLLOVER_BROKE_DANE], 1);
  assert_int_equal(t->changes[SD_CHG_CERT_ROLLOVER], 2);
  assert_int_equal(t->changes[SD_CHG_MX_STALE_POLICY], 1);
  assert_int_equal(t->changes[SD_CHG_POLICY_SAME_ID], 1);
  assert_int_equal(t->changes[SD_CHG_ID_SAME_POLICY], 0);

  cJSON *j = sd_history_to_json(&h);
  cJSON *tr = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "transitions"), 0);
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(tr, "changes"), "rollover_broke_dane")->valueint, 1);
  cJSON *s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "snapshots"), 0);
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(s0, "adoption"), "sts_record")->valueint, 4);
  cJSON_Delete(j);
  sd_tables tables = {0};
  sd_history_tables(&h, &tables);
  /* adoption, published and valid lines, four profiles' outcomes, then per
   * transition the domains compared and the changes */
  assert_int_equal(tables.count, 9);
  assert_int_equal(tables.items[1].chart, SD_CHART_LINES);
  assert_int_equal(tables.items[3].chart, SD_CHART_STACKED);
  assert_int_equal(tables.items[3].nrows, 2);
  sd_tables_free(&tables);
  sd_history_free(&h);
}

/* ---- escaping in every output format --------------------------------------------------------- */

static char *render(void (*fn)(FILE *, const sd_tables *, const char *), const sd_tables *t) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  fn(f, t, "title <i>");
  fclose(f);
  return buf;
}

static void hostile_tables(sd_tables *t, sd_agg *a) {
  sd_agg_init(a, 1);
  /* Untrusted strings reach the tables as TLDs, reasons, versions, conflict
   * codes and operator names. */
  {
    cJSON *r = fixture_result("x.<script>alert(1)</script>",
                              "{\"stsdane_version\":\"=HYPERLINK(\\\"http://evil\\\")\","
                              "\"verdict\":{\"profiles\":{\"opportunistic\":\"unknown\"},\"unknown_reason\":\"<img src=x "
                              "onerror=alert(1)>\\u001b[31m\",\"conflicts\":[{\"code\":\"=1+2\"}]},"
                              "\"mx\":[{\"host\":\"mx.<svg onload=x>.net\",\"preference\":1}]}",
                              NULL);
    sd_agg_add_result(a, r);
    cJSON_Delete(r);
  }
  sd_report_tables(a, t);
}

static void test_html_escapes_everything(void **state) {
  (void)state;
  sd_agg a;
  sd_tables t = {0};
  hostile_tables(&t, &a);
  char *html = render(sd_report_render_html, &t);
  assert_null(strstr(html, "<script>"));
  assert_null(strstr(html, "<img"));
  assert_null(strstr(html, "<svg onload"));
  assert_null(strstr(html, "<i>"));
  assert_non_null(strstr(html, "&lt;script&gt;"));
  assert_non_null(strstr(html, "<svg xmlns")); /* charts are drawn */
  assert_non_null(strstr(html, "Content-Security-Policy"));
  assert_null(strstr(html, "http://evil\"")); /* quotes escaped */
  assert_null(strstr(html, "\x1b"));
  free(html);
  sd_tables_free(&t);
  sd_agg_free(&a);
}

static void test_text_escapes_controls(void **state) {
  (void)state;
  sd_agg a;
  sd_tables t = {0};
  hostile_tables(&t, &a);
  char *text = render(sd_report_render_text, &t);
  assert_null(strstr(text, "\x1b"));
  assert_non_null(strstr(text, "\\x1b[31m"));
  free(text);
  sd_tables_free(&t);
  sd_agg_free(&a);
}

static void test_csv_neutralises_formulas(void **state) {
  (void)state;
  sd_agg a;
  sd_tables t = {0};
  hostile_tables(&t, &a);
  char dir[] = "/tmp/sd_csv_XXXXXX";
  assert_non_null(mkdtemp(dir));
  assert_int_equal(sd_report_write_csv(dir, &t), 0);
  char path[256];
  snprintf(path, sizeof(path), "%s/conflicts.csv", dir);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[512];
  int found = 0;
  while (fgets(line, sizeof(line), f)) {
    assert_false(line[0] == '=');
    if (strstr(line, "'=1+2")) found = 1;
  }
  fclose(f);
  assert_true(found);
  snprintf(path, sizeof(path), "%s/quality.csv", dir);
  f = fopen(path, "r");
  assert_non_null(f);
  found = 0;
  while (fgets(line, sizeof(line), f)) {
    assert_null(strstr(line, ",=HYPERLINK"));
    assert_false(strncmp(line, "=", 1) == 0);
    if (strstr(line, "HYPERLINK")) found = 1;
  }
  fclose(f);
  assert_true(found);
  for (size_t i = 0; i < t.count; i++) {
    snprintf(path, sizeof(path), "%s/%s.csv", dir, t.items[i].id);
    remove(path);
  }
  rmdir(dir);
  sd_tables_free(&t);
  sd_agg_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_change),
      cmocka_unit_test(test_policy_changed_without_id_change),
      cmocka_unit_test(test_id_changed_without_policy_change),
      cmocka_unit_test(test_mx_migrated_policy_stale),
      cmocka_unit_test(test_rollover_done_right),
      cmocka_unit_test(test_rollover_done_wrong),
      cmocka_unit_test(test_rollover_done_wrong_spki),
      cmocka_unit_test(test_gained_lost),
      cmocka_unit_test(test_history_two_snapshots),
      cmocka_unit_test(test_html_escapes_everything),
      cmocka_unit_test(test_text_escapes_controls),
      cmocka_unit_test(test_csv_neutralises_formulas),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
