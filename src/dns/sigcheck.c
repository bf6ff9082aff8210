#include "dns/sigcheck.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "dns/sigcrypto.h"
#include "dns/sigworker.h"


#define DNSKEY_ZONE 0x0100u
#define DNSKEY_REVOKE 0x0080u

/* Largest RRset we put in canonical form: bigger ones take getdns's path. */
#define SIGNED_DATA_MAX (128 * 1024)

/* A cache slot: the key of a signature checked, and what it gave. */
typedef struct slot {
  uint8_t key[16];
  uint8_t state; /* 0 empty, SLOT_VALID, SLOT_INVALID */
} slot;
enum { SLOT_VALID = 1, SLOT_INVALID = 2 };

/* A signature on the worker, and who waits for it. */
typedef struct pending {
  uint8_t key[16];
  void **waiters;
  size_t waiter_count;
  struct pending *next;
} pending;

#define PENDING_BUCKETS 1024

struct sd_sigcheck {
  sd_sigcrypto crypto;  /* synchronous verification */
  EVP_MD_CTX *hash_ctx;
  slot *slots;
  size_t slot_mask;
  sd_sigworker *worker; /* NULL: verify synchronously */
  sd_sigcheck_ready ready;
  void *ready_ctx;
  pending *pending[PENDING_BUCKETS];
  uint8_t *scratch; /* canonical rdata of the RRset members, then the signed data */
  size_t scratch_cap;
  size_t verified, cache_hits, queued;
};

static uint16_t get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- keys ------------------------------------------------------------------------- */

static uint16_t key_tag(const uint8_t *rdata, size_t len) { /* RFC 4034 Appendix B */
  uint32_t ac = 0;
  for (size_t i = 0; i < len; i++) ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
  ac += (ac >> 16) & 0xFFFF;
  return (uint16_t)(ac & 0xFFFF);
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld) {
  EVP_PKEY *pkey = NULL;
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
  if (ctx && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

/* RFC 3110 §2: exponent length (1 byte, or 0 and 2 bytes), exponent, modulus. */
static EVP_PKEY *rsa_key(const uint8_t *k, size_t len) {
  size_t elen, off;
  if (len < 3) return NULL;
  if (k[0]) {
    elen = k[0];
    off = 1;
  } else {
    elen = get16(k + 1);
    off = 3;
  }
  if (elen == 0 || off + elen >= len || len - off - elen > 1024) return NULL; /* modulus up to 8192 bits */
  BIGNUM *e = BN_bin2bn(k + off, (int)elen, NULL), *n = BN_bin2bn(k + off + elen, (int)(len - off - elen), NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  EVP_PKEY *pkey = NULL;
  if (e && n && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
    pkey = pkey_from_params("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  BN_free(e);
  BN_free(n);
  return pkey;
}

/* RFC 6605 §4: X | Y, as an uncompressed point. */
static EVP_PKEY *ec_key(const uint8_t *k, size_t len, const char *group, size_t want) {
  uint8_t point[1 + 96];
  if (len != want) return NULL;
  point[0] = 0x04;
  memcpy(point + 1, k, len);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  EVP_PKEY *pkey = NULL;
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len + 1) == 1)
    pkey = pkey_from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

int sd_dnskey_parse(const uint8_t *rdata, size_t len, sd_dnskey *key) {
  memset(key, 0, sizeof(*key));
  if (len < 5 || rdata[2] != 3) return -1; /* protocol must be 3 */
  key->flags = get16(rdata);
  key->algorithm = rdata[3];
  if (!(key->flags & DNSKEY_ZONE) || (key->flags & DNSKEY_REVOKE)) return -1;
  key->tag = key_tag(rdata, len);
  const uint8_t *k = rdata + 4;
  size_t klen = len - 4;
  switch (key->algorithm) {
  case SD_ALG_RSASHA256:
  case SD_ALG_RSASHA512: key->pkey = rsa_key(k, klen); break;
  case SD_ALG_ECDSAP256: key->pkey = ec_key(k, klen, "prime256v1", 64); break;
  case SD_ALG_ECDSAP384: key->pkey = ec_key(k, klen, "secp384r1", 96); break;
  case SD_ALG_ED25519: key->pkey = klen == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k, klen) : NULL; break;
  case SD_ALG_ED448: key->pkey = klen == 57 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, k, klen) : NULL; break;
  default: break;
  }
  if (!key->pkey) return -1;
  unsigned int dlen = 0;
  if (EVP_Digest(rdata, len, key->digest, &dlen, EVP_sha256(), NULL) != 1) {
    sd_dnskey_clear(key);
    return -1;
  }
  return 0;
}

void sd_dnskey_clear(sd_dnskey *key) {
  EVP_PKEY_free(key->pkey);
  memset(key, 0, sizeof(*key));
}

/* ---- the verifier -------------------------------------------------------------------- */

sd_sigcheck *sd_sigcheck_new(size_t cache_slots) {
  sd_sigcheck *v = calloc(1, sizeof(*v));
  if (!v) return NULL;
  size_t n = 1;
  while (n < (cache_slots ? cache_slots : 32768) && n < ((size_t)1 << 24)) n <<= 1;
  v->slots = calloc(n, sizeof(*v->slots));
  v->slot_mask = n - 1;
  v->hash_ctx = EVP_MD_CTX_new();
  if (!v->slots || !v->hash_ctx || sd_sigcrypto_init(&v->crypto) != 0) {
    sd_sigcheck_free(v);
    return NULL;
  }
  return v;
}

static void on_worker_done(void *ctx, sd_sigjob *jobs);

int sd_sigcheck_use_worker(sd_sigcheck *v, struct event_base *base, sd_sigcheck_ready ready, void *ctx) {
  v->worker = sd_sigworker_new(base, on_worker_done, v);
  if (!v->worker) return -1;
  v->ready = ready;
  v->ready_ctx = ctx;
  return 0;
}

void sd_sigcheck_free(sd_sigcheck *v) {
  if (!v) return;
  sd_sigworker_free(v->worker);
  for (size_t i = 0; i < PENDING_BUCKETS; i++) {
    for (pending *p = v->pending[i], *next; p; p = next) {
      next = p->next;
      free(p->waiters);
      free(p);
    }
  }
  sd_sigcrypto_clear(&v->crypto);
  EVP_MD_CTX_free(v->hash_ctx);
  free(v->slots);
  free(v->scratch);
  free(v);
}

size_t sd_sigcheck_verified(const sd_sigcheck *v) { return v->verified; }
size_t sd_sigcheck_cache_hits(const sd_sigcheck *v) { return v->cache_hits; }
size_t sd_sigcheck_queued(const sd_sigcheck *v) { return v->queued; }

static int reserve(sd_sigcheck *v, size_t need) {
  if (need <= v->scratch_cap) return 0;
  if (need > 2 * SIGNED_DATA_MAX) return -1;
  size_t cap = v->scratch_cap ? v->scratch_cap : 4096;
  while (cap < need) cap *= 2;
  uint8_t *p = realloc(v->scratch, cap);
  if (!p) return -1;
  v->scratch = p;
  v->scratch_cap = cap;
  return 0;
}

int sd_rrsig_read(const sd_wire_msg *m, const sd_wire_rr *sig, sd_rrsig_fields *f) {
  const uint8_t *p = m->buf + sig->rdata_off;
  size_t end = sig->rdata_off + sig->rdlength, pos = sig->rdata_off + 18;
  if (sig->type != 46 || sig->rdlength < 18 + 1) return -1;
  f->covered = get16(p);
  f->algorithm = p[2];
  f->labels = p[3];
  f->original_ttl = get32(p + 4);
  f->expiration = get32(p + 8);
  f->inception = get32(p + 12);
  f->key_tag = get16(p + 16);
  /* The signer name is never compressed (RFC 4034 §3.1.7); reading it
   * bounded by the rdata refuses pointers past the record. */
  if (sd_wire_read_name(m->buf, end, &pos, &f->signer) != 0 || pos >= end) return -1;
  f->signature_off = pos;
  f->signature_len = end - pos;
  f->signed_len = 18 + f->signer.len;
  return 0;
}

/* ---- canonical RRset ------------------------------------------------------------------ */

typedef struct member {
  size_t off, len; /* canonical rdata in scratch */
} member;

/* Canonical RR order (RFC 4034 §6.3): rdata as unsigned octet strings, a
 * prefix first. */
static int member_compare(const uint8_t *scratch, const member *x, const member *y) {
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(scratch + x->off, scratch + y->off, n);
  if (c) return c;
  return x->len == y->len ? 0 : (x->len < y->len ? -1 : 1);
}

/* Insertion sort: RRsets are small, and qsort would need a global for scratch. */
static void sort_members(const uint8_t *scratch, member *mem, size_t count) {
  for (size_t i = 1; i < count; i++) {
    member cur = mem[i];
    size_t j = i;
    while (j > 0 && member_compare(scratch, &mem[j - 1], &cur) > 0) {
      mem[j] = mem[j - 1];
      j--;
    }
    mem[j] = cur;
  }
}

/* The owner as signed: lower case, and "*." + the last `labels` labels for a
 * wildcard expansion (RFC 4035 §5.3.2). */
static int signed_owner(const sd_wire_name *owner, int labels, sd_wire_name *out) {
  int have = sd_wire_name_labels(owner);
  if (labels > have) return -1;
  if (labels == have) {
    *out = *owner;
  } else {
    sd_wire_name tail;
    sd_wire_name_suffix(owner, labels, &tail);
    out->data[0] = 1;
    out->data[1] = '*';
    memcpy(out->data + 2, tail.data, tail.len);
    out->len = (uint8_t)(tail.len + 2);
  }
  sd_wire_name_lower(out);
  return 0;
}

/* Builds the data RRSIG `sig` signs into scratch from *start on; returns its
 * length or -1. */
static long build_signed_data(sd_sigcheck *v, const sd_wire_msg *m, const sd_wire_rr *sig, const sd_rrsig_fields *f,
                              size_t *start_out) {
  member members[SD_WIRE_MAX_RRS];
  size_t count = 0, used = 0;
  sd_wire_name owner;
  if (signed_owner(&sig->owner, f->labels, &owner) != 0) return -1;
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *rr = &m->rr[i];
    if (rr->section != sig->section || rr->type != f->covered || rr->rclass != sig->rclass ||
        !sd_wire_name_equal(&rr->owner, &sig->owner))
      continue;
    if (reserve(v, used + rr->rdlength + 2 * SD_WIRE_NAME_MAX + 64) != 0) return -1;
    long n = sd_wire_rdata_expand(m, rr, v->scratch + used, v->scratch_cap - used, 1);
    if (n < 0) return -1;
    members[count++] = (member){used, (size_t)n};
    used += (size_t)n;
  }
  if (count == 0) return -1;
  sort_members(v->scratch, members, count);
  /* The signed data goes after the members: RRSIG rdata, then each distinct RR. */
  size_t start = used, need = f->signed_len;
  *start_out = start;
  for (size_t i = 0; i < count; i++) need += owner.len + 10 + members[i].len;
  if (need > SIGNED_DATA_MAX || reserve(v, used + need) != 0) return -1;
  uint8_t *o = v->scratch + start;
  memcpy(o, m->buf + sig->rdata_off, 18);
  sd_wire_name signer = f->signer;
  sd_wire_name_lower(&signer);
  memcpy(o + 18, signer.data, signer.len);
  o += f->signed_len;
  for (size_t i = 0; i < count; i++) {
    if (i && member_compare(v->scratch, &members[i - 1], &members[i]) == 0) continue; /* duplicates count once */
    memcpy(o, owner.data, owner.len);
    o += owner.len;
    uint8_t fixed[10] = {(uint8_t)(f->covered >> 8), (uint8_t)f->covered, (uint8_t)(sig->rclass >> 8),
                         (uint8_t)sig->rclass, (uint8_t)(f->original_ttl >> 24), (uint8_t)(f->original_ttl >> 16),
                         (uint8_t)(f->original_ttl >> 8), (uint8_t)f->original_ttl,
                         (uint8_t)(members[i].len >> 8), (uint8_t)members[i].len};
    memcpy(o, fixed, 10);
    o += 10;
    memcpy(o, v->scratch + members[i].off, members[i].len);
    o += members[i].len;
  }
  return (long)(o - (v->scratch + start));
}

/* ---- the cache, and verifying now or on the worker ------------------------------------------- */

static void cache_key(sd_sigcheck *v, const sd_dnskey *key, const uint8_t *data, size_t len, const uint8_t *sig,
                      size_t sig_len, uint8_t out[16]) {
  uint8_t h[32];
  unsigned int n = 0;
  if (EVP_DigestInit_ex(v->hash_ctx, v->crypto.sha256, NULL) != 1 || EVP_DigestUpdate(v->hash_ctx, key->digest, 32) != 1 ||
      EVP_DigestUpdate(v->hash_ctx, data, len) != 1 || EVP_DigestUpdate(v->hash_ctx, sig, sig_len) != 1 ||
      EVP_DigestFinal_ex(v->hash_ctx, h, &n) != 1)
    memset(h, 0, sizeof(h)); /* an all-zero key is never stored nor looked up */
  memcpy(out, h, 16);
}

static int zero_key(const uint8_t k[16]) {
  for (int i = 0; i < 16; i++)
    if (k[i]) return 0;
  return 1;
}

static slot *slot_of(sd_sigcheck *v, const uint8_t k[16]) {
  uint64_t i = 0;
  memcpy(&i, k + 8, sizeof(i));
  return &v->slots[i & v->slot_mask];
}

/* SLOT_VALID, SLOT_INVALID, or 0 when not known. */
static int cached(sd_sigcheck *v, const uint8_t k[16]) {
  slot *s = slot_of(v, k);
  return !zero_key(k) && s->state && memcmp(s->key, k, 16) == 0 ? s->state : 0;
}

static void remember(sd_sigcheck *v, const uint8_t k[16], int state) {
  if (zero_key(k)) return;
  slot *s = slot_of(v, k);
  memcpy(s->key, k, 16);
  s->state = (uint8_t)state;
}

static pending **pending_ref(sd_sigcheck *v, const uint8_t k[16]) {
  uint32_t b = 0;
  memcpy(&b, k, sizeof(b));
  pending **pp = &v->pending[b % PENDING_BUCKETS];
  while (*pp && memcmp((*pp)->key, k, 16) != 0) pp = &(*pp)->next;
  return pp;
}

static int add_waiter(pending *p, void *waiter) {
  void **w = realloc(p->waiters, (p->waiter_count + 1) * sizeof(*w));
  if (!w) return -1;
  p->waiters = w;
  w[p->waiter_count++] = waiter;
  return 0;
}

/* Hands the signature to the worker (once, however many wait for it) and
 * registers waiter. -1: could not; the caller verifies now. */
static int queue(sd_sigcheck *v, const uint8_t k[16], const sd_dnskey *key, const uint8_t *data, size_t len,
                 const uint8_t *sig, size_t sig_len, void *waiter) {
  pending **pp = pending_ref(v, k);
  if (*pp) return add_waiter(*pp, waiter);
  pending *p = calloc(1, sizeof(*p));
  sd_sigjob *job = p ? sd_sigjob_new(k, key->pkey, key->algorithm, data, len, sig, sig_len) : NULL;
  if (!job || add_waiter(p, waiter) != 0) {
    sd_sigjob_free(job);
    if (p) free(p->waiters);
    free(p);
    return -1;
  }
  memcpy(p->key, k, 16);
  *pp = p;
  v->queued++;
  sd_sigworker_submit(v->worker, job);
  return 0;
}

static void on_worker_done(void *ctx, sd_sigjob *jobs) {
  sd_sigcheck *v = ctx;
  while (jobs) {
    sd_sigjob *next = jobs->next;
    int valid = jobs->valid;
    remember(v, jobs->key, valid ? SLOT_VALID : SLOT_INVALID);
    v->verified++;
    pending **pp = pending_ref(v, jobs->key), *p = *pp;
    if (p) *pp = p->next;
    sd_sigjob_free(jobs);
    /* The result is in the cache: each waiter judges its reply again. */
    for (size_t i = 0; p && i < p->waiter_count; i++) v->ready(v->ready_ctx, p->waiters[i], valid);
    if (p) {
      free(p->waiters);
      free(p);
    }
    jobs = next;
  }
}

/* Serial number arithmetic (RFC 4034 §3.1.5, RFC 1982). */
static int within_validity(const sd_rrsig_fields *f, uint32_t now) {
  return (int32_t)(now - f->inception) >= 0 && (int32_t)(f->expiration - now) >= 0;
}

sd_sig_result sd_sigcheck_rrset(sd_sigcheck *v, const sd_wire_msg *m, const sd_wire_rr *sig, const sd_wire_name *zone,
                                const sd_dnskey *keys, size_t key_count, uint32_t now, void *waiter) {
  sd_rrsig_fields f;
  if (sd_rrsig_read(m, sig, &f) != 0 || !sd_wire_name_equal(&f.signer, zone) ||
      !sd_wire_name_is_at_or_below(&sig->owner, zone))
    return SD_SIG_UNSUPPORTED;
  if (!within_validity(&f, now)) return SD_SIG_TIME;
  size_t start = 0;
  long len = build_signed_data(v, m, sig, &f, &start);
  if (len < 0) return SD_SIG_UNSUPPORTED;
  const uint8_t *data = v->scratch + start, *signature = m->buf + f.signature_off;
  for (size_t i = 0; i < key_count; i++) {
    const sd_dnskey *key = &keys[i];
    if (key->tag != f.key_tag || key->algorithm != f.algorithm) continue;
    uint8_t k[16];
    cache_key(v, key, data, (size_t)len, signature, f.signature_len, k);
    int state = cached(v, k);
    if (state == SLOT_VALID) {
      v->cache_hits++;
      return SD_SIG_VALID;
    }
    if (state == SLOT_INVALID) continue; /* a key tag collision, or a bad signature: try the next key */
    if (v->worker && waiter &&
        queue(v, k, key, data, (size_t)len, signature, f.signature_len, waiter) == 0)
      return SD_SIG_PENDING;
    v->verified++;
    int valid = sd_sigcrypto_verify(&v->crypto, key->algorithm, key->pkey, data, (size_t)len, signature, f.signature_len);
    remember(v, k, valid ? SLOT_VALID : SLOT_INVALID);
    if (valid) return SD_SIG_VALID;
  }
  return SD_SIG_INVALID;
}
