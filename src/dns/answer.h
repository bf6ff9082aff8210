/*
 * Filling an sd_dns_answer from the DNS message libunbound hands back.
 * The message is parsed by ldns (NLnet Labs' DNS library, the sibling of
 * libunbound), never by code of ours: it is remote data.
 */
#ifndef SD_DNS_ANSWER_H
#define SD_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/* Upper bound on records kept per answer: a hostile zone can publish huge
 * RRsets; nothing stsdane evaluates needs more. */
#define SD_DNS_MAX_RECORDS 256
/* CNAME targets kept per answer. */
#define SD_DNS_MAX_CNAMES 16

/* Marks a as failed: "<TYPE> lookup of <name>: <what>". */
void sd_dns_answer_set_error(sd_dns_answer *a, const char *what);
/* "resolver answered SERVFAIL" and the like, for an error rcode. */
void sd_dns_answer_set_rcode_error(sd_dns_answer *a, int rcode);
/* Fills a (qname and qtype already set) from the message `packet`, whose
 * DNSSEC status is `dnssec`. *ttl gets how long the answer may be kept:
 * the smallest TTL of its records, or for a negative answer that of the
 * SOA (RFC 2308 §5). A message that does not parse makes a an error. */
void sd_dns_answer_from_packet(sd_dns_answer *a, const uint8_t *packet, size_t len, sd_dnssec dnssec,
                               uint32_t *ttl);

#endif
