/*
 * One SMTP STARTTLS probe over one TCP connection (internal to src/smtp/;
 * the prober in prober.c does caching, rate limiting and retries).
 */
#ifndef SD_SMTP_CONN_H
#define SD_SMTP_CONN_H

#include <openssl/ssl.h>
#include <stdint.h>

#include "smtp/prober.h"

struct event_base;
typedef struct sd_conn sd_conn;

/* Called once, from the event loop, when the connection is closed and the
 * result fields are final. The callee may (and should) sd_conn_free(conn). */
typedef void (*sd_conn_done_fn)(sd_conn *conn, void *arg);

/* Opens the connection and runs the probe. out must hold zeroed per-attempt
 * fields (status, detail, banner, ehlo, tls_*, chain); the connection fills
 * them. ip must be a numeric IPv4/IPv6 literal; sni may be NULL. Never calls
 * done from within this call. NULL only when out of memory. */
sd_conn *sd_conn_start(struct event_base *base, SSL_CTX *ctx, const sd_probe_options *opt,
                       const char *ip, uint16_t port, const char *sni, sd_probe_result *out,
                       sd_conn_done_fn done, void *arg);
/* Closes and frees; no callback afterwards. Safe at any time. */
void sd_conn_free(sd_conn *conn);

/* Wipes the per-attempt fields of a result (keeps ip, port, sni, attempts). */
void sd_probe_result_clear_attempt(sd_probe_result *r);

/* Copies up to cap bytes of s (NUL-terminated) into a new string. */
char *sd_smtp_bounded_copy(const char *s, size_t cap);

#endif
