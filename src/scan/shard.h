/*
 * Stable partition of a domain list over N machines: row goes to shard
 * FNV-1a-64(key) mod N, where key is the normalised domain (or the raw field
 * of an invalid row). The hash is fixed forever, so the same list splits the
 * same way on every machine, in every run and after --resume.
 */
#ifndef SD_SCAN_SHARD_H
#define SD_SCAN_SHARD_H

#include <stddef.h>
#include <stdint.h>

typedef struct sd_shard {
  uint64_t index; /* K, from 0 to count - 1 */
  uint64_t count; /* N; 1 = no sharding */
} sd_shard;

/* FNV-1a, 64 bits (offset basis 14695981039346656037, prime 1099511628211). */
uint64_t sd_shard_hash(const void *data, size_t len);
/* 1 when a row with this key belongs to shard. */
int sd_shard_owns(const sd_shard *shard, uint64_t key);
/*
 * Parses "K/N" (0 <= K < N <= 1000000). Returns 0, or -1 with a message in err.
 */
int sd_shard_parse(const char *text, sd_shard *out, char *err, size_t err_len);
/*
 * "--shards N": K comes from the environment, first STSDANE_SHARD, then
 * JOB_COMPLETION_INDEX (Kubernetes Indexed Job, 0-based), then
 * SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN (Slurm job array; the
 * array may start at 0 or 1). getenv_fn is getenv outside tests.
 */
int sd_shard_from_env(uint64_t count, const char *(*getenv_fn)(const char *), sd_shard *out, char *err,
                      size_t err_len);

#endif
