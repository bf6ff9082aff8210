#include "scan/shard.h"

#include "util/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARD_COUNT_MAX 1000000

uint64_t sd_shard_hash(const void *data, size_t len) { return sd_fnv1a64(data, len); }

int sd_shard_owns(const sd_shard *shard, uint64_t key) {
  return shard->count <= 1 || key % shard->count == shard->index;
}

/* A whole decimal number in [min, max]; -1 otherwise. */
static int parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
  if (!text || *text < '0' || *text > '9') return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}

int sd_shard_parse(const char *text, sd_shard *out, char *err, size_t err_len) {
  char k[32], n[32];
  const char *slash = text ? strchr(text, '/') : NULL;
  if (!slash || (size_t)(slash - text) >= sizeof(k) || strlen(slash + 1) >= sizeof(n)) {
    snprintf(err, err_len, "--shard wants K/N (e.g. 0/3 for the first of 3 shards), not '%s'", text ? text : "");
    return -1;
  }
  memcpy(k, text, (size_t)(slash - text));
  k[slash - text] = '\0';
  snprintf(n, sizeof(n), "%s", slash + 1);
  uint64_t kv, nv;
  if (parse_u64(n, 1, SHARD_COUNT_MAX, &nv) != 0 || parse_u64(k, 0, nv - 1, &kv) != 0) {
    snprintf(err, err_len, "--shard %s: N must be 1 to %d and K from 0 to N-1", text, SHARD_COUNT_MAX);
    return -1;
  }
  *out = (sd_shard){kv, nv};
  return 0;
}

int sd_shard_from_env(uint64_t count, const char *(*getenv_fn)(const char *), sd_shard *out, char *err,
                      size_t err_len) {
  if (count < 1 || count > SHARD_COUNT_MAX) {
    snprintf(err, err_len, "--shards wants a count from 1 to %d", SHARD_COUNT_MAX);
    return -1;
  }
  static const char *const plain[] = {"STSDANE_SHARD", "JOB_COMPLETION_INDEX"};
  for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
    const char *v = getenv_fn(plain[i]);
    if (!v || !*v) continue;
    uint64_t k;
    if (parse_u64(v, 0, count - 1, &k) != 0) {
      snprintf(err, err_len, "%s=%s is not a shard index from 0 to %llu", plain[i], v,
               (unsigned long long)(count - 1));
      return -1;
    }
    *out = (sd_shard){k, count};
    return 0;
  }
  const char *task = getenv_fn("SLURM_ARRAY_TASK_ID");
  if (task && *task) {
    const char *min_text = getenv_fn("SLURM_ARRAY_TASK_MIN");
    uint64_t id, min = 0;
    if (parse_u64(task, 0, UINT64_MAX / 2, &id) != 0 ||
        (min_text && *min_text && parse_u64(min_text, 0, id, &min) != 0) || id - min >= count) {
      snprintf(err, err_len, "SLURM_ARRAY_TASK_ID=%s (min %s) does not give a shard from 0 to %llu; use --array=0-%llu",
               task, min_text ? min_text : "0", (unsigned long long)(count - 1), (unsigned long long)(count - 1));
      return -1;
    }
    *out = (sd_shard){id - min, count};
    return 0;
  }
  snprintf(err, err_len,
           "--shards %llu needs the shard index in STSDANE_SHARD, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID "
           "(or use --shard K/N)", (unsigned long long)count);
  return -1;
}
