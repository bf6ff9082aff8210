#include "util/domain.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

static int is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (c >= 'A' && c <= 'Z');
}

/* The one LDH check (RFC 1123 host names; underscores are not allowed in
 * host or mail domain names): the first problem in reading order, so a
 * finding names it. */
const char *sd_hostname_problem(const char *name, size_t len, size_t *label_count) {
  if (label_count) *label_count = 0;
  if (!name || len == 0) return "is empty";
  if (len > SD_DOMAIN_MAX) return "is longer than 253 characters";
  size_t start = 0, labels = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && name[i] != '.') {
      if (!is_ldh(name[i])) return "contains a character other than a letter, digit, '-' or '.'";
      continue;
    }
    size_t label = i - start;
    if (label == 0) return "has an empty label (two dots in a row or a leading dot)";
    if (label > SD_LABEL_MAX) return "has a label longer than 63 characters";
    if (name[start] == '-' || name[i - 1] == '-') return "has a label that starts or ends with '-'";
    labels++;
    start = i + 1;
  }
  if (label_count) *label_count = labels;
  return NULL;
}

int sd_hostname_valid(const char *host) {
  return host && sd_hostname_problem(host, strlen(host), NULL) == NULL;
}

int sd_is_ip_literal(const char *text) {
  char buf[64];
  unsigned char raw[16];
  size_t n = strlen(text);
  if (n >= sizeof(buf)) return 0;
  if (n > 2 && text[0] == '[' && text[n - 1] == ']') {
    memcpy(buf, text + 1, n - 2);
    buf[n - 2] = '\0';
  } else {
    memcpy(buf, text, n + 1);
  }
  if (strncasecmp(buf, "ipv6:", 5) == 0) memmove(buf, buf + 5, strlen(buf + 5) + 1);
  return inet_pton(AF_INET, buf, raw) == 1 || inet_pton(AF_INET6, buf, raw) == 1;
}

static int has_non_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return 1;
  return 0;
}

/* Why raw is not a domain name, naming the domain the user most likely
 * meant when raw is an email address or a URL. */
static void explain_invalid(const char *raw, char *err, size_t err_len) {
  const char *at = strrchr(raw, '@'), *scheme = strstr(raw, "://");
  if (scheme) {
    const char *host = scheme + 3;
    size_t n = strcspn(host, "/:?#");
    snprintf(err, err_len, "a URL, not a domain name: give only the domain, e.g. '%.*s'", (int)(n > 100 ? 100 : n),
             host);
  } else if (at) {
    snprintf(err, err_len, "an email address, not a domain name: give the part after '@', e.g. '%.100s'", at + 1);
  } else {
    snprintf(err, err_len,
             "not a valid domain name (letters, digits and hyphens in 2 or more labels of 1-63 bytes, at most %d "
             "bytes)", SD_DOMAIN_MAX);
  }
}

int sd_domain_normalize(const char *input, size_t input_len, char *out, size_t out_len, char *err,
                        size_t err_len) {
  while (input_len && (*input == ' ' || *input == '\t')) input++, input_len--;
  while (input_len && (input[input_len - 1] == ' ' || input[input_len - 1] == '\t' ||
                       input[input_len - 1] == '\r'))
    input_len--;
  if (input_len && input[input_len - 1] == '.') input_len--;
  if (input_len == 0) {
    snprintf(err, err_len, "empty domain name");
    return -1;
  }
  if (memchr(input, '\0', input_len)) {
    snprintf(err, err_len, "domain name contains a NUL byte");
    return -1;
  }
  if (input_len > 1024) {
    snprintf(err, err_len, "domain name is %zu bytes long (at most %d allowed)", input_len, SD_DOMAIN_MAX);
    return -1;
  }
  char raw[1025];
  memcpy(raw, input, input_len);
  raw[input_len] = '\0';
  char *ascii = NULL;
  if (has_non_ascii(raw)) {
    int rc = idn2_to_ascii_8z(raw, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
      snprintf(err, err_len, "not a valid internationalised domain name: %s", idn2_strerror(rc));
      return -1;
    }
  }
  const char *name = ascii ? ascii : raw;
  size_t labels = 0;
  int ok = sd_hostname_problem(name, strlen(name), &labels) == NULL && labels >= 2 &&
           strlen(name) < out_len;
  if (ok) {
    snprintf(out, out_len, "%s", name);
    for (char *p = out; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
  } else {
    explain_invalid(raw, err, err_len);
  }
  free(ascii);
  return ok ? 0 : -1;
}
