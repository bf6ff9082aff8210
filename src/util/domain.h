/* Domain names from untrusted input: normalisation and validation. */
#ifndef SD_UTIL_DOMAIN_H
#define SD_UTIL_DOMAIN_H

#include <stddef.h>

#define SD_DOMAIN_MAX 253
#define SD_LABEL_MAX 63

/*
 * Normalises a domain name given by a user or a list: surrounding blanks and
 * one trailing dot removed, lower-cased, U-labels converted to A-labels
 * (IDNA2008 via libidn2). Checks LDH syntax, label length (1..63), total
 * length (<= 253) and at least two labels. Returns 0 and writes out (at least
 * SD_DOMAIN_MAX + 1 bytes), or -1 with the reason in err.
 */
int sd_domain_normalize(const char *input, size_t input_len, char *out, size_t out_len, char *err,
                        size_t err_len);
/* 1 when host is a syntactically valid LDH host name (A-labels, no trailing dot). */
int sd_hostname_valid(const char *host);
/* NULL when name[0..len) is a valid LDH host name (letters, digits, '-'
 * between dots; labels of 1..63, no '-' first or last; at most 253; no
 * trailing dot), else the first problem as a phrase for a finding ("has an
 * empty label ..."). label_count (may be NULL) gets the number of labels.
 * The one place host names are checked (mx patterns, EHLO names, input). */
const char *sd_hostname_problem(const char *name, size_t len, size_t *label_count);
/* 1 when text is an IPv4 or IPv6 address literal (optionally in [brackets]). */
int sd_is_ip_literal(const char *text);

#endif
