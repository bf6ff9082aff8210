/*
 * A JSON text writer: values go straight into one growing buffer, with no
 * tree of nodes in between (a scan writes tens of thousands of rows per
 * second, and a cJSON tree costs a malloc per key and value).
 *
 * The text is byte for byte what cJSON 1.7.15 prints unformatted for the same
 * values, so rows do not change with the writer: no whitespace; strings
 * escaped as cJSON does (\" \\ \b \f \n \r \t, other bytes below 0x20 as
 * \u00xx in lower-case hex, every other byte as it is); numbers as cJSON's
 * print_number.
 *
 * The writer checks the nesting (keys only in objects, a value after each
 * key, containers closed in order, one value at the top): misuse or a failed
 * allocation marks it failed, and sd_jw_finish then gives NULL, never a
 * truncated or invalid text.
 */
#ifndef SD_UTIL_JSON_WRITER_H
#define SD_UTIL_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "util/utf8.h" /* sd_utf8_sequence, used with the writer */

/* Deepest nesting: one bit per level says object or array. */
#define SD_JW_MAX_DEPTH 64
/* Largest text: far above any row (every remote string is bounded before it
 * is written), and an end to runaway growth. */
#define SD_JW_MAX_LEN ((size_t)256 << 20)

typedef struct sd_jw {
  char *data;
  size_t len;
  size_t cap;
  int failed;       /* allocation failed, too large, or misused: finish gives NULL */
  int depth;        /* open objects and arrays */
  uint64_t objects; /* bit d-1 set: the container at depth d is an object */
  int comma;        /* the next array element or key needs a comma first */
  int after_key;    /* a key was written: a value must follow */
  int done;         /* the top-level value is complete */
} sd_jw;

/* An empty writer with initial_cap bytes of buffer (when 0, or when that
 * allocation fails, the first write allocates). */
void sd_jw_init(sd_jw *w, size_t initial_cap);
/* The text (caller frees), or NULL when the writer failed or the value is
 * incomplete. The writer is empty afterwards. */
char *sd_jw_finish(sd_jw *w);
void sd_jw_free(sd_jw *w);

void sd_jw_object_begin(sd_jw *w);
void sd_jw_object_end(sd_jw *w);
void sd_jw_array_begin(sd_jw *w);
void sd_jw_array_end(sd_jw *w);
/* A member's key (a C string, escaped like any string). */
void sd_jw_key(sd_jw *w, const char *key);

/* A C string, escaped; bytes from 0x80 are copied as they are. NULL: null. */
void sd_jw_string(sd_jw *w, const char *s);
/* Untrusted bytes as a string: valid UTF-8 is kept, every other byte (and
 * NUL) becomes U+FFFD, so the text is valid UTF-8 whatever the input. */
void sd_jw_utf8(sd_jw *w, const char *data, size_t len);
/* A number as cJSON 1.7.15 prints one: %1.15g, or %1.17g when 15 digits
 * do not read back the same (so integers in plain digits, -0 as "-0");
 * NaN and infinities as null. */
void sd_jw_number(sd_jw *w, double d);
/* Integers in full (as printf's %lld and %llu), not through a double. */
void sd_jw_int64(sd_jw *w, long long v);
void sd_jw_uint64(sd_jw *w, unsigned long long v);
void sd_jw_bool(sd_jw *w, int b);
void sd_jw_null(sd_jw *w);

#endif
