/*
 * Findings: every problem stsdane reports, with its stable code, severity,
 * RFC 8460 result type, location and (where it can be computed) a remedy.
 */
#ifndef SD_FINDINGS_FINDINGS_H
#define SD_FINDINGS_FINDINGS_H

#include <stdarg.h>
#include <stddef.h>

typedef enum sd_severity {
  SD_SEV_INFO = 0,
  SD_SEV_WARNING = 1,
  SD_SEV_ERROR = 2,
} sd_severity;

/* One identifier per row of codes.def: SD_C_INVALID_DOMAIN, ... */
typedef enum sd_code {
#define SD_CODE(id, name, sev, tlsrpt, summary) SD_C_##id,
#include "findings/codes.def"
#undef SD_CODE
  SD_C__COUNT
} sd_code;

typedef struct sd_code_info {
  const char *name;    /* "sts-record-bad-id" */
  sd_severity severity;
  const char *tlsrpt;  /* RFC 8460 result type or NULL */
  const char *summary; /* one line, plain words */
} sd_code_info;

const sd_code_info *sd_code_lookup(sd_code code);
/* Finds a code by its name; returns SD_C__COUNT when unknown. */
sd_code sd_code_by_name(const char *name);
const char *sd_severity_name(sd_severity sev);

typedef struct sd_finding {
  sd_code code;
  char *where;  /* "record", "policy", "tlsrpt", "mx:<host>", "mx:<host>/<ip>" */
  char *detail; /* what was seen, in plain words; may quote remote data */
  char *remedy; /* what to publish or change; NULL when none can be computed */
} sd_finding;

typedef struct sd_findings {
  sd_finding *items;
  size_t count;
  size_t capacity;
} sd_findings;

/* Adds a finding; returns it so the caller can attach a remedy, or NULL when
 * out of memory (the finding is then dropped, never half-added). */
sd_finding *sd_findings_add(sd_findings *list, sd_code code, const char *where,
                            const char *detail_fmt, ...)
    __attribute__((format(printf, 4, 5)));
sd_finding *sd_findings_addv(sd_findings *list, sd_code code, const char *where,
                             const char *detail_fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/*
 * For parsers of hostile input: counts an error-severity code in *errors
 * (when errors is non-NULL) even if the finding is not kept, and keeps at
 * most max findings counted in *reported (reported NULL: no bound), so a
 * record with thousands of defects cannot flood the result. list NULL:
 * count only.
 */
sd_finding *sd_findings_add_boundedv(sd_findings *list, int *errors, size_t *reported, size_t max,
                                     sd_code code, const char *where, const char *detail_fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
/* Replaces the remedy of a finding (printf-style). */
void sd_finding_set_remedy(sd_finding *finding, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sd_findings_has(const sd_findings *list, sd_code code);
/* The first finding with that code, or NULL. */
const sd_finding *sd_findings_find(const sd_findings *list, sd_code code);
/* Moves every finding of src to the end of dst; src is left empty. */
void sd_findings_move(sd_findings *dst, sd_findings *src);
void sd_findings_clear(sd_findings *list);
sd_severity sd_findings_worst(const sd_findings *list);

#endif
