/* The TLSRPT record at _smtp._tls.<domain> (RFC 8460 §3). */
#ifndef SD_MTASTS_TLSRPT_H
#define SD_MTASTS_TLSRPT_H

#include <stddef.h>

#include "findings/findings.h"

typedef enum sd_tlsrpt_status {
  SD_TLSRPT_ABSENT = 0,
  SD_TLSRPT_VALID,
  SD_TLSRPT_INVALID,
} sd_tlsrpt_status;

typedef struct sd_tlsrpt_record {
  sd_tlsrpt_status status;
  char *raw;      /* the record evaluated, or NULL */
  char **rua;     /* the URIs as published */
  size_t rua_count;
} sd_tlsrpt_record;

/* Same conventions as sd_sts_record_evaluate; findings carry where = "tlsrpt".
 * Exactly one record starting "v=TLSRPTv1;" must remain; rua is a comma
 * separated list of mailto: or https: URIs (RFC 8460 §3). */
void sd_tlsrpt_evaluate(const char *const *txts, const size_t *txt_lens, size_t count,
                        sd_tlsrpt_record *out, sd_findings *findings);
int sd_tlsrpt_parse(const char *txt, size_t len, sd_tlsrpt_record *out, sd_findings *findings);
void sd_tlsrpt_record_free(sd_tlsrpt_record *record);

#endif
