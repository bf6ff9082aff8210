#include "findings/findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

static const sd_code_info code_table[SD_C__COUNT] = {
#define SD_CODE(id, name, sev, tlsrpt, summary) [SD_C_##id] = {name, SD_SEV_##sev, tlsrpt, summary},
#include "findings/codes.def"
#undef SD_CODE
};

const sd_code_info *sd_code_lookup(sd_code code) {
  if ((unsigned)code >= SD_C__COUNT) return NULL;
  return &code_table[code];
}

sd_code sd_code_by_name(const char *name) {
  for (size_t i = 0; i < SD_C__COUNT; i++)
    if (strcmp(code_table[i].name, name) == 0) return (sd_code)i;
  return SD_C__COUNT;
}

const char *sd_severity_name(sd_severity sev) {
  switch (sev) {
  case SD_SEV_ERROR: return "error";
  case SD_SEV_WARNING: return "warning";
  default: return "info";
  }
}

static int findings_grow(sd_findings *list) {
  if (list->count < list->capacity) return 0;
  size_t cap = list->capacity ? list->capacity * 2 : 8;
  sd_finding *items = realloc(list->items, cap * sizeof(*items));
  if (!items) return -1;
  list->items = items;
  list->capacity = cap;
  return 0;
}

sd_finding *sd_findings_addv(sd_findings *list, sd_code code, const char *where,
                             const char *detail_fmt, va_list ap) {
  if (findings_grow(list) != 0) return NULL;
  sd_finding f = {.code = code};
  f.where = sd_strdup(where ? where : "");
  f.detail = detail_fmt ? sd_vasprintf(detail_fmt, ap) : sd_strdup("");
  if (!f.where || !f.detail) {
    free(f.where);
    free(f.detail);
    return NULL;
  }
  list->items[list->count] = f;
  return &list->items[list->count++];
}

sd_finding *sd_findings_add(sd_findings *list, sd_code code, const char *where,
                            const char *detail_fmt, ...) {
  va_list ap;
  va_start(ap, detail_fmt);
  sd_finding *f = sd_findings_addv(list, code, where, detail_fmt, ap);
  va_end(ap);
  return f;
}

sd_finding *sd_findings_add_boundedv(sd_findings *list, int *errors, size_t *reported, size_t max,
                                     sd_code code, const char *where, const char *detail_fmt, va_list ap) {
  const sd_code_info *info = sd_code_lookup(code);
  if (errors && info && info->severity == SD_SEV_ERROR) (*errors)++;
  if (!list) return NULL;
  if (reported && (*reported)++ >= max) return NULL;
  return sd_findings_addv(list, code, where, detail_fmt, ap);
}

void sd_finding_set_remedy(sd_finding *finding, const char *fmt, ...) {
  if (!finding) return;
  va_list ap;
  va_start(ap, fmt);
  char *remedy = sd_vasprintf(fmt, ap);
  va_end(ap);
  free(finding->remedy);
  finding->remedy = remedy;
}

const sd_finding *sd_findings_find(const sd_findings *list, sd_code code) {
  for (size_t i = 0; i < list->count; i++)
    if (list->items[i].code == code) return &list->items[i];
  return NULL;
}

int sd_findings_has(const sd_findings *list, sd_code code) { return sd_findings_find(list, code) != NULL; }

void sd_findings_move(sd_findings *dst, sd_findings *src) {
  for (size_t i = 0; i < src->count; i++) {
    if (findings_grow(dst) != 0) {
      free(src->items[i].where);
      free(src->items[i].detail);
      free(src->items[i].remedy);
      continue;
    }
    dst->items[dst->count++] = src->items[i];
  }
  free(src->items);
  memset(src, 0, sizeof(*src));
}

void sd_findings_clear(sd_findings *list) {
  for (size_t i = 0; i < list->count; i++) {
    free(list->items[i].where);
    free(list->items[i].detail);
    free(list->items[i].remedy);
  }
  free(list->items);
  memset(list, 0, sizeof(*list));
}

sd_severity sd_findings_worst(const sd_findings *list) {
  sd_severity worst = SD_SEV_INFO;
  for (size_t i = 0; i < list->count; i++) {
    sd_severity s = code_table[list->items[i].code].severity;
    if (s > worst) worst = s;
  }
  return worst;
}
