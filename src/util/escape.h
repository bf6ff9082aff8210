/* The one toolbox for showing untrusted text (remote banners, records,
 * policies, certificate names, input lines): quoted into finding details,
 * escaped for terminals, HTML and CSV. Every other file calls these; none
 * keeps a loop of its own (docs/design.md "Untrusted input"). */
#ifndef SD_UTIL_ESCAPE_H
#define SD_UTIL_ESCAPE_H

#include <stddef.h>

/* Remote text is quoted in finding details up to this many input bytes. */
#define SD_QUOTE_MAX 80
/* Enough for SD_QUOTE_MAX bytes each shown as \xNN, "..." and the NUL. */
#define SD_QUOTE_SIZE (SD_QUOTE_MAX * 4 + 4)

/* Writes src (len bytes, any byte) into dst as printable ASCII: bytes outside
 * 0x20-0x7E and the backslash become \xNN, so the quote is unambiguous. Stops
 * before dst would overflow and then ends with "..."; always NUL-terminates
 * (dst_size >= 4). Returns dst. With dst_size >= len * 4 + 1 nothing is cut. */
char *sd_quote(char *dst, size_t dst_size, const char *src, size_t len);
/* sd_quote of the first max bytes of src, with "..." when src is longer or
 * dst too small (dst_size >= 7). Returns dst. */
char *sd_quote_head(char *dst, size_t dst_size, const char *src, size_t len, size_t max);
/* sd_quote_head of SD_QUOTE_MAX bytes: what finding details quote of remote
 * data. Returns buf. */
char *sd_quote_detail(char buf[SD_QUOTE_SIZE], const char *src, size_t len);
/* The whole of src quoted (never cut) in a new string, or NULL when out of
 * memory: how raw records and URIs with odd bytes are kept. */
char *sd_quote_dup(const char *src, size_t len);
/* For a sentence that may already hold quoted remote text (probe details,
 * OpenSSL's words, certificate names): at most max bytes of text (NULL: ""),
 * bytes outside printable ASCII as \xNN but a backslash kept, so the \xNN
 * quotes inside stay as they were; "..." when cut. Caller frees; NULL only
 * when out of memory. */
char *sd_quote_sentence(const char *text, size_t max);

/* For a terminal: control characters (C0, DEL, C1) and invalid UTF-8 become
 * \xNN, backslash becomes \\; so no escape sequence reaches the terminal.
 * Printable UTF-8 is kept. Caller frees. */
char *sd_escape_terminal(const char *s, size_t len);
/* sd_escape_terminal into dst (dst_size >= 4), cut with "..." when it does
 * not fit. Returns 1 when cut, else 0. */
int sd_escape_terminal_into(char *dst, size_t dst_size, const char *s, size_t len);
/* For HTML text and attribute values: & < > " ' escaped, control and invalid
 * bytes replaced by U+FFFD. */
char *sd_escape_html(const char *s);
/* One CSV field: quoted when needed, quotes doubled, and a leading = + - @
 * TAB or CR prefixed with ' so spreadsheets never run it as a formula. */
char *sd_escape_csv(const char *s);

#endif
