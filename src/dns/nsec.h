/*
 * Authenticated denial of existence with NSEC (RFC 4035 §5.4, RFC 4034 §4)
 * for the stub fast path: the two proofs a mail-domain scan needs most,
 * "no such name" and "no record of that type at this name".
 *
 * The records given here must already be validated (their signatures
 * checked against the zone's keys, sigcheck.h). Anything these functions do
 * not prove (NSEC3, wildcard answers, empty non-terminals, delegations)
 * returns 0, and the caller asks getdns's full validation instead: a missing
 * proof here never turns into "bogus", only into the slower path.
 */
#ifndef SD_DNS_NSEC_H
#define SD_DNS_NSEC_H

#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

typedef struct sd_nsec {
  sd_wire_name owner;
  sd_wire_name next;
  const uint8_t *bitmap; /* type bit maps field (RFC 4034 §4.1.2), in the message */
  size_t bitmap_len;
} sd_nsec;

/* Reads an NSEC record's rdata; -1 when malformed. */
int sd_nsec_read(const sd_wire_msg *m, const sd_wire_rr *rr, sd_nsec *out);
/* 1 when the type bit maps list type. */
int sd_nsec_has_type(const sd_nsec *n, uint16_t type);
/* 1 when n covers name: owner < name < next in canonical order, the last
 * NSEC of the zone (next = apex) covering everything after its owner. */
int sd_nsec_covers(const sd_nsec *n, const sd_wire_name *name, const sd_wire_name *zone);

/* 1 when the NSEC records prove that qname has no qtype records (NODATA,
 * RFC 4035 §5.4 first case: an NSEC at qname itself). */
int sd_nsec_proves_nodata(const sd_nsec *nsecs, size_t count, const sd_wire_name *qname, uint16_t qtype);
/* 1 when they prove that qname does not exist: an NSEC covers qname, and
 * one covers the wildcard at its closest encloser. */
int sd_nsec_proves_nxdomain(const sd_nsec *nsecs, size_t count, const sd_wire_name *qname, const sd_wire_name *zone);

#endif
