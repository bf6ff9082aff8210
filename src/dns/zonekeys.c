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
  if (sd_wire_name_from_text(z->name, &z->wire) != 0) {
    free(z->name);
    free(z);
    return NULL;
  }
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

static void free_keys(sd_zone *z) {
  for (size_t i = 0; i < z->key_count; i++) sd_dnskey_clear(&z->keys[i]);
  free(z->keys);
  z->keys = NULL;
  z->key_count = 0;
}

static void free_zone(sd_zone *z) {
  for (sd_zone_parked *p = z->parked, *next; p; p = next) {
    next = p->next;
    free(p->reply);
    free(p);
  }
  free_keys(z);
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

/* The usable zone keys of a validated DNSKEY answer; 0 when there are none. */
static size_t parse_keys(sd_zone *z, getdns_list *answer) {
  size_t n = 0;
  getdns_list_get_length(answer, &n);
  z->keys = calloc(n ? n : 1, sizeof(*z->keys));
  if (!z->keys) return 0;
  for (size_t i = 0; i < n; i++) {
    getdns_dict *rr = NULL;
    getdns_bindata *raw = NULL;
    uint32_t type = 0;
    if (getdns_list_get_dict(answer, i, &rr) == GETDNS_RETURN_GOOD &&
        getdns_dict_get_int(rr, "type", &type) == GETDNS_RETURN_GOOD && type == GETDNS_RRTYPE_DNSKEY &&
        getdns_dict_get_bindata(rr, "/rdata/rdata_raw", &raw) == GETDNS_RETURN_GOOD &&
        sd_dnskey_parse(raw->data, raw->size, &z->keys[z->key_count]) == 0)
      z->key_count++;
  }
  if (z->key_count == 0) free_keys(z);
  return z->key_count;
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
  /* No keys: a secure name that is not an apex, or keys only of algorithms
   * we do not verify ourselves; its answers take getdns's path. */
  if (parse_keys(z, answer)) z->state = SD_ZONE_SECURE;
}

