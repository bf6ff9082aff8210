#include "smtp/ehlo_name.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/domain.h"

/* A host name fit for EHLO: a valid LDH host name with at least two labels. */
static int is_fqdn(const char *s) { return sd_hostname_valid(s) && strchr(s, '.') != NULL; }

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
