#include "util/registrable.h"

#include <string.h>

#include <libpsl.h>

static const psl_ctx_t *list(void) {
  /* Loaded once; callers are single-threaded (the report, the planner). */
  static const psl_ctx_t *psl;
  if (!psl) psl = psl_latest(NULL);
  if (!psl) psl = psl_builtin();
  return psl;
}

char *sd_registrable_domain(const char *name, char *out, size_t out_len) {
  if (!name || !out || out_len == 0) return NULL;
  size_t n = strlen(name);
  while (n > 0 && name[n - 1] == '.') n--;
  if (n == 0 || n >= out_len) return NULL;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  out[n] = '\0';
  const psl_ctx_t *psl = list();
  const char *reg = psl ? psl_registrable_domain(psl, out) : NULL;
  if (reg && reg != out) memmove(out, reg, strlen(reg) + 1);
  return out;
}
