#include "util/escape.h"

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

char *sd_escape_terminal(const char *text, size_t len) {
  sd_buf b = {0};
  const unsigned char *s = (const unsigned char *)(text ? text : "");
  for (size_t i = 0; i < len;) {
    if (s[i] == '\\') {
      sd_buf_puts(&b, "\\\\");
      i++;
    } else if (s[i] >= 0x20 && s[i] < 0x7F) {
      sd_buf_append(&b, s + i, 1);
      i++;
    } else {
      size_t n = s[i] >= 0x80 ? printable_utf8(s + i, len - i) : 0;
      if (n) {
        sd_buf_append(&b, s + i, n);
        i += n;
      } else {
        sd_buf_printf(&b, "\\x%02x", s[i]);
        i++;
      }
    }
  }
  return sd_buf_take(&b);
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
