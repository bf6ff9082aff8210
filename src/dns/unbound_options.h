/*
 * Options for the libunbound context getdns uses in recursive mode.
 *
 * getdns 1.6.0 offers no way to pass options to its libunbound context, and
 * libunbound answers a few special-use names (test., invalid., onion., ...)
 * from built-in local zones without asking anyone. Recursion over a private
 * tree (the testbed's signed `.test`) therefore needs, e.g.,
 * `local-zone: "test." nodefault`. stsdane wraps the two constructors getdns
 * calls (ub_ctx_create and ub_ctx_create_ub_event) and applies the options
 * registered here to every context they create, all through
 * ub_ctx_set_option (never ub_ctx_zone_add, which would finalize the context
 * before getdns has configured it; "NAME nodefault" is passed as
 * "NAME transparent", see unbound_options.c and docs/dns.md).
 */
#ifndef SD_DNS_UNBOUND_OPTIONS_H
#define SD_DNS_UNBOUND_OPTIONS_H

/* Registers "name: value" (e.g. "local-zone: test. nodefault"); several may
 * be given. 0 on success, -1 when malformed or too many. */
int sd_unbound_option_add(const char *option);
void sd_unbound_options_clear(void);

#endif
