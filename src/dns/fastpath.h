/*
 * The stub-mode fast path's judgement of one reply (docs/dns.md, "Stub fast
 * path").
 *
 * getdns validates a stub answer by fetching the whole DNSKEY/DS chain from
 * the root for every query, about eight upstream packets and as many
 * signature checks per lookup. The fast path instead sends each query once,
 * with DO and CD, over stsdane's own sockets (stub.h), and judges the reply
 * in wire format:
 *
 *   - signed by zone Z, whose DNSKEY RRset getdns validated once through the
 *     full chain (zonekeys.h): a positive answer must carry a valid RRSIG by
 *     Z over the RRset of the query name and type; a negative one must be
 *     proved by NSEC records with valid RRSIGs by Z (nsec.h). Then: secure.
 *   - unsigned, under a zone getdns proved insecure: insecure.
 *
 * Everything else (CNAME/DNAME chains, wildcards, NSEC3, several signers,
 * signatures that do not verify or are out of date, an unsigned answer below
 * a secure zone, keys of algorithms we do not verify) falls back to getdns's
 * full validation of the query. The fast path only ever says "secure" on a
 * proof it checked completely, and never says "bogus" itself: bogus answers
 * are judged, and described, by getdns.
 */
#ifndef SD_DNS_FASTPATH_H
#define SD_DNS_FASTPATH_H

#include <stddef.h>
#include <stdint.h>

#include "dns/sigcheck.h"
#include "dns/wire.h"
#include "dns/zonekeys.h"

typedef enum {
  SD_FAST_AS_IS,     /* an error rcode: nothing to validate */
  SD_FAST_SECURE,    /* proven with the keys of its zone */
  SD_FAST_INSECURE,  /* under a zone proven insecure */
  SD_FAST_NEED_ZONE, /* learn `zone` first, then judge again */
  SD_FAST_FALLBACK,  /* ask getdns for full validation */
  SD_FAST_WAIT,      /* secure if the signatures on the worker all verify; else judge again */
} sd_fast_verdict;

/* Judges reply m to the query in its question section. now is seconds since
 * the epoch. zone receives the zone name for SD_FAST_NEED_ZONE. For
 * SD_FAST_WAIT, *waits is how many times sigcheck will call back with
 * waiter (sigcheck.h) before the reply should be judged again. */
sd_fast_verdict sd_fast_judge(const sd_zone_table *t, sd_sigcheck *v, const sd_wire_msg *m, uint32_t now, void *waiter,
                              size_t *waits, char *zone, size_t zone_len);

#endif
