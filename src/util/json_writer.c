#include "util/json_writer.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the buffer ---------------------------------------------------------------------------- */

void sd_jw_init(sd_jw *w, size_t initial_cap) {
  memset(w, 0, sizeof(*w));
  if (initial_cap > SD_JW_MAX_LEN) initial_cap = SD_JW_MAX_LEN;
  /* One allocation of about a row's size spares the early doublings. */
  w->data = initial_cap ? malloc(initial_cap) : NULL;
  if (w->data) w->cap = initial_cap;
}

void sd_jw_free(sd_jw *w) {
  free(w->data);
  memset(w, 0, sizeof(*w));
}

char *sd_jw_finish(sd_jw *w) {
  char *text = NULL;
  if (!w->failed && w->depth == 0 && w->done && w->data) {
    w->data[w->len] = '\0'; /* room() always keeps a byte for it */
    text = w->data;
    w->data = NULL;
  }
  sd_jw_free(w);
  return text;
}

/* Makes room for n more bytes and the final NUL; 0, or -1 when failed. */
static int grow(sd_jw *w, size_t n) {
  if (w->failed) return -1;
  if (n > SD_JW_MAX_LEN - w->len) {
    w->failed = 1;
    return -1;
  }
  size_t need = w->len + n + 1, cap = w->cap ? w->cap : 256;
  while (cap < need) cap *= 2; /* need <= SD_JW_MAX_LEN + 1: no overflow */
  char *p = realloc(w->data, cap);
  if (!p) {
    w->failed = 1;
    return -1;
  }
  w->data = p;
  w->cap = cap;
  return 0;
}

/* Where n more bytes go, or NULL. The subtraction cannot wrap: len < cap
 * whenever cap is not 0. */
static char *room(sd_jw *w, size_t n) {
  if (w->failed || (n >= w->cap - w->len && grow(w, n) != 0)) return NULL;
  return w->data + w->len;
}

static void put(sd_jw *w, const void *bytes, size_t n) {
  char *p = room(w, n);
  if (!p) return;
  memcpy(p, bytes, n);
  w->len += n;
}

static void put_char(sd_jw *w, char c) {
  char *p = room(w, 1);
  if (!p) return;
  *p = c;
  w->len++;
}

/* ---- structure: what keeps the text valid JSON --------------------------------------------- */

static int in_object(const sd_jw *w) { return w->depth > 0 && ((w->objects >> (w->depth - 1)) & 1); }

/* A value may start here: after a key in an object, anywhere in an array
 * (after a comma unless first), and once at the top. */
static int value_start(sd_jw *w) {
  if (w->failed) return 0;
  int allowed = w->depth == 0 ? !w->done : in_object(w) ? w->after_key : 1;
  if (!allowed) {
    w->failed = 1;
    return 0;
  }
  if (w->depth > 0 && !in_object(w) && w->comma) put_char(w, ',');
  w->after_key = 0;
  return 1;
}

static void value_end(sd_jw *w) {
  w->comma = 1;
  if (w->depth == 0) w->done = 1;
}

static void container_begin(sd_jw *w, int object) {
  if (!value_start(w)) return;
  if (w->depth >= SD_JW_MAX_DEPTH) {
    w->failed = 1;
    return;
  }
  put_char(w, object ? '{' : '[');
  uint64_t bit = (uint64_t)1 << w->depth;
  w->objects = object ? w->objects | bit : w->objects & ~bit;
  w->depth++;
  w->comma = 0;
}

static void container_end(sd_jw *w, int object) {
  if (w->failed) return;
  if (w->depth == 0 || in_object(w) != object || w->after_key) {
    w->failed = 1;
    return;
  }
  put_char(w, object ? '}' : ']');
  w->depth--;
  value_end(w);
}

void sd_jw_object_begin(sd_jw *w) { container_begin(w, 1); }
void sd_jw_object_end(sd_jw *w) { container_end(w, 1); }
void sd_jw_array_begin(sd_jw *w) { container_begin(w, 0); }
void sd_jw_array_end(sd_jw *w) { container_end(w, 0); }

/* ---- strings ------------------------------------------------------------------------------- */

/* The escape of one byte below 0x20, or of " or \, as cJSON writes it. */
static void put_escape(sd_jw *w, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  char e[6] = {'\\', (char)c};
  size_t n = 2;
  switch (c) {
  case '"': case '\\': break;
  case '\b': e[1] = 'b'; break;
  case '\f': e[1] = 'f'; break;
  case '\n': e[1] = 'n'; break;
  case '\r': e[1] = 'r'; break;
  case '\t': e[1] = 't'; break;
  default:
    memcpy(e + 1, "u00", 3);
    e[4] = hex[c >> 4];
    e[5] = hex[c & 15];
    n = 6;
  }
  put(w, e, n);
}

/* What a byte needs inside a string. PLAIN_STRING: copied as it is by
 * sd_jw_string (cJSON escapes only bytes below 0x20, " and \); PLAIN_TEXT:
 * also by sd_jw_utf8, which checks every byte from 0x80 as UTF-8. */
enum { PLAIN_STRING = 1, PLAIN_TEXT = 2 };
#define X16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char byte_class[256] = {
    X16(0), X16(0),                                  /* 0x00-0x1f: escaped */
    3, 3, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x20-0x2f: " escaped */
    X16(3), X16(3),                                  /* 0x30-0x4f */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 3, 3, 3, /* 0x50-0x5f: \ escaped */
    X16(3), X16(3),                                  /* 0x60-0x7f (DEL is not escaped) */
    X16(1), X16(1), X16(1), X16(1), X16(1), X16(1), X16(1), X16(1), /* 0x80-0xff */
};
#undef X16

/* Length of the prefix of s[0..n) whose bytes are all of class cls. (Eight
 * bytes at a time with word tricks was slower here: most strings are keys
 * and names of a few bytes.) */
static size_t plain_prefix(const unsigned char *s, size_t n, unsigned char cls) {
  size_t i = 0;
  while (i < n && (byte_class[s[i]] & cls)) i++;
  return i;
}

/* s[0..n), all plain, quoted, with the optional bytes before (a comma) and
 * after (a colon): one reservation and one copy, the path of nearly every
 * key and value. */
static void put_plain_quoted(sd_jw *w, const unsigned char *s, size_t n, char before, char after) {
  char *p = room(w, n + 4);
  if (!p) return;
  char *start = p;
  if (before) *p++ = before;
  *p++ = '"';
  memcpy(p, s, n);
  p += n;
  *p++ = '"';
  if (after) *p++ = after;
  w->len += (size_t)(p - start);
}

/* The C string s[0..n), quoted, bytes below 0x20, " and \ escaped. */
static void put_escaped(sd_jw *w, const char *text, size_t n, char before, char after) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = plain_prefix(s, n, PLAIN_STRING);
  if (i == n) {
    put_plain_quoted(w, s, n, before, after);
    return;
  }
  if (before) put_char(w, before);
  put_char(w, '"');
  put(w, s, i);
  while (i < n) {
    put_escape(w, s[i++]);
    size_t run = plain_prefix(s + i, n - i, PLAIN_STRING);
    put(w, s + i, run);
    i += run;
  }
  put_char(w, '"');
  if (after) put_char(w, after);
}

void sd_jw_key(sd_jw *w, const char *key) {
  if (w->failed) return;
  if (!in_object(w) || w->after_key || !key) {
    w->failed = 1;
    return;
  }
  put_escaped(w, key, strlen(key), w->comma ? ',' : 0, ':');
  w->after_key = 1;
  w->comma = 0;
}

void sd_jw_string(sd_jw *w, const char *s) {
  if (!s) {
    sd_jw_null(w);
    return;
  }
  if (!value_start(w)) return;
  put_escaped(w, s, strlen(s), 0, 0);
  value_end(w);
}

/* One byte or sequence at s (n > 0 bytes left) that is not plain printable
 * ASCII; returns the bytes consumed. A valid multi-byte sequence holds no
 * byte below 0x80, so it needs no escape. */
static size_t put_special(sd_jw *w, const unsigned char *s, size_t n) {
  if (s[0] >= 0x80) {
    size_t seq = sd_utf8_sequence(s, n);
    put(w, seq ? (const void *)s : "\xEF\xBF\xBD", seq ? seq : 3);
    return seq ? seq : 1;
  }
  if (s[0] == '\0') put(w, "\xEF\xBF\xBD", 3);
  else put_escape(w, s[0]);
  return 1;
}

void sd_jw_utf8(sd_jw *w, const char *data, size_t len) {
  if (!data) {
    sd_jw_null(w);
    return;
  }
  if (!value_start(w)) return;
  const unsigned char *s = (const unsigned char *)data;
  size_t i = plain_prefix(s, len, PLAIN_TEXT);
  if (i == len) {
    put_plain_quoted(w, s, len, 0, 0);
  } else {
    put_char(w, '"');
    put(w, s, i);
    while (i < len && !w->failed) {
      i += put_special(w, s + i, len - i);
      size_t run = plain_prefix(s + i, len - i, PLAIN_TEXT);
      put(w, s + i, run);
      i += run;
    }
    put_char(w, '"');
  }
  value_end(w);
}

/* ---- numbers and literals ------------------------------------------------------------------ */

/* Decimal digits of v, right-aligned to end; returns where they start. */
static char *digits_before(char *end, unsigned long long v) {
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

static void put_integer(sd_jw *w, int negative, unsigned long long magnitude) {
  char buf[24];
  char *start = digits_before(buf + sizeof(buf), magnitude);
  if (negative) *--start = '-';
  put(w, start, (size_t)(buf + sizeof(buf) - start));
}

static void put_signed(sd_jw *w, long long v) {
  put_integer(w, v < 0, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
}

/* 1 when %1.15g would print d as its plain digits, as an int: integral,
 * within int range (far below 1e15, where %g turns to exponents), and not
 * -0 (which cJSON prints as "-0"). */
static int prints_as_int(double d) {
  return d >= (double)INT_MIN && d <= (double)INT_MAX && d == (double)(int)d && !(d == 0 && signbit(d));
}

/* cJSON's test that a printed number reads back as the same: within about
 * one unit in the last place, not exact equality. */
static int cjson_same_double(double a, double b) {
  double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= max * DBL_EPSILON;
}

/* A double as cJSON prints it: %1.15g, or %1.17g when 15 digits do not
 * read back as the same number; the locale's decimal point becomes '.'. */
static void put_double(sd_jw *w, double d) {
  char buf[32];
  double back = 0;
  int n = snprintf(buf, sizeof(buf), "%1.15g", d);
  if (sscanf(buf, "%lg", &back) != 1 || !cjson_same_double(back, d)) n = snprintf(buf, sizeof(buf), "%1.17g", d);
  if (n < 0 || (size_t)n >= sizeof(buf)) {
    w->failed = 1;
    return;
  }
  char point = localeconv()->decimal_point[0];
  for (int i = 0; i < n; i++)
    if (buf[i] == point) buf[i] = '.';
  put(w, buf, (size_t)n);
}

void sd_jw_number(sd_jw *w, double d) {
  if (!value_start(w)) return;
  if (isnan(d) || isinf(d)) {
    put(w, "null", 4);
  } else if (prints_as_int(d)) {
    put_signed(w, (int)d); /* the common case, without printf and the read-back */
  } else {
    put_double(w, d);
  }
  value_end(w);
}

void sd_jw_int64(sd_jw *w, long long v) {
  if (!value_start(w)) return;
  put_signed(w, v);
  value_end(w);
}

void sd_jw_uint64(sd_jw *w, unsigned long long v) {
  if (!value_start(w)) return;
  put_integer(w, 0, v);
  value_end(w);
}

static void put_literal(sd_jw *w, const char *text, size_t n) {
  if (!value_start(w)) return;
  put(w, text, n);
  value_end(w);
}

void sd_jw_bool(sd_jw *w, int b) { b ? put_literal(w, "true", 4) : put_literal(w, "false", 5); }
void sd_jw_null(sd_jw *w) { put_literal(w, "null", 4); }
