/*
 * The answer log: one line per DNS answer handed to a caller, so tests can
 * compare the DNSSEC status of every answer stsdane used with another
 * validator (tests/oracle/, docs/dns.md "Oracle"). Line format:
 *
 *   <qname> <TYPE> <lookup> <dnssec>
 *
 * qname in presentation form, lower case, without the trailing dot; TYPE as
 * sd_rr_type_name; lookup and dnssec as sd_lookup_name / sd_dnssec_name
 * (ok|nxdomain|nodata|error, secure|insecure|bogus|indeterminate).
 */
#ifndef SD_DNS_ANSWER_LOG_H
#define SD_DNS_ANSWER_LOG_H

#include <stdio.h>

#include "dns/dns.h"

/* Appends answer's line to log; does nothing when log is NULL. */
void sd_dns_answer_log_write(FILE *log, const sd_dns_answer *answer);

#endif
