/* Unit tests of the JSON writer (src/util/json_writer.h): its text is
 * compared byte for byte with what the linked cJSON prints for the same
 * values (strings with every byte value, numbers at the edges of int and
 * double, a nested document), and every misuse must end in NULL, never in
 * invalid JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "result/result_json.h"
#include "util/json_writer.h"

/* cJSON's unformatted text of item (deleted). */
static char *cjson_text(cJSON *item) {
  assert_non_null(item);
  char *text = cJSON_PrintUnformatted(item);
  cJSON_Delete(item);
  assert_non_null(text);
  return text;
}

static char *writer_string(const char *s) {
  sd_jw w;
  sd_jw_init(&w, 16);
  sd_jw_string(&w, s);
  return sd_jw_finish(&w);
}

static char *writer_utf8(const char *data, size_t len) {
  sd_jw w;
  sd_jw_init(&w, 0);
  sd_jw_utf8(&w, data, len);
  return sd_jw_finish(&w);
}

static char *writer_number(double d) {
  sd_jw w;
  sd_jw_init(&w, 8);
  sd_jw_number(&w, d);
  return sd_jw_finish(&w);
}

static void assert_same_text(char *ours, char *theirs) {
  assert_non_null(ours);
  assert_string_equal(ours, theirs);
  free(ours);
  free(theirs);
}

/* Small xorshift generator: the same "random" strings on every run. */
static uint64_t next_random(uint64_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

static void test_string_every_byte_as_cjson(void **state) {
  for (int c = 1; c < 256; c++) {
    char s[] = {'a', (char)c, 'b', (char)c, '\0'};
    assert_same_text(writer_string(s), cjson_text(cJSON_CreateString(s)));
  }
  assert_same_text(writer_string(""), cjson_text(cJSON_CreateString("")));
}

static void test_string_random_as_cjson(void **state) {
  uint64_t seed = 0x9e3779b97f4a7c15u;
  char s[64];
  for (int round = 0; round < 2000; round++) {
    size_t len = next_random(&seed) % (sizeof(s) - 1);
    for (size_t i = 0; i < len; i++) s[i] = (char)(next_random(&seed) % 255 + 1); /* no NUL: a C string */
    s[len] = '\0';
    assert_same_text(writer_string(s), cjson_text(cJSON_CreateString(s)));
  }
}

/* Untrusted bytes: the writer's sanitising must equal sd_json_remote_string
 * (what the rows used before the writer) printed by cJSON. */
static void test_utf8_as_remote_string(void **state) {
  static const char *const cases[] = {
      "plain", "caf\xc3\xa9", "\xff\xfe", "a\0b", "\xe0\x80\x80", "\xed\xa0\x80", "\xf0\x8f\xbf\xbf",
      "\xf4\x90\x80\x80",
      "\xf0\x9f\x98\x80", "\xc3", "\xe2\x82", "\x1b[31m\x7f\"\\", "\xc0\xaf", "\xef\xbf\xbd",
  };
  static const size_t lens[] = {5, 5, 2, 3, 3, 3, 4, 4, 4, 1, 2, 9, 2, 3};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    assert_same_text(writer_utf8(cases[i], lens[i]), cjson_text(sd_json_remote_string(cases[i], lens[i], 1024)));
  uint64_t seed = 12345;
  unsigned char bytes[48];
  for (int round = 0; round < 5000; round++) {
    size_t len = next_random(&seed) % sizeof(bytes);
    for (size_t i = 0; i < len; i++) {
      uint64_t r = next_random(&seed);
      /* Mostly bytes that start or continue UTF-8 sequences, so valid and
       * broken sequences both occur often. */
      unsigned low6 = (unsigned)(r >> 8) & 0x3f;
      const unsigned kinds[4] = {(unsigned)(r >> 8) & 0xff, 0x80 | low6, 0xc0 | low6, (unsigned)(r >> 8) & 0x7f};
      bytes[i] = (unsigned char)kinds[r % 4];
    }
    const char *data = (const char *)bytes;
    assert_same_text(writer_utf8(data, len), cjson_text(sd_json_remote_string(data, len, 1024)));
  }
}

static void test_numbers_as_cjson(void **state) {
  const double cases[] = {0, -0.0, 1, -1, 42, 2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0, 4294967296.0,
                          0.1, 0.5, -2.5, 1.0 / 3, 2.0 / 3, 1e15, 1e16, 1e17, 123456789012345678.0, 1e300, -1e-300,
                          5e-324, 1.7976931348623157e308, 3.141592653589793, 0.30000000000000004, 31557600, 86400.5,
                          NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    assert_same_text(writer_number(cases[i]), cjson_text(cJSON_CreateNumber(cases[i])));
  uint64_t seed = 777;
  for (int round = 0; round < 20000; round++) {
    uint64_t bits = next_random(&seed);
    double d;
    memcpy(&d, &bits, sizeof(d)); /* every exponent, NaNs included */
    if (round % 3 == 0) d = (double)(int64_t)(bits >> (bits % 64)) / (double)(1 + bits % 1000);
    assert_same_text(writer_number(d), cjson_text(cJSON_CreateNumber(d)));
  }
}

static void test_integers_as_printf(void **state) {
  const long long values[] = {0, 1, -1, 9, 10, -10, 2147483648LL, -9223372036854775807LL - 1, 9223372036854775807LL};
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    char want[64];
    snprintf(want, sizeof(want), "[%lld,%llu]", values[i], (unsigned long long)values[i]);
    sd_jw w;
    sd_jw_init(&w, 4);
    sd_jw_array_begin(&w);
    sd_jw_int64(&w, values[i]);
    sd_jw_uint64(&w, (unsigned long long)values[i]);
    sd_jw_array_end(&w);
    char *text = sd_jw_finish(&w);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
  }
}

/* The same nested document both ways: commas, empty containers, literals. */
static void test_document_as_cjson(void **state) {
  sd_jw w;
  sd_jw_init(&w, 1);
  sd_jw_object_begin(&w);
  sd_jw_key(&w, "a\"key");
  sd_jw_string(&w, "x\ny");
  sd_jw_key(&w, "empty_object");
  sd_jw_object_begin(&w);
  sd_jw_object_end(&w);
  sd_jw_key(&w, "empty_array");
  sd_jw_array_begin(&w);
  sd_jw_array_end(&w);
  sd_jw_key(&w, "list");
  sd_jw_array_begin(&w);
  sd_jw_number(&w, 1);
  sd_jw_bool(&w, 1);
  sd_jw_bool(&w, 0);
  sd_jw_null(&w);
  sd_jw_string(&w, NULL); /* null */
  sd_jw_object_begin(&w);
  sd_jw_key(&w, "n");
  sd_jw_number(&w, 0.25);
  sd_jw_object_end(&w);
  sd_jw_array_end(&w);
  sd_jw_key(&w, "last");
  sd_jw_bool(&w, 7);
  sd_jw_object_end(&w);
  char *ours = sd_jw_finish(&w);

  cJSON *o = cJSON_CreateObject(), *list = cJSON_CreateArray(), *inner = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "a\"key", "x\ny");
  cJSON_AddItemToObject(o, "empty_object", cJSON_CreateObject());
  cJSON_AddItemToObject(o, "empty_array", cJSON_CreateArray());
  cJSON_AddItemToArray(list, cJSON_CreateNumber(1));
  cJSON_AddItemToArray(list, cJSON_CreateTrue());
  cJSON_AddItemToArray(list, cJSON_CreateFalse());
  cJSON_AddItemToArray(list, cJSON_CreateNull());
  cJSON_AddItemToArray(list, cJSON_CreateNull());
  cJSON_AddNumberToObject(inner, "n", 0.25);
  cJSON_AddItemToArray(list, inner);
  cJSON_AddItemToObject(o, "list", list);
  cJSON_AddTrueToObject(o, "last");
  assert_same_text(ours, cjson_text(o));
}

/* Text of a writer after misuse: must be NULL. */
static void assert_refused(sd_jw *w) {
  char *text = sd_jw_finish(w);
  assert_null(text);
}

static void test_misuse_gives_null(void **state) {
  sd_jw w;
  sd_jw_init(&w, 0); /* nothing written */
  assert_refused(&w);
  sd_jw_init(&w, 0); /* unclosed object */
  sd_jw_object_begin(&w);
  assert_refused(&w);
  sd_jw_init(&w, 0); /* key in an array */
  sd_jw_array_begin(&w);
  sd_jw_key(&w, "k");
  sd_jw_number(&w, 1);
  sd_jw_array_end(&w);
  assert_refused(&w);
  sd_jw_init(&w, 0); /* value without a key */
  sd_jw_object_begin(&w);
  sd_jw_number(&w, 1);
  sd_jw_object_end(&w);
  assert_refused(&w);
  sd_jw_init(&w, 0); /* key without a value */
  sd_jw_object_begin(&w);
  sd_jw_key(&w, "k");
  sd_jw_object_end(&w);
  assert_refused(&w);
  sd_jw_init(&w, 0); /* closed with the wrong bracket */
  sd_jw_array_begin(&w);
  sd_jw_object_end(&w);
  assert_refused(&w);
  sd_jw_init(&w, 0); /* two values at the top */
  sd_jw_number(&w, 1);
  sd_jw_number(&w, 2);
  assert_refused(&w);
  sd_jw_init(&w, 0); /* NULL key */
  sd_jw_object_begin(&w);
  sd_jw_key(&w, NULL);
  sd_jw_null(&w);
  sd_jw_object_end(&w);
  assert_refused(&w);
}

static void test_depth_bound(void **state) {
  sd_jw w;
  sd_jw_init(&w, 0);
  for (int i = 0; i < SD_JW_MAX_DEPTH; i++) sd_jw_array_begin(&w);
  for (int i = 0; i < SD_JW_MAX_DEPTH; i++) sd_jw_array_end(&w);
  char *text = sd_jw_finish(&w);
  assert_non_null(text); /* the deepest allowed */
  assert_int_equal(strlen(text), 2 * SD_JW_MAX_DEPTH);
  free(text);
  sd_jw_init(&w, 0);
  for (int i = 0; i <= SD_JW_MAX_DEPTH; i++) sd_jw_array_begin(&w);
  for (int i = 0; i <= SD_JW_MAX_DEPTH; i++) sd_jw_array_end(&w);
  assert_refused(&w);
}

static void test_utf8_sequence(void **state) {
  assert_int_equal(sd_utf8_sequence((const unsigned char *)"a", 1), 1);
  assert_int_equal(sd_utf8_sequence((const unsigned char *)"", 1), 0); /* NUL */
  assert_int_equal(sd_utf8_sequence((const unsigned char *)"\xc3\xa9", 2), 2);
  assert_int_equal(sd_utf8_sequence((const unsigned char *)"\xc3\xa9", 1), 0); /* truncated */
  assert_int_equal(sd_utf8_sequence((const unsigned char *)"\xf4\x8f\xbf\xbf", 4), 4); /* U+10FFFF */
  assert_int_equal(sd_utf8_sequence((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
  assert_int_equal(sd_utf8_sequence((const unsigned char *)"x", 0), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_string_every_byte_as_cjson),
      cmocka_unit_test(test_string_random_as_cjson),
      cmocka_unit_test(test_utf8_as_remote_string),
      cmocka_unit_test(test_numbers_as_cjson),
      cmocka_unit_test(test_integers_as_printf),
      cmocka_unit_test(test_document_as_cjson),
      cmocka_unit_test(test_misuse_gives_null),
      cmocka_unit_test(test_depth_bound),
      cmocka_unit_test(test_utf8_sequence),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
