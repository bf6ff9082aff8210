#include "smtp/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/escape.h"

#define DEFAULT_MAX_LINE 4096
#define DEFAULT_MAX_REPLY 65536

int sd_reply_init(sd_reply *r, size_t max_line, size_t max_reply) {
  memset(r, 0, sizeof *r);
  r->max_line = max_line ? max_line : DEFAULT_MAX_LINE;
  r->max_reply = max_reply ? max_reply : DEFAULT_MAX_REPLY;
  r->line = malloc(r->max_line + 1);
  if (!r->line) return -1;
  return 0;
}

void sd_reply_reset(sd_reply *r) {
  free(r->text);
  r->text = NULL;
  r->text_len = r->text_cap = 0;
  r->code = 0;
  r->lines = 0;
  r->total = 0;
  r->line_len = 0;
  r->pending_cr = 0;
  r->state = SD_REPLY_NEED_MORE;
  r->error[0] = '\0';
}

void sd_reply_free(sd_reply *r) {
  free(r->text);
  free(r->line);
  memset(r, 0, sizeof *r);
}

static sd_reply_state fail(sd_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static sd_reply_state fail(sd_reply *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
  r->state = SD_REPLY_ERROR;
  return r->state;
}

/* RFC 5321 §4.2: the first digit is 2-5, the second 0-5, the third 0-9.
 * Checked as soon as the digits arrive so garbage stops the read early. */
static int code_digit_ok(size_t pos, char c) {
  if (pos == 0) return c >= '2' && c <= '5';
  if (pos == 1) return c >= '0' && c <= '5';
  return c >= '0' && c <= '9';
}

static sd_reply_state check_prefix(sd_reply *r) {
  size_t pos = r->line_len - 1;
  char c = r->line[pos];
  if (pos < 3 && !code_digit_ok(pos, c)) {
    char shown[40];
    sd_quote(shown, sizeof shown, r->line, r->line_len);
    return fail(r, "line %zu of the reply does not start with a reply code: \"%s\"", r->lines + 1,
                shown);
  }
  if (pos == 3 && c != ' ' && c != '-')
    return fail(r, "line %zu of the reply: expected ' ' or '-' after the code, got byte 0x%02x",
                r->lines + 1, (unsigned char)c);
  return SD_REPLY_NEED_MORE;
}

static int append_text(sd_reply *r, const char *s, size_t n) {
  size_t need = r->text_len + n + 2;
  if (need > r->text_cap) {
    size_t cap = r->text_cap ? r->text_cap : 128;
    while (cap < need) cap *= 2;
    char *p = realloc(r->text, cap);
    if (!p) return -1;
    r->text = p;
    r->text_cap = cap;
  }
  if (r->text_len) r->text[r->text_len++] = '\n';
  memcpy(r->text + r->text_len, s, n);
  r->text_len += n;
  r->text[r->text_len] = '\0';
  return 0;
}

static sd_reply_state finish_line(sd_reply *r) {
  if (r->line_len < 3) return fail(r, "line %zu of the reply is too short for a reply code", r->lines + 1);
  int code = (r->line[0] - '0') * 100 + (r->line[1] - '0') * 10 + (r->line[2] - '0');
  if (r->lines == 0) {
    r->code = code;
  } else if (code != r->code) {
    return fail(r, "mixed reply codes: line 1 has %d, line %zu has %d", r->code, r->lines + 1, code);
  }
  if (append_text(r, r->line, r->line_len) < 0) return fail(r, "out of memory storing the reply");
  r->lines++;
  int more = r->line_len >= 4 && r->line[3] == '-';
  r->line_len = 0;
  if (!more) r->state = SD_REPLY_COMPLETE;
  return r->state;
}

static sd_reply_state feed_byte(sd_reply *r, char c) {
  if (c == '\0') return fail(r, "NUL byte in line %zu of the reply", r->lines + 1);
  if (c == '\n') {
    r->pending_cr = 0;
    return finish_line(r);
  }
  if (r->pending_cr) {
    /* A CR not followed by LF is kept as text (it is not a line end). */
    r->pending_cr = 0;
    if (r->line_len >= r->max_line)
      return fail(r, "reply line longer than %zu bytes (line %zu)", r->max_line, r->lines + 1);
    r->line[r->line_len++] = '\r';
    if (check_prefix(r) == SD_REPLY_ERROR) return r->state;
  }
  if (c == '\r') {
    r->pending_cr = 1;
    return SD_REPLY_NEED_MORE;
  }
  if (r->line_len >= r->max_line)
    return fail(r, "reply line longer than %zu bytes (line %zu)", r->max_line, r->lines + 1);
  r->line[r->line_len++] = c;
  return check_prefix(r);
}

sd_reply_state sd_reply_feed(sd_reply *r, const char *data, size_t len, size_t *consumed) {
  size_t i = 0;
  while (i < len && r->state == SD_REPLY_NEED_MORE) {
    if (r->total >= r->max_reply) {
      fail(r, "reply longer than %zu bytes (%zu lines so far)", r->max_reply, r->lines);
      break;
    }
    r->total++;
    feed_byte(r, data[i++]);
  }
  if (consumed) *consumed = i;
  return r->state;
}

char *sd_reply_first_line(const sd_reply *r) {
  if (!r->text) return NULL;
  const char *nl = memchr(r->text, '\n', r->text_len);
  size_t n = nl ? (size_t)(nl - r->text) : r->text_len;
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, r->text, n);
  p[n] = '\0';
  return p;
}

int sd_ehlo_has_keyword(const char *text, const char *keyword) {
  if (!text || !keyword) return 0;
  size_t kw_len = strlen(keyword);
  const char *line = strchr(text, '\n'); /* skip the first line: it names the server */
  while (line) {
    line++;
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len >= 4 + kw_len && strncasecmp(line + 4, keyword, kw_len) == 0) {
      size_t after = 4 + kw_len;
      /* Whole word: the keyword ends the line or is followed by parameters. */
      if (after == len || line[after] == ' ' || line[after] == '\t' || line[after] == '\r') return 1;
    }
    line = end;
  }
  return 0;
}
