#include "scan/identity.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "util/atomic_file.h"
#include "util/json_writer.h"
#include "util/str.h"

/* The sidecar is a few hundred bytes; anything larger is not ours. */
#define SIDECAR_MAX 65536

int sd_input_identity_compute(FILE *fp, sd_input_identity *id) {
  memset(id, 0, sizeof(*id));
  struct stat st;
  if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(ctx);
    errno = ENOMEM;
    return -1;
  }
  char buf[1 << 16];
  size_t n;
  int last = '\n';
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
    EVP_DigestUpdate(ctx, buf, n);
    id->size += n;
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++) id->lines++;
    last = buf[n - 1];
  }
  int read_failed = ferror(fp);
  unsigned char md[32];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx, md, &md_len);
  EVP_MD_CTX_free(ctx);
  if (read_failed) return -1;
  if (last != '\n') id->lines++;
  for (unsigned int i = 0; i < md_len && i < 32; i++) snprintf(id->sha256 + 2 * i, 3, "%02x", md[i]);
  clearerr(fp);
  if (fseek(fp, 0, SEEK_SET) != 0) return -1;
  id->known = 1;
  return 0;
}

char *sd_identity_path(const char *output_path) { return sd_asprintf("%s.input.json", output_path); }

static char *shard_text(const sd_shard *shard) {
  if (!shard || shard->count <= 1) return sd_strdup("all");
  return sd_asprintf("%llu/%llu", (unsigned long long)shard->index, (unsigned long long)shard->count);
}

/* The sidecar is complete or absent (util/atomic_file.h). */
static int write_sidecar(const char *path, const char *text, char *err, size_t err_len) {
  char why[256] = "out of memory";
  sd_atomic_file af;
  if (!path || !text || !sd_atomic_open(&af, path, why, sizeof(why))) {
    snprintf(err, err_len, "cannot record the input's identity in %s: %s", path ? path : "?", why);
    return -1;
  }
  if (fputs(text, af.fp) == EOF || fputc('\n', af.fp) == EOF) {
    sd_atomic_abort(&af);
    snprintf(err, err_len, "cannot record the input's identity in %s: %s", path, strerror(errno));
    return -1;
  }
  if (sd_atomic_commit(&af, why, sizeof(why)) != 0) {
    snprintf(err, err_len, "cannot record the input's identity in %s: %s", path, why);
    return -1;
  }
  return 0;
}

int sd_identity_record(const char *output_path, const char *input_path, const sd_input_identity *id,
                       const sd_shard *shard, char *err, size_t err_len) {
  char *path = sd_identity_path(output_path);
  char *shards = shard_text(shard), *abs = input_path && strcmp(input_path, "-") ? realpath(input_path, NULL) : NULL;
  sd_jw w;
  sd_jw_init(&w, 512);
  sd_jw_object_begin(&w);
  sd_jw_key(&w, "stsdane_scan_input");
  sd_jw_int64(&w, 1);
  sd_jw_key(&w, "path");
  sd_jw_string(&w, abs ? abs : input_path && strcmp(input_path, "-") ? input_path : "-");
  sd_jw_key(&w, "shard");
  sd_jw_string(&w, shards ? shards : "all");
  if (id->known) {
    sd_jw_key(&w, "size");
    sd_jw_uint64(&w, id->size);
    sd_jw_key(&w, "lines");
    sd_jw_uint64(&w, id->lines);
    sd_jw_key(&w, "sha256");
    sd_jw_string(&w, id->sha256);
  }
  sd_jw_object_end(&w);
  char *text = sd_jw_finish(&w);
  int rc = write_sidecar(path, text, err, err_len);
  free(text);
  free(path);
  free(shards);
  free(abs);
  return rc;
}

static cJSON *read_sidecar(const char *path, int *missing) {
  *missing = 0;
  FILE *fp = fopen(path, "r");
  if (!fp) {
    *missing = errno == ENOENT;
    return NULL;
  }
  char *buf = malloc(SIDECAR_MAX + 1);
  size_t n = buf ? fread(buf, 1, SIDECAR_MAX, fp) : 0;
  fclose(fp);
  cJSON *j = buf ? cJSON_ParseWithLength(buf, n) : NULL;
  free(buf);
  return j;
}

static const char *jstr(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The difference between the recorded input and this one, or NULL. */
static char *difference(const cJSON *j, const sd_input_identity *id, const char *shards) {
  const char *rec_shard = jstr(j, "shard"), *rec_sha = jstr(j, "sha256"), *rec_path = jstr(j, "path");
  if (!rec_shard || strcmp(rec_shard, shards) != 0)
    return sd_asprintf("it was started with shard %s, this run is shard %s", rec_shard ? rec_shard : "?", shards);
  if (!rec_sha && !id->known) return NULL; /* standard input both times: nothing to compare */
  if (!rec_sha)
    return sd_asprintf("it was started from %s (standard input or a pipe, which cannot be compared)",
                       rec_path ? rec_path : "?");
  if (!id->known) return sd_asprintf("it was started from the file %s, this input is a pipe", rec_path ? rec_path : "?");
  if ((uint64_t)jnum(j, "size") != id->size || strcmp(rec_sha, id->sha256) != 0)
    return sd_asprintf("it was started with %s (%.0f bytes, %.0f lines, SHA-256 %.16s...), this input has %llu bytes, "
                       "%llu lines, SHA-256 %.16s...",
                       rec_path ? rec_path : "?", jnum(j, "size"), jnum(j, "lines"), rec_sha,
                       (unsigned long long)id->size, (unsigned long long)id->lines, id->sha256);
  return NULL;
}

int sd_identity_check(const char *output_path, const char *input_path, const sd_input_identity *id,
                      const sd_shard *shard, char *err, size_t err_len, char *warn, size_t warn_len) {
  (void)input_path;
  if (warn_len) warn[0] = '\0';
  char *path = sd_identity_path(output_path), *shards = shard_text(shard);
  if (!path || !shards) {
    free(path);
    free(shards);
    snprintf(err, err_len, "out of memory");
    return -1;
  }
  int missing, rc = 0;
  cJSON *j = read_sidecar(path, &missing);
  if (!j && missing) {
    snprintf(warn, warn_len, "%s holds no record of the input it was started with (%s is missing: an older "
             "stsdane or a copied file); make sure the input is the same list", output_path, path);
  } else if (!j || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "stsdane_scan_input"))) {
    snprintf(err, err_len, "cannot read %s (the record of %s's input): %s", path, output_path,
             j ? "not a record written by stsdane scan" : strerror(errno ? errno : EINVAL));
    rc = -1;
  } else {
    char *diff = difference(j, id, shards);
    if (diff) {
      snprintf(err, err_len, "%s belongs to another input: %s. Resume with the same list (and --shard), or pass "
               "--other-input to continue anyway (rows are keyed by line number)", output_path, diff);
      rc = -2;
    }
    free(diff);
  }
  cJSON_Delete(j);
  free(path);
  free(shards);
  return rc;
}
