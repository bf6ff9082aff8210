/* Small string helpers shared by every module. */
#ifndef SD_UTIL_STR_H
#define SD_UTIL_STR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

char *sd_strdup(const char *s);
char *sd_strndup(const char *s, size_t n);
char *sd_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sd_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Lower-case hex of len bytes into a new string. */
char *sd_hex(const uint8_t *data, size_t len);
/* Parses hex (case-insensitive, no separators); returns bytes written or -1. */
long sd_unhex(const char *hex, uint8_t *out, size_t out_cap);
int sd_strcaseeq(const char *a, const char *b);
/* ASCII lower-case in place. */
void sd_str_lower(char *s);

/* A growable byte buffer, always NUL-terminated. */
typedef struct sd_buf {
  char *data;
  size_t len;
  size_t cap;
  int failed; /* an allocation failed; contents are truncated */
} sd_buf;

void sd_buf_append(sd_buf *b, const void *data, size_t len);
void sd_buf_puts(sd_buf *b, const char *s);
void sd_buf_printf(sd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sd_buf_free(sd_buf *b);
/* Takes the contents (never NULL unless allocation failed); resets b. */
char *sd_buf_take(sd_buf *b);

#endif
