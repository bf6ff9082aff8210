/* TLSA records (RFC 6698) and the rules RFC 7672 / RFC 7671 add for SMTP. */
#ifndef SD_DANE_TLSA_H
#define SD_DANE_TLSA_H

#include <stddef.h>
#include <stdint.h>


#define SD_TLSA_MAX_DATA 4096

typedef struct sd_tlsa {
  uint8_t usage;    /* 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE */
  uint8_t selector; /* 0 full certificate, 1 SubjectPublicKeyInfo */
  uint8_t mtype;    /* 0 full, 1 SHA2-256, 2 SHA2-512 */
  uint8_t *data;
  size_t data_len;
} sd_tlsa;

typedef enum sd_tlsa_usability {
  SD_TLSA_USABLE = 0,
  SD_TLSA_UNUSABLE_USAGE,    /* usage 0/1 or unknown: not for SMTP (RFC 7672 §3.1.3) */
  SD_TLSA_UNUSABLE_SELECTOR, /* selector not 0 or 1 */
  SD_TLSA_UNUSABLE_MTYPE,    /* matching type not 0, 1 or 2 */
  SD_TLSA_MALFORMED,         /* digest length wrong for its type, or empty data */
  SD_TLSA_WEAKER_DIGEST,     /* a stronger digest exists for the same usage+selector (RFC 7671 §9) */
} sd_tlsa_usability;

/* Parses wire rdata (usage, selector, mtype, data); 0 on success. */
int sd_tlsa_from_rdata(const uint8_t *rdata, size_t len, sd_tlsa *out);
/* Parses presentation form "3 1 1 <hex>" (hex may contain spaces); 0 on success. */
int sd_tlsa_parse_text(const char *text, sd_tlsa *out);
/* "3 1 1 abcdef..." (lower-case hex); caller frees. */
char *sd_tlsa_format(const sd_tlsa *tlsa);
/* Usability of one record on its own (no digest agility). */
sd_tlsa_usability sd_tlsa_check(const sd_tlsa *tlsa);
/* Applies usability and digest agility to a whole RRset: fills status[i] for
 * each record and returns how many are usable. */
size_t sd_tlsa_select_usable(const sd_tlsa *rrs, size_t count, sd_tlsa_usability *status);
const char *sd_tlsa_usability_name(sd_tlsa_usability u);
/* The record of given usage/selector/mtype for certificate der (e.g. the
 * "3 1 1" record of the key an MX serves now); caller frees; NULL on error. */
char *sd_tlsa_record_for_cert(const uint8_t *der, size_t der_len, int usage, int selector, int mtype);
void sd_tlsa_free(sd_tlsa *tlsa);

#endif
