#include "result/probe_copy.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

void sd_probe_result_copy(sd_probe_result *dst, const sd_probe_result *src) {
  *dst = *src;
  dst->detail = sd_strdup(src->detail);
  dst->ip = sd_strdup(src->ip);
  dst->sni = sd_strdup(src->sni);
  dst->banner = sd_strdup(src->banner);
  dst->ehlo = sd_strdup(src->ehlo);
  dst->tls_version = sd_strdup(src->tls_version);
  dst->tls_cipher = sd_strdup(src->tls_cipher);
  dst->transient_error = sd_strdup(src->transient_error);
  memset(&dst->chain, 0, sizeof(dst->chain));
  sd_chain_copy(&dst->chain, &src->chain);
}

void sd_probe_result_clear(sd_probe_result *r) {
  free(r->detail);
  free(r->ip);
  free(r->sni);
  free(r->banner);
  free(r->ehlo);
  free(r->tls_version);
  free(r->tls_cipher);
  free(r->transient_error);
  sd_chain_free(&r->chain);
  memset(r, 0, sizeof(*r));
}
