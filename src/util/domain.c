#include "util/domain.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

static int is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (c >= 'A' && c <= 'Z');
}

/* Checks LDH labels; underscores are not allowed in host or mail domain names. */
static int labels_valid(const char *name, int *label_count) {
  size_t len = strlen(name);
  if (len == 0 || len > SD_DOMAIN_MAX) return 0;
  int labels = 0;
  const char *p = name;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-') return 0;
    for (size_t i = 0; i < n; i++)
      if (!is_ldh(p[i])) return 0;
    labels++;
    if (!dot) break;
    p = dot + 1;
    if (!*p) return 0; /* empty last label: "a..", "a." handled by caller */
  }
  *label_count = labels;
  return 1;
}

int sd_hostname_valid(const char *host) {
  int labels = 0;
  return host && labels_valid(host, &labels);
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
  int labels = 0;
  int ok = labels_valid(name, &labels) && labels >= 2 && strlen(name) < out_len;
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
