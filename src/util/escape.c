#include "util/escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/utf8.h"

/* Length of a valid multi-byte UTF-8 sequence that is not a C1 control
 * (U+0080..U+009F), else 0. */
static size_t printable_utf8(const unsigned char *s, size_t n) {
  size_t len = sd_utf8_sequence(s, n);
  if (len < 2 || (s[0] == 0xC2 && s[1] < 0xA0)) return 0;
  return len;
}

/* How a quote shows each byte of untrusted text. */
typedef enum quote_style {
  QUOTE_ASCII,    /* printable ASCII kept; the backslash and every other byte \xNN */
  QUOTE_SENTENCE, /* the same but a backslash is kept (the text holds quotes of its own) */
  QUOTE_TERMINAL, /* printable ASCII and UTF-8 (not C1) kept; backslash \\; else \xNN */
} quote_style;

/* The shown form of the piece of text starting at s (n bytes left) in piece
 * (at most 4 bytes, not NUL-terminated); returns its length and sets *used
 * to the input bytes it stands for. */
static size_t quote_piece(quote_style style, const unsigned char *s, size_t n, char piece[4],
                          size_t *used) {
  static const char hex[] = "0123456789abcdef";
  unsigned char c = s[0];
  *used = 1;
  if (c == '\\' && style == QUOTE_TERMINAL) {
    memcpy(piece, "\\\\", 2);
    return 2;
  }
  if (c >= 0x20 && c < 0x7F && (c != '\\' || style == QUOTE_SENTENCE)) {
    piece[0] = (char)c;
    return 1;
  }
  size_t utf8 = style == QUOTE_TERMINAL && c >= 0x80 ? printable_utf8(s, n) : 0;
  if (utf8) {
    memcpy(piece, s, utf8);
    *used = utf8;
    return utf8;
  }
  piece[0] = '\\';
  piece[1] = 'x';
  piece[2] = hex[c >> 4];
  piece[3] = hex[c & 15];
  return 4;
}

/* The one quoting loop: s[0..len) into dst in the given style. When the
 * whole does not fit, it stops early enough to end with "...". Always
 * NUL-terminates (dst_size >= 4). Returns 1 when cut. */
static int quote_into(char *dst, size_t dst_size, const char *src, size_t len, quote_style style) {
  const unsigned char *s = (const unsigned char *)(src ? src : "");
  if (!src) len = 0;
  char piece[4];
  size_t used, whole = 1; /* the NUL */
  for (size_t i = 0; i < len && whole <= dst_size; i += used) whole += quote_piece(style, s + i, len - i, piece, &used);
  /* When everything fits nothing is cut; else keep room for "..." + NUL. */
  size_t reserve = whole <= dst_size ? 1 : 4;
  size_t o = 0;
  int cut = 0;
  for (size_t i = 0; i < len; i += used) {
    size_t plen = quote_piece(style, s + i, len - i, piece, &used);
    if (o + plen + reserve > dst_size) {
      memcpy(dst + o, "...", 3);
      o += 3;
      cut = 1;
      break;
    }
    memcpy(dst + o, piece, plen);
    o += plen;
  }
  dst[o] = '\0';
  return cut;
}

char *sd_quote(char *dst, size_t dst_size, const char *src, size_t len) {
  if (!dst || dst_size < 4) return dst;
  quote_into(dst, dst_size, src, len, QUOTE_ASCII);
  return dst;
}

char *sd_quote_head(char *dst, size_t dst_size, const char *src, size_t len, size_t max) {
  if (!dst || dst_size < 7) return sd_quote(dst, dst_size, src, len);
  if (len <= max) return sd_quote(dst, dst_size, src, len);
  /* Keep room to mark our own cut when the head itself fits. */
  if (!quote_into(dst, dst_size - 3, src, max, QUOTE_ASCII)) strcat(dst, "...");
  return dst;
}

char *sd_quote_detail(char buf[SD_QUOTE_SIZE], const char *src, size_t len) {
  return sd_quote_head(buf, SD_QUOTE_SIZE, src, len, SD_QUOTE_MAX);
}

char *sd_quote_dup(const char *src, size_t len) {
  if (len > (SIZE_MAX - 4) / 4) return NULL;
  size_t size = len * 4 + 4;
  char *p = malloc(size);
  return p ? sd_quote(p, size, src, len) : NULL;
}

char *sd_quote_sentence(const char *text, size_t max) {
  const char *s = text ? text : "";
  size_t n = strnlen(s, max);
  if (n > (SIZE_MAX - 4) / 4) return NULL;
  char *out = malloc(n * 4 + 4);
  if (!out) return NULL;
  quote_into(out, n * 4 + 4, s, n, QUOTE_SENTENCE);
  if (s[n] != '\0') strcat(out, "..."); /* longer than max */
  return out;
}

char *sd_escape_terminal(const char *text, size_t len) {
  if (len > (SIZE_MAX - 4) / 4) return NULL;
  char *out = malloc(len * 4 + 4); /* every byte as \xNN: never cut */
  if (out) quote_into(out, len * 4 + 4, text, len, QUOTE_TERMINAL);
  return out;
}

int sd_escape_terminal_into(char *dst, size_t dst_size, const char *s, size_t len) {
  if (!dst || dst_size < 4) return len > 0;
  return quote_into(dst, dst_size, s, len, QUOTE_TERMINAL);
}

char *sd_escape_html(const char *text) {
  sd_buf b = {0};
  const unsigned char *s = (const unsigned char *)(text ? text : "");
  size_t len = strlen((const char *)s);
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    const char *rep = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
    if (rep) {
      sd_buf_puts(&b, rep);
      i++;
    } else if ((c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t') {
      sd_buf_append(&b, s + i, 1);
      i++;
    } else {
      size_t n = c >= 0x80 ? printable_utf8(s + i, len - i) : 0;
      sd_buf_append(&b, n ? (const char *)s + i : "\xEF\xBF\xBD", n ? n : 3);
      i += n ? n : 1;
    }
  }
  return sd_buf_take(&b);
}

char *sd_escape_csv(const char *text) {
  const char *s = text ? text : "";
  int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
  int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
  sd_buf b = {0};
  if (quote) sd_buf_puts(&b, "\"");
  if (formula) sd_buf_puts(&b, "'");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"') sd_buf_puts(&b, "\"\"");
    /* Control characters (C0 but TAB, CR, LF; DEL; C1 as UTF-8 C2 80-9F)
     * become U+FFFD, as in HTML: a CSV file shown with cat or less must not
     * carry terminal escape sequences from remote data. */
    else if ((*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') || *p == 0x7f) sd_buf_puts(&b, "\xEF\xBF\xBD");
    else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
      sd_buf_puts(&b, "\xEF\xBF\xBD");
      p++;
    } else sd_buf_append(&b, (const char *)p, 1);
  }
  if (quote) sd_buf_puts(&b, "\"");
  return sd_buf_take(&b);
}
