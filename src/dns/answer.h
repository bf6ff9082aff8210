/*
 * Filling an sd_dns_answer: shared by the getdns path (dns.c) and the stub
 * fast path's wire-format replies (answer_wire.c), so both hand callers the
 * very same answer for the same reply.
 */
#ifndef SD_DNS_ANSWER_H
#define SD_DNS_ANSWER_H

#include "dns/dns.h"
#include "dns/wire.h"

/* Upper bound on records kept per answer: a hostile zone can publish huge
 * RRsets; nothing stsdane evaluates needs more. */
#define SD_DNS_MAX_RECORDS 256
/* CNAME targets kept per answer. */
#define SD_DNS_MAX_CNAMES 16

/* Marks a as failed: "<TYPE> lookup of <name>: <what>". */
void sd_dns_answer_set_error(sd_dns_answer *a, const char *what);
/* "resolver answered SERVFAIL" and the like, for an error rcode. */
void sd_dns_answer_set_rcode_error(sd_dns_answer *a, int rcode);
/* Fills a (qname and qtype already set) from reply m, judged `dnssec`. */
void sd_dns_answer_from_wire(sd_dns_answer *a, const sd_wire_msg *m, sd_dnssec dnssec);

#endif
