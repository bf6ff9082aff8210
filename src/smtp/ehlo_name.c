#include "smtp/ehlo_name.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A host name fit for EHLO: letters, digits, hyphens and dots, with a dot
 * that is neither first nor last. */
static int is_fqdn(const char *s) {
  size_t n = strlen(s);
  if (n < 3 || n > 253 || s[0] == '.' || s[n - 1] == '.' || !strchr(s, '.')) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

char *sd_ehlo_default_name(char *out, size_t out_len) {
  char host[256] = "";
  snprintf(out, out_len, "%s", SD_EHLO_FALLBACK_NAME);
  if (gethostname(host, sizeof(host) - 1) != 0 || !host[0]) return out;
  if (is_fqdn(host)) {
    snprintf(out, out_len, "%s", host);
    return out;
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_flags = AI_CANONNAME}, *res = NULL;
  if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname && is_fqdn(res->ai_canonname))
    snprintf(out, out_len, "%s", res->ai_canonname);
  if (res) freeaddrinfo(res);
  return out;
}
