#include "dns/zonekeys.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <getdns/getdns_extra.h>

#include "util/str.h"

/* ---- names ------------------------------------------------------------------ */

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

static uint64_t name_hash(const char *name) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a over the lower-cased name */
  for (const char *p = name; *p; p++) h = (h ^ (uint8_t)lower(*p)) * 1099511628211ULL;
  return h;
}

static int name_equal(const char *a, const char *b) {
  while (*a && *b && lower(*a) == lower(*b)) a++, b++;
  return *a == *b;
}

int sd_name_is_at_or_below(const char *name, const char *ancestor) {
  size_t n = strlen(name), a = strlen(ancestor);
  if (a == 0) return 1; /* the root is everybody's ancestor */
  if (a > n) return 0;
  const char *tail = name + (n - a);
  if (tail != name && tail[-1] != '.') return 0;
  return name_equal(tail, ancestor);
}

/* Wire-format name to lower-case text without the trailing dot ("" = root). */
static int wire_name_text(const getdns_bindata *wire, char *out, size_t out_len) {
  char *fqdn = NULL;
  if (!wire || getdns_convert_dns_name_to_fqdn(wire, &fqdn) != GETDNS_RETURN_GOOD || !fqdn) return -1;
  size_t n = strlen(fqdn);
  if (n > 0 && fqdn[n - 1] == '.') fqdn[--n] = '\0';
  int ok = n < out_len;
  if (ok) {
    for (size_t i = 0; i <= n; i++) out[i] = lower(fqdn[i]);
  }
  free(fqdn);
  return ok ? 0 : -1;
}

/* ---- table ------------------------------------------------------------------ */

int sd_zone_table_init(sd_zone_table *t, size_t capacity) {
  memset(t, 0, sizeof(*t));
  t->capacity = capacity ? capacity : 1;
  t->bucket_count = 256;
  t->buckets = calloc(t->bucket_count, sizeof(*t->buckets));
  return t->buckets ? 0 : -1;
}

sd_zone *sd_zone_table_find(const sd_zone_table *t, const char *name) {
  uint64_t h = name_hash(name);
  for (sd_zone *z = t->buckets[h & (t->bucket_count - 1)]; z; z = z->bucket_next)
    if (z->hash == h && name_equal(z->name, name)) return z;
  return NULL;
}

static void grow(sd_zone_table *t) {
  size_t n = t->bucket_count * 2;
  sd_zone **b = calloc(n, sizeof(*b));
  if (!b) return; /* longer chains: slower, still correct */
  for (size_t i = 0; i < t->bucket_count; i++) {
    for (sd_zone *z = t->buckets[i], *next; z; z = next) {
      next = z->bucket_next;
      z->bucket_next = b[z->hash & (n - 1)];
      b[z->hash & (n - 1)] = z;
    }
  }
  free(t->buckets);
  t->buckets = b;
  t->bucket_count = n;
}

sd_zone *sd_zone_table_get(sd_zone_table *t, const char *name, int *created) {
  *created = 0;
  sd_zone *z = sd_zone_table_find(t, name);
  if (z) return z;
  z = calloc(1, sizeof(*z));
  if (!z || !(z->name = sd_strdup(name))) {
    free(z);
    return NULL;
  }
  sd_str_lower(z->name);
  z->hash = name_hash(name);
  z->state = SD_ZONE_PENDING;
  if (t->count >= t->bucket_count) grow(t);
  size_t slot = z->hash & (t->bucket_count - 1);
  z->bucket_next = t->buckets[slot];
  t->buckets[slot] = z;
  t->count++;
  *created = 1;
  return z;
}

static void free_zone(sd_zone *z) {
  for (sd_zone_parked *p = z->parked, *next; p; p = next) {
    next = p->next;
    if (p->response) getdns_dict_destroy(p->response);
    free(p);
  }
  if (z->keys) getdns_list_destroy(z->keys);
  free(z->name);
  free(z);
}

static void unlink_bucket(sd_zone_table *t, sd_zone *z) {
  sd_zone **pp = &t->buckets[z->hash & (t->bucket_count - 1)];
  while (*pp && *pp != z) pp = &(*pp)->bucket_next;
  if (*pp) *pp = z->bucket_next;
  t->count--;
}

void sd_zone_table_settled(sd_zone_table *t, sd_zone *z) {
  z->fifo_next = NULL;
  if (t->fifo_tail)
    t->fifo_tail->fifo_next = z;
  else
    t->fifo_head = z;
  t->fifo_tail = z;
  /* Zones still holding parked answers stop the trim; the next one gets them. */
  while (t->count > t->capacity && t->fifo_head && t->fifo_head != z && !t->fifo_head->parked) {
    sd_zone *old = t->fifo_head;
    t->fifo_head = old->fifo_next;
    if (!t->fifo_head) t->fifo_tail = NULL;
    unlink_bucket(t, old);
    free_zone(old);
  }
}

void sd_zone_table_forget(sd_zone_table *t, sd_zone *z) {
  unlink_bucket(t, z);
  free_zone(z);
}

int sd_zone_insecure_ancestor(const sd_zone_table *t, const char *name) {
  for (const char *p = name;;) {
    const sd_zone *z = sd_zone_table_find(t, p);
    if (z && z->state == SD_ZONE_INSECURE) return 1;
    if (!*p) return 0;
    const char *dot = strchr(p, '.');
    p = dot ? dot + 1 : "";
  }
}

void sd_zone_table_destroy(sd_zone_table *t) {
  for (size_t i = 0; t->buckets && i < t->bucket_count; i++) {
    for (sd_zone *z = t->buckets[i], *next; z; z = next) {
      next = z->bucket_next;
      free_zone(z);
    }
  }
  free(t->buckets);
  memset(t, 0, sizeof(*t));
}

/* ---- learning a zone ------------------------------------------------------------ */

static getdns_list *dnskey_records(getdns_list *answer) {
  getdns_list *keys = getdns_list_create();
  size_t n = 0, k = 0;
  getdns_list_get_length(answer, &n);
  for (size_t i = 0; keys && i < n; i++) {
    getdns_dict *rr = NULL;
    uint32_t type = 0;
    if (getdns_list_get_dict(answer, i, &rr) == GETDNS_RETURN_GOOD &&
        getdns_dict_get_int(rr, "type", &type) == GETDNS_RETURN_GOOD && type == GETDNS_RRTYPE_DNSKEY)
      getdns_list_set_dict(keys, k++, rr);
  }
  if (keys && k == 0) {
    getdns_list_destroy(keys);
    keys = NULL;
  }
  return keys;
}

void sd_zone_learn(sd_zone *z, getdns_dict *response) {
  z->state = SD_ZONE_OTHER;
  getdns_dict *reply = NULL;
  uint32_t status = 0, rcode = 99, qr = 0, dnssec = GETDNS_DNSSEC_INDETERMINATE;
  if (!response || getdns_dict_get_int(response, "status", &status) != GETDNS_RETURN_GOOD ||
      (status != GETDNS_RESPSTATUS_GOOD && status != GETDNS_RESPSTATUS_NO_NAME) ||
      getdns_dict_get_dict(response, "/replies_tree/0", &reply) != GETDNS_RETURN_GOOD)
    return;
  getdns_dict_get_int(reply, "/header/rcode", &rcode);
  getdns_dict_get_int(reply, "/header/qr", &qr);
  getdns_dict_get_int(reply, "dnssec_status", &dnssec);
  if (qr != 1 || (rcode != 0 && rcode != 3)) return;
  if (dnssec == GETDNS_DNSSEC_INSECURE) {
    z->state = SD_ZONE_INSECURE;
    return;
  }
  getdns_list *answer = NULL;
  if (dnssec != GETDNS_DNSSEC_SECURE || rcode != 0 ||
      getdns_dict_get_list(reply, "answer", &answer) != GETDNS_RETURN_GOOD)
    return;
  z->keys = dnskey_records(answer);
  if (z->keys) z->state = SD_ZONE_SECURE; /* no keys: a secure name that is not an apex */
}

/* ---- classifying a fast-path reply ------------------------------------------------ */

#define SD_NAME_TEXT_MAX 1100 /* 255 wire bytes, escaped in the worst case */

typedef struct reply_facts {
  int has_alias;      /* CNAME or DNAME in the answer: chains take the full path */
  int signers;        /* distinct RRSIG signer names seen (0, 1, or 2 = "several") */
  char signer[SD_NAME_TEXT_MAX];
  int has_soa;
  char soa_owner[SD_NAME_TEXT_MAX];
} reply_facts;

static void note_signer(reply_facts *f, getdns_dict *rr) {
  getdns_bindata *wire = NULL;
  char name[SD_NAME_TEXT_MAX];
  if (getdns_dict_get_bindata(rr, "/rdata/signers_name", &wire) != GETDNS_RETURN_GOOD ||
      wire_name_text(wire, name, sizeof(name)) != 0) {
    f->signers = 2; /* unreadable: let getdns judge */
    return;
  }
  if (f->signers == 0) {
    memcpy(f->signer, name, strlen(name) + 1);
    f->signers = 1;
  } else if (f->signers == 1 && strcmp(f->signer, name) != 0) {
    f->signers = 2;
  }
}

static void scan_section(reply_facts *f, getdns_dict *reply, const char *section) {
  getdns_list *rrs = NULL;
  size_t n = 0;
  if (getdns_dict_get_list(reply, section, &rrs) != GETDNS_RETURN_GOOD) return;
  getdns_list_get_length(rrs, &n);
  for (size_t i = 0; i < n; i++) {
    getdns_dict *rr = NULL;
    uint32_t type = 0;
    if (getdns_list_get_dict(rrs, i, &rr) != GETDNS_RETURN_GOOD ||
        getdns_dict_get_int(rr, "type", &type) != GETDNS_RETURN_GOOD)
      continue;
    if (type == GETDNS_RRTYPE_RRSIG) {
      note_signer(f, rr);
    } else if ((type == GETDNS_RRTYPE_CNAME || type == GETDNS_RRTYPE_DNAME) && section[0] == 'a' &&
               section[1] == 'n') {
      f->has_alias = 1;
    } else if (type == GETDNS_RRTYPE_SOA && !f->has_soa) {
      getdns_bindata *owner = NULL;
      if (getdns_dict_get_bindata(rr, "name", &owner) == GETDNS_RETURN_GOOD &&
          wire_name_text(owner, f->soa_owner, sizeof(f->soa_owner)) == 0)
        f->has_soa = 1;
    }
  }
}

static sd_fast_verdict need(const char *name, char *zone, size_t zone_len) {
  if (strlen(name) >= zone_len) return SD_FAST_FALLBACK;
  memcpy(zone, name, strlen(name) + 1);
  return SD_FAST_NEED_ZONE;
}

static sd_fast_verdict validate_with(const sd_zone *z, getdns_list *replies) {
  if (!replies) return SD_FAST_FALLBACK;
  getdns_list *none = getdns_list_create();
  if (!none) return SD_FAST_FALLBACK;
  getdns_return_t r = getdns_validate_dnssec2(replies, none, z->keys, time(NULL), 0);
  getdns_list_destroy(none);
  return r == GETDNS_DNSSEC_SECURE ? SD_FAST_SECURE : SD_FAST_FALLBACK;
}

static sd_fast_verdict classify_signed(const sd_zone_table *t, const reply_facts *f, getdns_list *replies,
                                       const char *qname, char *zone, size_t zone_len) {
  /* The signer must be the query name's zone or above it: an answer signed
   * by an unrelated zone proves nothing about qname. */
  if (f->signers != 1 || !sd_name_is_at_or_below(qname, f->signer)) return SD_FAST_FALLBACK;
  if (sd_zone_insecure_ancestor(t, f->signer)) return SD_FAST_INSECURE;
  const sd_zone *z = sd_zone_table_find(t, f->signer);
  if (!z || z->state == SD_ZONE_PENDING) return need(f->signer, zone, zone_len);
  if (z->state == SD_ZONE_SECURE) return validate_with(z, replies);
  return SD_FAST_FALLBACK;
}

static sd_fast_verdict classify_unsigned(const sd_zone_table *t, const reply_facts *f, const char *qname,
                                         char *zone, size_t zone_len) {
  if (sd_zone_insecure_ancestor(t, qname)) return SD_FAST_INSECURE;
  /* Learn the zone the answer came from (the SOA of a negative answer), or
   * else the query name itself: "qname DNSKEY" is insecure exactly when
   * qname lies below an insecure delegation. */
  const char *learn = f->has_soa && sd_name_is_at_or_below(qname, f->soa_owner) ? f->soa_owner : qname;
  const sd_zone *z = sd_zone_table_find(t, learn);
  if (!z || z->state == SD_ZONE_PENDING) return need(learn, zone, zone_len);
  /* Known and not insecure: an unsigned answer below a secure zone is
   * suspicious; getdns's full validation decides. */
  return SD_FAST_FALLBACK;
}

sd_fast_verdict sd_fast_classify(const sd_zone_table *t, getdns_dict *reply, getdns_list *replies,
                                 const char *qname, char *zone, size_t zone_len) {
  uint32_t rcode = 0, qr = 0;
  if (getdns_dict_get_int(reply, "/header/qr", &qr) != GETDNS_RETURN_GOOD || qr != 1) return SD_FAST_AS_IS;
  getdns_dict_get_int(reply, "/header/rcode", &rcode);
  if (rcode != 0 && rcode != 3) return SD_FAST_AS_IS;
  reply_facts f;
  memset(&f, 0, sizeof(f));
  scan_section(&f, reply, "answer");
  scan_section(&f, reply, "authority");
  if (f.has_alias) return SD_FAST_FALLBACK;
  if (f.signers) return classify_signed(t, &f, replies, qname, zone, zone_len);
  return classify_unsigned(t, &f, qname, zone, zone_len);
}
