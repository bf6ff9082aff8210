/*
 * The stub fast path's transport: DNS queries over UDP to one resolver, on
 * the shared libevent loop, without getdns.
 *
 * getdns 1.6.0 opens, registers and closes one UDP socket per query; at the
 * rates of a scan that was a quarter of stsdane's CPU. Here a few connected
 * UDP sockets carry every query: a reply is accepted only from the
 * resolver's address (the kernel filters a connected socket), on the socket
 * its query left from, with its random 16-bit ID and the exact question.
 * Queries made during one turn of the loop leave together (sendmmsg) at the
 * next turn, replies are read in batches (recvmmsg), and timeouts are one
 * timer for all queries (they expire in the order sent).
 * What this transport does not do, getdns's path does: TCP after a
 * truncated reply, retries, other upstreams (the caller falls back).
 */
#ifndef SD_DNS_STUB_H
#define SD_DNS_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

struct event_base;

typedef struct sd_stub sd_stub;

/* reply is NULL when the query timed out or could not be sent; it is valid
 * only during the call. */
typedef void (*sd_stub_cb)(void *arg, const uint8_t *reply, size_t len);

/* resolver: an IPv4 or IPv6 address; NULL reads the first nameserver of
 * /etc/resolv.conf. NULL on failure, with the reason in err. */
sd_stub *sd_stub_new(struct event_base *base, const char *resolver, int timeout_ms, char *err, size_t err_len);
/* Sends qname/qtype; cb is called exactly once, from the loop. -1: not sent
 * (too many queries in flight, or the socket refused it), cb not called. */
int sd_stub_query(sd_stub *s, const sd_wire_name *qname, uint16_t qtype, sd_stub_cb cb, void *arg);
/* Frees the transport; queries in flight are dropped without callbacks. */
void sd_stub_free(sd_stub *s);

#endif
