/*
 * UTF-8 as remote text is checked everywhere (RFC 3629): one definition of
 * a valid sequence for the JSON writer, the terminal escaper, the policy
 * parser and the domain-list reader.
 */
#ifndef SD_UTIL_UTF8_H
#define SD_UTIL_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (n bytes left): 1 for an ASCII
 * byte other than NUL, 2-4 for a valid multi-byte sequence; 0 for NUL, a
 * truncated or invalid sequence, overlong forms, surrogates and code points
 * above U+10FFFF. */
size_t sd_utf8_sequence(const unsigned char *s, size_t n);

#endif
