/*
 * The libunbound context behind sd_dns, configured from sd_dns_options
 * alone, so two resolvers in one process never share settings. It resolves
 * and validates on one thread of its own (ub_ctx_async); results come back
 * through a pipe that sd_dns watches on the loop (ub_fd, ub_process), so
 * every callback still runs on the loop's thread, while the public-key
 * work of DNSSEC validation runs on another core.
 *
 * libunbound does all of DNSSEC: it validates every answer from the trust
 * anchor down (RFC 4033-4035, NSEC3 RFC 5155, algorithm rules RFC 6840),
 * keeps validated keys, RRsets and messages in caches that honour TTLs,
 * sends from randomised source ports with 0x20 case randomisation, and
 * reports bogus answers with their data and a reason. stsdane only reads
 * its verdicts (docs/dns.md explains why no validation code is our own).
 */
#ifndef SD_DNS_UB_CONTEXT_H
#define SD_DNS_UB_CONTEXT_H

#include <stddef.h>

#include "dns/dns.h"

struct ub_ctx;

/* Lookups libunbound runs at once (its num-queries-per-thread); sd_dns
 * queues any beyond this itself, so libunbound never has to drop one. */
#define SD_UB_MAX_IN_FLIGHT 4096

/* UDP queries on the wire at once (each a socket with a random port). */
#define SD_UB_OUTGOING_PORTS 2048

/* libunbound's cache sizes (its own accounting; the heap holds about
 * a third more): see set_defaults in ub_context.c for why so small. */
#define SD_UB_MSG_CACHE "2m"
#define SD_UB_RRSET_CACHE "4m"
#define SD_UB_KEY_CACHE "4m"

/* The Debian-maintained root trust anchor (package dns-root-data), used
 * when no trust anchor file is configured. */
#define SD_UB_DEFAULT_TRUST_ANCHOR "/usr/share/dns/root.key"

/* NULL on failure, with what failed and what to do in err. */
struct ub_ctx *sd_ub_context_new(const sd_dns_options *options, char *err, size_t err_len);

#endif
