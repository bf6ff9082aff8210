/* libFuzzer target: normalisation and validation of domain names from
 * untrusted input (lists, command line, MX targets): sd_domain_normalize,
 * sd_hostname_valid, sd_is_ip_literal. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "util/domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char out[SD_DOMAIN_MAX + 1], err[256];
  memset(out, 0x55, sizeof(out));
  if (sd_domain_normalize((const char *)data, size, out, sizeof(out), err, sizeof(err)) == 0) {
    /* A normalised name is a valid host name, and normalising is idempotent. */
    if (!memchr(out, '\0', sizeof(out))) abort();
    if (!sd_hostname_valid(out)) abort();
    char again[SD_DOMAIN_MAX + 1];
    if (sd_domain_normalize(out, strlen(out), again, sizeof(again), err, sizeof(err)) != 0 ||
        strcmp(out, again) != 0)
      abort();
  } else if (!memchr(err, '\0', sizeof(err))) {
    abort();
  }

  /* Small output buffers must be refused or respected, never overrun. */
  char tiny[8];
  (void)sd_domain_normalize((const char *)data, size, tiny, sizeof(tiny), err, 16);

  char *s = sd_fuzz_cstr(data, size);
  if (!s) return 0;
  (void)sd_hostname_valid(s);
  (void)sd_is_ip_literal(s);
  free(s);
  return 0;
}
