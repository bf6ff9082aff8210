/* The MTA-STS TXT record at _mta-sts.<domain> (RFC 8461 §3.1). */
#ifndef SD_MTASTS_RECORD_H
#define SD_MTASTS_RECORD_H

#include <stddef.h>

#include "findings/findings.h"

typedef enum sd_sts_record_status {
  SD_STS_RECORD_ABSENT = 0, /* no TXT record that is an MTA-STS record */
  SD_STS_RECORD_VALID,
  SD_STS_RECORD_INVALID,    /* an MTA-STS record was published but is unusable */
} sd_sts_record_status;

typedef struct sd_sts_record {
  sd_sts_record_status status;
  char *raw;        /* the MTA-STS record evaluated (joined strings), or NULL */
  char id[33];      /* valid only when status is VALID */
  size_t candidates; /* TXT records that look like MTA-STS records */
} sd_sts_record;

/*
 * Evaluates the TXT RRset found at _mta-sts (after CNAME following).
 * txts[i] is one TXT record with its character-strings already joined with
 * no separator, txt_lens[i] its length (it may contain any byte, NUL too).
 * Records not starting with "v=STSv1;" are dropped (§3.1); records that look
 * like a botched MTA-STS record (start with "v=STS", any case) are reported
 * as sts-record-bad-version and make the status INVALID. Findings carry
 * where = "record".
 */
void sd_sts_record_evaluate(const char *const *txts, const size_t *txt_lens, size_t count,
                            sd_sts_record *out, sd_findings *findings);

/* Parses one record (must start with v=STSv1;); 0 when valid. Used by lint. */
int sd_sts_record_parse(const char *txt, size_t len, sd_sts_record *out, sd_findings *findings);

void sd_sts_record_free(sd_sts_record *record);

/* --- Helpers shared by the MTA-STS and TLSRPT parsers (record.c) -------- */

/* Finding details quote remote text with sd_quote_detail (util/escape.h). */

/* 1 when name[0..len) is (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."),
 * the extension-name grammar of RFC 8461 §3.1/§3.2 and RFC 8460 §3. */
int sd_sts_ext_name_valid(const char *name, size_t len);

/* 1 when value[0..len) is 1*(%x21-3A / %x3C / %x3E-7E): printable ASCII
 * without ";", "=" or space (extension values, RFC 8461 §3.1, RFC 8460 §3). */
int sd_sts_ext_value_valid(const char *value, size_t len);

/*
 * Walks the fields of a "v=...; k=v ;k=v;" record. *cursor must point at the
 * ";" that follows the version (or at end). Returns 1 with the next field in
 * [*field, *field + *field_len), trimmed of surrounding SP/HTAB (it may be
 * empty for ";;"), or 0 when nothing but an optional trailing ";" is left.
 * Each call consumes at least one byte, so a loop over it always ends.
 */
/* Length of version *WSP ";" at the start of txt (e.g. "v=STSv1 ;"), 0 when
 * txt does not start so; *blanks tells whether blanks precede the ';'. The
 * grammars' separator is *WSP ";" *WSP (RFC 8461 §3.1, RFC 8460 §3). */
size_t sd_txt_version_prefix(const char *txt, size_t len, const char *version, int *blanks);
int sd_sts_next_field(const char **cursor, const char *end, const char **field,
                      size_t *field_len);

#endif
