/* Escaping untrusted text (remote banners, policies, certificate names) for
 * the places it is shown: terminals, HTML, CSV. */
#ifndef SD_UTIL_ESCAPE_H
#define SD_UTIL_ESCAPE_H

#include <stddef.h>

/* For a terminal: control characters (C0, DEL, C1) and invalid UTF-8 become
 * \xNN, backslash becomes \\; so no escape sequence reaches the terminal. */
char *sd_escape_terminal(const char *s, size_t len);
/* For HTML text and attribute values: & < > " ' escaped, control and invalid
 * bytes replaced by U+FFFD. */
char *sd_escape_html(const char *s);
/* One CSV field: quoted when needed, quotes doubled, and a leading = + - @
 * TAB or CR prefixed with ' so spreadsheets never run it as a formula. */
char *sd_escape_csv(const char *s);

#endif
