/* Unit tests for the MTA-STS policy body (src/mtasts/policy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings/findings.h"
#include "mtasts/policy.h"

static int parse(const char *body, sd_sts_policy *p, sd_findings *f) {
  return sd_sts_policy_parse(body, strlen(body), p, f);
}


static size_t count_code(const sd_findings *f, sd_code code) {
  size_t n = 0;
  for (size_t i = 0; i < f->count; i++) n += f->items[i].code == code;
  return n;
}

/* Parses body and expects an invalid policy carrying code. */
static void expect_invalid(const char *body, sd_code code) {
  sd_sts_policy p;
  sd_findings f = {0};
  if (parse(body, &p, &f) != -1 || p.valid || !sd_findings_find(&f, code)) {
    print_error("body <%s> gave valid=%d and %zu findings, wanted %s\n", body, p.valid, f.count,
                sd_code_lookup(code)->name);
    fail();
  }
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);
}

/* Parses body and expects a valid policy with a single finding code (or
 * none when code is SD_C__COUNT). */
static void expect_valid(const char *body, sd_code code) {
  sd_sts_policy p;
  sd_findings f = {0};
  int rc = parse(body, &p, &f);
  int ok = rc == 0 && p.valid && (code == SD_C__COUNT ? f.count == 0 : (f.count == 1 && sd_findings_find(&f, code)));
  if (!ok) {
    print_error("body <%s> gave rc=%d with %zu findings (first: %s %s)\n", body, rc, f.count,
                f.count ? sd_code_lookup(f.items[0].code)->name : "-", f.count ? f.items[0].detail : "");
    fail();
  }
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);
}

static void test_rfc_examples(void **state) {
  (void)state;
  /* RFC 8461 §3.2 examples. */
  sd_sts_policy p;
  sd_findings f = {0};
  const char *ex1 = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
                    "mx: backupmx.example.com\r\nmax_age: 604800\r\n";
  assert_int_equal(parse(ex1, &p, &f), 0);
  assert_true(p.valid);
  assert_int_equal(p.mode, SD_STS_MODE_ENFORCE);
  assert_int_equal(p.max_age, 604800);
  assert_int_equal(p.mx_count, 3);
  assert_string_equal(p.mx[0], "mail.example.com");
  assert_string_equal(p.mx[1], "*.example.net");
  assert_string_equal(p.mx[2], "backupmx.example.com");
  assert_int_equal(f.count, 0);
  sd_sts_policy_free(&p);

  const char *ex2 = "version: STSv1\r\nmode: testing\r\nmx: gmail-smtp-in.l.google.com\r\nmx: *.gmail-smtp-in.l.google.com\r\nmax_age: 86400\r\n";
  assert_int_equal(parse(ex2, &p, &f), 0);
  assert_int_equal(p.mode, SD_STS_MODE_TESTING);
  assert_int_equal(p.max_age, 86400);
  assert_int_equal(f.count, 0);
  sd_sts_policy_free(&p);

  const char *none = "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n";
  assert_int_equal(parse(none, &p, &f), 0);
  assert_int_equal(p.mode, SD_STS_MODE_NONE);
  assert_int_equal(p.mx_count, 0);
  assert_int_equal(f.count, 0);
  sd_sts_policy_free(&p);
}

static void test_line_endings(void **state) {
  (void)state;
  expect_valid("version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 604800\n", SD_C__COUNT);
  expect_valid("version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 604800", SD_C__COUNT);
  expect_valid("version: STSv1\r\nmode: enforce\nmx: mx1.example.test\r\nmax_age: 604800", SD_C__COUNT);
  /* Trailing blanks, blanks after the colon. */
  expect_valid("version:STSv1  \nmode:\tenforce\t\r\nmx:   mx1.example.test \nmax_age: 604800\n", SD_C__COUNT);
  /* Blank lines (leading, between fields, trailing; empty or blanks only)
   * are not in the grammar (RFC 8461 §3.2): one finding for all. */
  const char *blank[] = {"\nversion: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n",
                         "version: STSv1\nmode: enforce\n\nmx: a.example\nmax_age: 604800\n",
                         "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n\n",
                         "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 604800\r\n \r\n",
                         "---\nversion: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n\n\n"};
  for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) expect_invalid(blank[i], SD_C_STS_POLICY_SYNTAX);
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(parse("version: STSv1\n\nmode: enforce\n\nmx: a.example\nmax_age: 604800\n\n", &p, &f), -1);
  assert_int_equal(f.count, 1);
  assert_non_null(strstr(f.items[0].detail, "3 blank line(s), the first is line 2"));
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);
  /* Blanks before a key are not in the grammar: one finding that says so,
   * and the line is read as meant (no "missing max_age" as well). */
  assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.example\n      max_age: 604800\n", &p, &f), -1);
  assert_int_equal(f.count, 1);
  assert_int_equal(f.items[0].code, SD_C_STS_POLICY_SYNTAX);
  assert_non_null(strstr(f.items[0].detail, "is indented"));
  assert_int_equal(p.max_age, 604800);
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);
  /* An extension needs a value of at least one character. */
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\next:\n", SD_C_STS_POLICY_SYNTAX);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\next:   \n", SD_C_STS_POLICY_SYNTAX);
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\next: v\n", SD_C__COUNT);
  /* Bare CR is not a line end. */
  expect_invalid("version: STSv1\rmode: enforce\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_SYNTAX);
}

static void test_mx_lowercased(void **state) {
  (void)state;
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: MX1.Example.TEST\nmx: *.XN--BCHER-KVA.example\nmax_age: 604800\n", &p, &f), 0);
  assert_string_equal(p.mx[0], "mx1.example.test");
  assert_string_equal(p.mx[1], "*.xn--bcher-kva.example");
  sd_sts_policy_free(&p);
}

static void test_missing_fields(void **state) {
  (void)state;
  expect_invalid("mode: enforce\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_VERSION);
  expect_invalid("version: STSv1\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_MODE);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\n", SD_C_STS_POLICY_MAX_AGE);
  expect_invalid("version: STSv1\nmode: enforce\nmax_age: 604800\n", SD_C_STS_POLICY_NO_MX);
  expect_invalid("version: STSv1\nmode: testing\nmax_age: 604800\n", SD_C_STS_POLICY_NO_MX);
  expect_invalid("", SD_C_STS_POLICY_VERSION);
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(sd_sts_policy_parse(NULL, 5, &p, &f), -1);
  assert_int_equal(p.max_age, -1);
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);
}

static void test_bad_values(void **state) {
  (void)state;
  expect_invalid("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_VERSION);
  expect_invalid("version: stsv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_VERSION);
  expect_invalid("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_MODE);
  expect_invalid("version: STSv1\nmode: enforcing\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_MODE);
  expect_invalid("version: STSv1\nmode:\nmx: a.example\nmax_age: 604800\n", SD_C_STS_POLICY_MODE);
}

static void test_max_age_bounds(void **state) {
  (void)state;
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557600\n", &p, &f), 0);
  assert_int_equal(p.max_age, 31557600);
  assert_int_equal(f.count, 0);
  sd_sts_policy_free(&p);

  /* 0 is valid but short. */
  assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 0\n", &p, &f), 0);
  assert_int_equal(p.max_age, 0);
  assert_non_null(sd_findings_find(&f, SD_C_STS_POLICY_SHORT_MAX_AGE));
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);

  /* Ten digits with leading zeros are fine. */
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 0000604800\n", SD_C__COUNT);
  const char *bad[] = {"31557601", "00000604800", "99999999999", "-1", "+604800", "6048 00",
                       "604800s", "1e6", "", "0x10", "18446744073709551617"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char body[200];
    snprintf(body, sizeof(body), "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: %s\n", bad[i]);
    assert_int_equal(parse(body, &p, &f), -1);
    assert_int_equal(p.max_age, -1);
    const sd_finding *finding = sd_findings_find(&f, SD_C_STS_POLICY_MAX_AGE);
    assert_non_null(finding);
    assert_non_null(strstr(finding->detail, "line 4"));
    sd_sts_policy_free(&p);
    sd_findings_clear(&f);
  }
}

static void test_max_age_advice(void **state) {
  (void)state;
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 86399\n", SD_C_STS_POLICY_SHORT_MAX_AGE);
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 86400\n", SD_C__COUNT);
  expect_valid("version: STSv1\nmode: none\nmax_age: 604801\n", SD_C_STS_POLICY_NONE_LONG_MAX_AGE);
  expect_valid("version: STSv1\nmode: none\nmax_age: 604800\n", SD_C__COUNT);
  /* Short max_age is how MTA-STS is retired: no warning with mode none. */
  expect_valid("version: STSv1\nmode: none\nmax_age: 60\n", SD_C__COUNT);
}

static void test_duplicate_keys(void **state) {
  (void)state;
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(parse("version: STSv1\nmode: enforce\nmode: none\nmx: a.example\nmax_age: 604800\nmax_age: 5\n", &p, &f), 0);
  assert_int_equal(p.mode, SD_STS_MODE_ENFORCE);
  assert_int_equal(p.max_age, 604800);
  assert_int_equal(count_code(&f, SD_C_STS_POLICY_DUPLICATE_KEY), 2);
  assert_int_equal(f.count, 2);
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);

  expect_valid("version: STSv1\nversion: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n",
               SD_C_STS_POLICY_DUPLICATE_KEY);
  /* Several mx lines are normal, not duplicates. */
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmx: b.example\nmx: a.example\nmax_age: 604800\n",
               SD_C__COUNT);
}

static void test_near_miss_keys(void **state) {
  (void)state;
  const char *keys[] = {"nmx", "MX", "mx ", "Mx", "mxx", "xm"};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    char body[200];
    snprintf(body, sizeof(body), "version: STSv1\nmode: enforce\n%s: a.example\nmax_age: 604800\n", keys[i]);
    sd_sts_policy p;
    sd_findings f = {0};
    assert_int_equal(parse(body, &p, &f), -1);
    const sd_finding *near = sd_findings_find(&f, SD_C_STS_POLICY_NEAR_MISS_KEY);
    assert_non_null(near);
    assert_non_null(strstr(near->detail, "\"mx\""));
    assert_non_null(sd_findings_find(&f, SD_C_STS_POLICY_NO_MX)); /* the typo emptied the mx list */
    assert_null(sd_findings_find(&f, SD_C_STS_POLICY_SYNTAX));
    sd_sts_policy_free(&p);
    sd_findings_clear(&f);
  }
  /* A near miss of another key next to the real one: warning only. */
  expect_valid("version: STSv1\nmode: enforce\nMode: testing\nmx: a.example\nmax_age: 604800\n",
               SD_C_STS_POLICY_NEAR_MISS_KEY);
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nmax-age: 5\n",
               SD_C_STS_POLICY_NEAR_MISS_KEY);
  expect_valid("version: STSv1\nversoin: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n",
               SD_C_STS_POLICY_NEAR_MISS_KEY);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmaxage: 604800\n", SD_C_STS_POLICY_NEAR_MISS_KEY);
  /* Unknown, well-formed and unlike any key: ignored silently. */
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nreport_uri: https://x\n", SD_C__COUNT);
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nid: 12\n", SD_C__COUNT);
  /* One changed letter of a short key is another word, not a typo: "more"
   * (a real extension) and "node" are not "mode"; "mdoe" and "mod" are. */
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nmore: x\nnode: y\nms: z\n",
               SD_C__COUNT);
  expect_valid("version: STSv1\nmode: enforce\nmdoe: testing\nmx: a.example\nmax_age: 604800\n",
               SD_C_STS_POLICY_NEAR_MISS_KEY);
  expect_valid("version: STSv1\nmode: enforce\nmod: testing\nmx: a.example\nmax_age: 604800\n",
               SD_C_STS_POLICY_NEAR_MISS_KEY);
}

static void test_syntax_lines(void **state) {
  (void)state;
  expect_invalid("version: STSv1\nmode: enforce\nmx a.example\nmx: b.example\nmax_age: 604800\n",
                 SD_C_STS_POLICY_SYNTAX);
  expect_invalid("version: STSv1\nmode: enforce\nmx: b.example\nmax_age: 604800\n# comment here\n",
                 SD_C_STS_POLICY_SYNTAX);
  expect_invalid("version: STSv1\nmode: enforce\nmx: b.example\nmax_age: 604800\n_bad key: 1\n",
                 SD_C_STS_POLICY_SYNTAX);
  expect_invalid("<html><body>Not found</body></html>", SD_C_STS_POLICY_SYNTAX);
}

static void test_not_text(void **state) {
  (void)state;
  static const char with_nul[] = "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n\0";
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(sd_sts_policy_parse(with_nul, sizeof(with_nul) - 1, &p, &f), -1);
  const sd_finding *nt = sd_findings_find(&f, SD_C_STS_POLICY_NOT_TEXT);
  assert_non_null(nt);
  assert_non_null(strstr(nt->detail, "0x00"));
  assert_non_null(strstr(nt->detail, "line 5"));
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);

  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nx: \x1b[0m\n", SD_C_STS_POLICY_NOT_TEXT);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nx: \xff\n", SD_C_STS_POLICY_NOT_TEXT);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nx: \xc0\xaf\n", SD_C_STS_POLICY_NOT_TEXT);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nx: \xed\xa0\x80\n", SD_C_STS_POLICY_NOT_TEXT);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nx: \xe2\x82\n", SD_C_STS_POLICY_NOT_TEXT);
  /* Valid UTF-8 in an extension is fine; a tab too. */
  expect_valid("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\ncomment:\tb\xc3\xbc\x63her \xf0\x9f\x93\xa7\n", SD_C__COUNT);
}

static void test_mx_patterns(void **state) {
  (void)state;
  const char *good[] = {"mail.example.com", "*.example.com", "a.b", "xn--bcher-kva.example",
                        "MX1.EXAMPLE.COM", "localhost", "1mx.example", "a-b.example",
                        /* 63-character label */
                        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.example"};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    if (!sd_sts_mx_pattern_valid(good[i])) {
      print_error("%s should be valid\n", good[i]);
      fail();
    }
  }
  const char *bad[] = {"",
                       "postmaster@mx1.example.com",
                       "mail.example.com.",
                       "*.*.example.com",
                       "*",
                       "*.",
                       "*example.com",
                       "mx*.example.com",
                       "b\xc3\xbc\x63her.example",
                       "192.0.2.1",
                       "[192.0.2.1]",
                       "2001:db8::1",
                       "mail..example.com",
                       ".example.com",
                       "-mx.example.com",
                       "mx-.example.com",
                       "mx_1.example.com",
                       "mx.example.com mx2.example.com",
                       "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl.example",
                       NULL};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (sd_sts_mx_pattern_valid(bad[i])) {
      print_error("%s should be invalid\n", bad[i]);
      fail();
    }
  }
  /* A 254-character name. */
  char longname[300];
  memset(longname, 0, sizeof(longname));
  for (size_t i = 0; i < 5; i++) memcpy(longname + i * 50, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.", 50);
  memcpy(longname + 250, "com", 3);
  assert_int_equal(strlen(longname), 253);
  assert_true(sd_sts_mx_pattern_valid(longname));
  longname[253] = 'x';
  assert_false(sd_sts_mx_pattern_valid(longname));
}

static void test_bad_mx_in_policy(void **state) {
  (void)state;
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: postmaster@mx1.example.test\nmax_age: 604800\n", &p, &f), -1);
  const sd_finding *bad = sd_findings_find(&f, SD_C_STS_POLICY_BAD_MX_PATTERN);
  assert_non_null(bad);
  assert_non_null(strstr(bad->detail, "postmaster@mx1.example.test"));
  assert_non_null(strstr(bad->detail, "email"));
  assert_string_equal(bad->where, "policy");
  assert_null(sd_findings_find(&f, SD_C_STS_POLICY_NO_MX)); /* there is an mx line, just a bad one */
  assert_int_equal(p.mx_count, 0);
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);

  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example\nmx: *.*.example\nmax_age: 604800\n", SD_C_STS_POLICY_BAD_MX_PATTERN);
  expect_invalid("version: STSv1\nmode: enforce\nmx: a.example.\nmax_age: 604800\n", SD_C_STS_POLICY_BAD_MX_PATTERN);
  expect_invalid("version: STSv1\nmode: enforce\nmx:\nmax_age: 604800\n", SD_C_STS_POLICY_BAD_MX_PATTERN);
  expect_invalid("version: STSv1\nmode: enforce\nmx: m\xc3\xbc.example\nmax_age: 604800\n", SD_C_STS_POLICY_BAD_MX_PATTERN);
  expect_invalid("version: STSv1\nmode: enforce\nmx: 192.0.2.25\nmax_age: 604800\n", SD_C_STS_POLICY_BAD_MX_PATTERN);
  /* Mode none with a bad mx line is still invalid. */
  expect_invalid("version: STSv1\nmode: none\nmx: a@b.example\nmax_age: 86400\n", SD_C_STS_POLICY_BAD_MX_PATTERN);
}

static void test_many_lines_bounded(void **state) {
  (void)state;
  /* 1500 mx lines: only 1000 are kept and the excess is reported once. */
  size_t cap = 1500 * 20 + 100, len = 0;
  char *body = malloc(cap);
  assert_non_null(body);
  len += (size_t)snprintf(body, cap, "version: STSv1\nmode: enforce\nmax_age: 604800\n");
  for (int i = 0; i < 1500; i++) len += (size_t)snprintf(body + len, cap - len, "mx: m%d.example\n", i);
  sd_sts_policy p;
  sd_findings f = {0};
  assert_int_equal(sd_sts_policy_parse(body, len, &p, &f), -1);
  assert_int_equal(p.mx_count, 1000);
  assert_int_equal(count_code(&f, SD_C_STS_POLICY_SYNTAX), 1);
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);

  /* 64 KiB of garbage lines: bounded findings. */
  len = 0;
  char *junk = malloc(SD_STS_POLICY_MAX_BYTES);
  assert_non_null(junk);
  for (size_t i = 0; i + 2 <= SD_STS_POLICY_MAX_BYTES; i += 2) {
    junk[i] = 'x';
    junk[i + 1] = '\n';
  }
  assert_int_equal(sd_sts_policy_parse(junk, SD_STS_POLICY_MAX_BYTES, &p, &f), -1);
  assert_true(f.count <= 32);
  assert_non_null(sd_findings_find(&f, SD_C_STS_POLICY_VERSION)); /* end-of-body findings survive the cap */
  sd_sts_policy_free(&p);
  sd_findings_clear(&f);
  free(junk);
  free(body);
}

static void test_mode_names(void **state) {
  (void)state;
  assert_string_equal(sd_sts_mode_name(SD_STS_MODE_ENFORCE), "enforce");
  assert_string_equal(sd_sts_mode_name(SD_STS_MODE_TESTING), "testing");
  assert_string_equal(sd_sts_mode_name(SD_STS_MODE_NONE), "none");
  assert_string_equal(sd_sts_mode_name(SD_STS_MODE_UNSET), "unset");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc_examples),   cmocka_unit_test(test_line_endings),
      cmocka_unit_test(test_mx_lowercased),  cmocka_unit_test(test_missing_fields),
      cmocka_unit_test(test_bad_values),     cmocka_unit_test(test_max_age_bounds),
      cmocka_unit_test(test_max_age_advice), cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_near_miss_keys), cmocka_unit_test(test_syntax_lines),
      cmocka_unit_test(test_not_text),       cmocka_unit_test(test_mx_patterns),
      cmocka_unit_test(test_bad_mx_in_policy), cmocka_unit_test(test_many_lines_bounded),
      cmocka_unit_test(test_mode_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
