#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sd_strdup(const char *s) { return s ? sd_strndup(s, strlen(s)) : NULL; }

char *sd_strndup(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *sd_vasprintf(const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0) return NULL;
  char *p = malloc((size_t)n + 1);
  if (!p) return NULL;
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *sd_asprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = sd_vasprintf(fmt, ap);
  va_end(ap);
  return p;
}

char *sd_hex(const uint8_t *data, size_t len) {
  static const char digits[] = "0123456789abcdef";
  char *p = malloc(len * 2 + 1);
  if (!p) return NULL;
  for (size_t i = 0; i < len; i++) {
    p[2 * i] = digits[data[i] >> 4];
    p[2 * i + 1] = digits[data[i] & 15];
  }
  p[len * 2] = '\0';
  return p;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

long sd_unhex(const char *hex, uint8_t *out, size_t out_cap) {
  size_t n = strlen(hex);
  if (n % 2 != 0 || n / 2 > out_cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

static char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

int sd_strcaseeq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (ascii_lower(*a) != ascii_lower(*b)) return 0;
  return *a == *b;
}

void sd_str_lower(char *s) {
  for (; s && *s; s++) *s = ascii_lower(*s);
}

static int buf_reserve(sd_buf *b, size_t extra) {
  if (b->failed) return -1;
  if (b->len + extra + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) {
    b->failed = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void sd_buf_append(sd_buf *b, const void *data, size_t len) {
  if (buf_reserve(b, len) != 0) return;
  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void sd_buf_puts(sd_buf *b, const char *s) { sd_buf_append(b, s, strlen(s)); }

void sd_buf_printf(sd_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = sd_vasprintf(fmt, ap);
  va_end(ap);
  if (!s) {
    b->failed = 1;
    return;
  }
  sd_buf_puts(b, s);
  free(s);
}

void sd_buf_free(sd_buf *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

char *sd_buf_take(sd_buf *b) {
  char *p = b->data ? b->data : sd_strdup("");
  memset(b, 0, sizeof(*b));
  return p;
}
