#include "core/verify_memo.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/hash.h"
#include "util/str.h"

/* Results older than this (by verification time) are recomputed: validity
 * periods are checked against the time, and a long scan moves on. */
#define SD_MEMO_MAX_SKEW 300

typedef struct memo_entry {
  char *key;
  uint64_t hash;
  time_t now;
  int is_dane;
  sd_pkix_result pkix;
  sd_dane_result dane;
  struct memo_entry *next;
} memo_entry;

struct sd_verify_memo {
  memo_entry **buckets;
  size_t bucket_count;
  size_t count;
  size_t capacity;
  size_t hits;
};

sd_verify_memo *sd_verify_memo_new(size_t capacity) {
  sd_verify_memo *m = calloc(1, sizeof(*m));
  if (!m) return NULL;
  m->capacity = capacity ? capacity : 8192;
  m->bucket_count = 1024;
  while (m->bucket_count < m->capacity) m->bucket_count *= 2;
  m->buckets = calloc(m->bucket_count, sizeof(*m->buckets));
  if (!m->buckets) {
    free(m);
    return NULL;
  }
  return m;
}

static void entry_free(memo_entry *e) {
  sd_pkix_result_free(&e->pkix);
  sd_dane_result_free(&e->dane);
  free(e->key);
  free(e);
}

static void memo_clear(sd_verify_memo *m) {
  for (size_t i = 0; i < m->bucket_count; i++) {
    for (memo_entry *e = m->buckets[i], *next; e; e = next) {
      next = e->next;
      entry_free(e);
    }
    m->buckets[i] = NULL;
  }
  m->count = 0;
}

void sd_verify_memo_free(sd_verify_memo *m) {
  if (!m) return;
  memo_clear(m);
  free(m->buckets);
  free(m);
}

size_t sd_verify_memo_hits(const sd_verify_memo *m) { return m ? m->hits : 0; }

static uint64_t fnv1a(const char *s) { return sd_fnv1a64(s, strlen(s)); }

/* The chain enters the key as the SHA-256 of all its certificates. */
static void chain_digest(const sd_chain *chain, sd_buf *key) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(ctx);
    key->failed = 1;
    return;
  }
  for (size_t i = 0; i < chain->count; i++) {
    uint64_t n = chain->certs[i].len; /* length-prefixed: no ambiguity between splits */
    EVP_DigestUpdate(ctx, &n, sizeof(n));
    EVP_DigestUpdate(ctx, chain->certs[i].der, chain->certs[i].len);
  }
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  char *hex = sd_hex(md, len);
  if (hex) sd_buf_puts(key, hex);
  else key->failed = 1;
  free(hex);
}

static memo_entry *find(sd_verify_memo *m, const char *key, uint64_t hash, time_t now) {
  for (memo_entry *e = m->buckets[hash & (m->bucket_count - 1)]; e; e = e->next)
    if (e->hash == hash && strcmp(e->key, key) == 0 && llabs((long long)(e->now - now)) <= SD_MEMO_MAX_SKEW)
      return e;
  return NULL;
}

static memo_entry *insert(sd_verify_memo *m, char *key, uint64_t hash, time_t now) {
  if (m->count >= m->capacity) memo_clear(m);
  memo_entry *e = calloc(1, sizeof(*e));
  if (!e) return NULL;
  e->key = key;
  e->hash = hash;
  e->now = now;
  size_t slot = hash & (m->bucket_count - 1);
  e->next = m->buckets[slot];
  m->buckets[slot] = e;
  m->count++;
  return e;
}

static void pkix_copy(sd_pkix_result *dst, const sd_pkix_result *src) {
  *dst = *src;
  for (size_t i = 0; i < src->error_count && i < SD_PKIX_MAX_ERRORS; i++) dst->details[i] = sd_strdup(src->details[i]);
  dst->leaf_subject = sd_strdup(src->leaf_subject);
  dst->leaf_sans = sd_strdup(src->leaf_sans);
}

static void dane_copy(sd_dane_result *dst, const sd_dane_result *src) {
  *dst = *src;
  dst->matched = sd_strdup(src->matched);
  dst->detail = sd_strdup(src->detail);
}

void sd_memo_pkix_verify(sd_verify_memo *m, const sd_chain *chain, X509_STORE *trust, const char *hostname,
                         time_t now, sd_pkix_result *out) {
  if (!m) {
    sd_pkix_verify(chain, trust, hostname, now, out);
    return;
  }
  sd_buf key = {0};
  sd_buf_printf(&key, "P|%s|", hostname ? hostname : "");
  chain_digest(chain, &key);
  if (key.failed) {
    sd_buf_free(&key);
    sd_pkix_verify(chain, trust, hostname, now, out);
    return;
  }
  uint64_t hash = fnv1a(key.data);
  memo_entry *e = find(m, key.data, hash, now);
  if (e) {
    m->hits++;
    pkix_copy(out, &e->pkix);
    sd_buf_free(&key);
    return;
  }
  sd_pkix_verify(chain, trust, hostname, now, out);
  e = insert(m, sd_buf_take(&key), hash, now);
  if (e) pkix_copy(&e->pkix, out);
}

void sd_memo_dane_verify(sd_verify_memo *m, const sd_chain *chain, const sd_tlsa *rrs, size_t count,
                         const char *base_domain, const char *const *names, size_t name_count, time_t now,
                         sd_dane_result *out) {
  if (!m) {
    sd_dane_verify(chain, rrs, count, base_domain, names, name_count, now, out);
    return;
  }
  sd_buf key = {0};
  sd_buf_printf(&key, "D|%s|", base_domain ? base_domain : "");
  for (size_t i = 0; i < name_count; i++) sd_buf_printf(&key, "%s,", names[i]);
  for (size_t i = 0; i < count; i++) {
    char *t = sd_tlsa_format(&rrs[i]);
    sd_buf_printf(&key, "|%s", t ? t : "?");
    free(t);
  }
  sd_buf_puts(&key, "|");
  chain_digest(chain, &key);
  if (key.failed) {
    sd_buf_free(&key);
    sd_dane_verify(chain, rrs, count, base_domain, names, name_count, now, out);
    return;
  }
  uint64_t hash = fnv1a(key.data);
  memo_entry *e = find(m, key.data, hash, now);
  if (e) {
    m->hits++;
    dane_copy(out, &e->dane);
    sd_buf_free(&key);
    return;
  }
  sd_dane_verify(chain, rrs, count, base_domain, names, name_count, now, out);
  e = insert(m, sd_buf_take(&key), hash, now);
  if (e) {
    e->is_dane = 1;
    dane_copy(&e->dane, out);
  }
}
