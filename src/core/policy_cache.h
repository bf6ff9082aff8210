/*
 * One policy fetch per policy host per scan: the MTA-STS policy of a domain
 * lives at mta-sts.<domain>, so every row naming the same domain (a list
 * with repeated lines, spellings of one name, shards) shares one HTTPS
 * request and its answer, like the MX probe cache shares SMTP probes.
 * Requests for a host whose fetch is in flight wait for it. Memory is
 * bounded: at most SD_POLICY_CACHE_MAX finished answers and
 * SD_POLICY_CACHE_BYTES are kept (the least recently used goes first; a
 * hostile policy host can send the fetcher's body limit, 64 KiB, so the
 * count alone would allow 256 MiB). Rows naming one domain are usually
 * close together in a list, so an evicted answer is rarely asked for again.
 */
#ifndef SD_CORE_POLICY_CACHE_H
#define SD_CORE_POLICY_CACHE_H

#include <stddef.h>

#include "mtasts/fetch.h"

#define SD_POLICY_CACHE_MAX 4096
#define SD_POLICY_CACHE_BYTES (8u * 1024 * 1024)

typedef struct sd_policy_cache sd_policy_cache;

sd_policy_cache *sd_policy_cache_new(sd_fetcher *fetcher);
void sd_policy_cache_free(sd_policy_cache *c);

/*
 * The policy of domain (fetched from one of addrs): cb gets the shared
 * answer, at once when it is known, else when the one fetch completes.
 * 0, or -1 when no fetch can start (cb is then not called).
 */
int sd_policy_cache_fetch(sd_policy_cache *c, const char *domain, const char *const *addrs, size_t count,
                          sd_fetch_cb cb, void *arg);

/* Fetches started (HTTPS requests) and answers served from the cache. */
size_t sd_policy_cache_fetches(const sd_policy_cache *c);
size_t sd_policy_cache_hits(const sd_policy_cache *c);
/* Answers kept and fetches in flight. */
size_t sd_policy_cache_size(const sd_policy_cache *c);

#endif
