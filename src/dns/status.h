/* The DNSSEC status and outcome of one lookup, as every module sees them. */
#ifndef SD_DNS_STATUS_H
#define SD_DNS_STATUS_H

typedef enum sd_dnssec {
  SD_DNSSEC_INDETERMINATE = 0, /* could not tell: treated as bogus (RFC 4033 §5) */
  SD_DNSSEC_SECURE,
  SD_DNSSEC_INSECURE,
  SD_DNSSEC_BOGUS,
} sd_dnssec;

typedef enum sd_lookup {
  SD_LOOKUP_OK = 0,    /* answer with data */
  SD_LOOKUP_NXDOMAIN,  /* the name does not exist */
  SD_LOOKUP_NODATA,    /* the name exists, no record of that type */
  SD_LOOKUP_ERROR,     /* SERVFAIL, REFUSED, timeout, network error: no answer */
} sd_lookup;

const char *sd_dnssec_name(sd_dnssec s);
const char *sd_lookup_name(sd_lookup s);

#endif
