/*
 * Interposition of libunbound's ub_resolve_event, which getdns 1.6.0 uses for
 * recursive lookups: a failed lookup then reaches getdns without the stray
 * packet libunbound attaches to errors, and getdns reports it as a failure
 * instead of an empty NOERROR answer. See unbound_event.c and docs/dns.md.
 */
#ifndef SD_DNS_UNBOUND_EVENT_H
#define SD_DNS_UNBOUND_EVENT_H

/* 1 when the process resolves ub_resolve_event to stsdane's wrapper, so that
 * getdns's calls reach it; 0 when they would go to libunbound directly (the
 * symbol was not exported, e.g. a static link or -Bsymbolic). Recursive mode
 * must not run without it: failed lookups would pass for insecure "no data". */
int sd_unbound_event_interposed(void);

#endif
