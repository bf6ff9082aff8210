#include "core/verify_memo.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/hash.h"
#include "util/str.h"
#include "util/table.h"

/* Results older than this (by verification time) are recomputed: validity
 * periods are checked against the time, and a long scan moves on. */
#define SD_MEMO_MAX_SKEW 300

typedef struct memo_entry {
  sd_table_link link;
  char *key;
  time_t now;
  int is_dane;
  sd_pkix_result pkix;
  sd_dane_result dane;
} memo_entry;

struct sd_verify_memo {
  sd_table entries;
  size_t capacity;
  size_t hits;
};

sd_verify_memo *sd_verify_memo_new(size_t capacity) {
  sd_verify_memo *m = calloc(1, sizeof(*m));
  if (!m) return NULL;
  m->capacity = capacity ? capacity : 8192;
  return m;
}

static void entry_free(sd_table_link *l, void *arg) {
  memo_entry *e = SD_TABLE_ITEM(l, memo_entry, link);
  sd_pkix_result_free(&e->pkix);
  sd_dane_result_free(&e->dane);
  free(e->key);
  free(e);
}

static void memo_clear(sd_verify_memo *m) {
  sd_table_each(&m->entries, entry_free, NULL);
  sd_table_free(&m->entries);
}

void sd_verify_memo_free(sd_verify_memo *m) {
  if (!m) return;
  memo_clear(m);
  free(m);
}

size_t sd_verify_memo_hits(const sd_verify_memo *m) { return m ? m->hits : 0; }

size_t sd_verify_memo_size(const sd_verify_memo *m) { return m ? m->entries.count : 0; }

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

typedef struct memo_key {
  const char *key;
  time_t now;
} memo_key;

static int memo_matches(const sd_table_link *l, const void *key) {
  const memo_entry *e = SD_TABLE_ITEM(l, memo_entry, link);
  const memo_key *k = key;
  return strcmp(e->key, k->key) == 0 && llabs((long long)(e->now - k->now)) <= SD_MEMO_MAX_SKEW;
}

static memo_entry *find(sd_verify_memo *m, const char *key, uint64_t hash, time_t now) {
  memo_key k = {key, now};
  sd_table_link *l = sd_table_find(&m->entries, hash, memo_matches, &k);
  return l ? SD_TABLE_ITEM(l, memo_entry, link) : NULL;
}

/* Takes key. When full the memo starts over: simpler than an eviction
 * order, and a scan refills what it still uses within a few domains. */
static memo_entry *insert(sd_verify_memo *m, char *key, uint64_t hash, time_t now) {
  if (m->entries.count >= m->capacity) memo_clear(m);
  memo_entry *e = calloc(1, sizeof(*e));
  if (!e || sd_table_add(&m->entries, &e->link, hash) != 0) {
    free(e);
    free(key);
    return NULL;
  }
  e->key = key;
  e->now = now;
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
