/*
 * Asynchronous DNS with DNSSEC validation, on the shared libevent loop.
 *
 * Every lookup goes to libunbound (ub_context.h), running on the caller's
 * event_base: in stub mode it forwards to the configured resolver and
 * validates what comes back against our trust anchor; in recursive mode it
 * resolves from the root. Either way a bogus answer arrives as bogus, with
 * its data and libunbound's reason, not as a bare SERVFAIL, and resolver
 * failures stay distinct (SD_LOOKUP_ERROR). Answers are kept by (name,
 * type) for as long as their TTL allows, and identical lookups in flight
 * are merged, so the MX hosts and TLSA records shared by many domains are
 * asked for once per scan.
 */
#ifndef SD_DNS_DNS_H
#define SD_DNS_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/status.h"

struct event_base;

enum {
  SD_RR_A = 1, SD_RR_NS = 2, SD_RR_CNAME = 5, SD_RR_SOA = 6, SD_RR_MX = 15,
  SD_RR_TXT = 16, SD_RR_AAAA = 28, SD_RR_DS = 43, SD_RR_RRSIG = 46,
  SD_RR_DNSKEY = 48, SD_RR_TLSA = 52,
};

typedef struct sd_dns_options {
  const char *resolver;          /* address of the stub resolver; NULL: /etc/resolv.conf */
  const char *trust_anchor_file; /* root DS/DNSKEY in zone-file format; NULL: /usr/share/dns/root.key */
  int recursive;                 /* full recursion instead of stub */
  const char *root_hints_file;   /* for recursion; NULL: libunbound's built-in root hints */
  const char *const *unbound_options; /* "name: value" libunbound settings, applied last, in order */
  size_t unbound_option_count;
  int timeout_ms;                /* per lookup, all retries included; default 5000 */
  size_t cache_entries;          /* answers kept; default 16384; 0 = default */
  FILE *query_log;               /* "name TYPE" per query sent (dnsperf format) */
  FILE *answer_log;              /* "name TYPE lookup dnssec" per answer delivered (answer_log.h) */
} sd_dns_options;

typedef struct sd_dns_record {
  uint16_t type;
  uint32_t ttl;
  char *owner;        /* presentation form, no trailing dot */
  int preference;     /* MX */
  char *target;       /* MX exchange or CNAME target, no trailing dot ("" for the root) */
  char *text;         /* TXT: character-strings joined, may contain NUL */
  size_t text_len;
  char ip[46];        /* A / AAAA */
  uint8_t *rdata;     /* raw wire rdata (TLSA, others) */
  size_t rdata_len;
} sd_dns_record;

typedef struct sd_dns_answer {
  char *qname;
  uint16_t qtype;
  sd_lookup lookup;
  sd_dnssec dnssec;
  char *error;              /* SD_LOOKUP_ERROR: what failed */
  int rcode;
  sd_dns_record *records;   /* records of qtype (after CNAME following) */
  size_t count;
  char **cnames;            /* CNAME chain targets, in order */
  size_t cname_count;
  int rrsig_expired;        /* some RRSIG in the answer is past its expiration */
  char *why_bogus;          /* SD_DNSSEC_BOGUS: libunbound's reason, or NULL */
} sd_dns_answer;

typedef struct sd_dns sd_dns;
/* answer is valid only during the callback: copy what you keep. */
typedef void (*sd_dns_cb)(const sd_dns_answer *answer, void *arg);

/* NULL on failure with a message in err. */
sd_dns *sd_dns_new(struct event_base *base, const sd_dns_options *options, char *err, size_t err_len);
/* Queries name/type; cb is called exactly once, later, from the event loop. */
int sd_dns_query(sd_dns *dns, const char *name, uint16_t type, sd_dns_cb cb, void *arg);
size_t sd_dns_queries_sent(const sd_dns *dns);
/* Lookups sent and not yet answered, plus those waiting to be sent: how far
 * behind the resolver is (the scan starts no extra domains while it is). */
size_t sd_dns_lookups_pending(const sd_dns *dns);
size_t sd_dns_cache_hits(const sd_dns *dns);
const char *sd_rr_type_name(uint16_t type);
void sd_dns_free(sd_dns *dns);

#endif
