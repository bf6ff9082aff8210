#include "dns/nsec.h"

#include <string.h>

enum { TYPE_NS = 2, TYPE_SOA = 6, TYPE_CNAME = 5, TYPE_DS = 43, TYPE_DNAME = 39 };

int sd_nsec_read(const sd_wire_msg *m, const sd_wire_rr *rr, sd_nsec *out) {
  size_t end = rr->rdata_off + rr->rdlength, pos = rr->rdata_off;
  if (rr->type != 47) return -1;
  out->owner = rr->owner;
  /* The next name is never compressed; bounded by the rdata. */
  if (sd_wire_read_name(m->buf, end, &pos, &out->next) != 0) return -1;
  out->bitmap = m->buf + pos;
  out->bitmap_len = end - pos;
  /* Windows: number, length 1-32, bits. Malformed maps are refused whole. */
  for (size_t p = 0; p < out->bitmap_len;) {
    if (p + 2 > out->bitmap_len) return -1;
    size_t len = out->bitmap[p + 1];
    if (len < 1 || len > 32 || p + 2 + len > out->bitmap_len) return -1;
    p += 2 + len;
  }
  return 0;
}

int sd_nsec_has_type(const sd_nsec *n, uint16_t type) {
  uint8_t window = (uint8_t)(type >> 8), bit = (uint8_t)(type & 0xFF);
  for (size_t p = 0; p + 2 <= n->bitmap_len;) {
    size_t len = n->bitmap[p + 1];
    if (n->bitmap[p] == window) {
      size_t byte = bit / 8;
      return byte < len && (n->bitmap[p + 2 + byte] & (0x80 >> (bit % 8))) != 0;
    }
    p += 2 + len;
  }
  return 0;
}

int sd_nsec_covers(const sd_nsec *n, const sd_wire_name *name, const sd_wire_name *zone) {
  if (!sd_wire_name_is_at_or_below(name, zone)) return 0;
  int after_owner = sd_wire_name_compare(&n->owner, name) < 0;
  if (sd_wire_name_compare(&n->owner, &n->next) >= 0) /* the last NSEC: wraps to the apex */
    return after_owner;
  return after_owner && sd_wire_name_compare(name, &n->next) < 0;
}

/* An NSEC owned by a delegation point (NS without SOA) or a DNAME speaks
 * for the parent side only: names below it are not this zone's to deny. */
static int is_cut(const sd_nsec *n) {
  return (sd_nsec_has_type(n, TYPE_NS) && !sd_nsec_has_type(n, TYPE_SOA)) || sd_nsec_has_type(n, TYPE_DNAME);
}

int sd_nsec_proves_nodata(const sd_nsec *nsecs, size_t count, const sd_wire_name *qname, uint16_t qtype) {
  if (qtype == TYPE_DS) return 0; /* DS lives on the parent side: not our case */
  for (size_t i = 0; i < count; i++) {
    const sd_nsec *n = &nsecs[i];
    if (!sd_wire_name_equal(&n->owner, qname)) continue;
    return !sd_nsec_has_type(n, qtype) && !sd_nsec_has_type(n, TYPE_CNAME) &&
           !(sd_nsec_has_type(n, TYPE_NS) && !sd_nsec_has_type(n, TYPE_SOA));
  }
  return 0;
}

/* Labels name shares with other, counted from the root. */
static int common_labels(const sd_wire_name *name, const sd_wire_name *other) {
  int a = sd_wire_name_labels(name), b = sd_wire_name_labels(other), k = a < b ? a : b;
  while (k > 0) {
    sd_wire_name x, y;
    sd_wire_name_suffix(name, k, &x);
    sd_wire_name_suffix(other, k, &y);
    if (sd_wire_name_equal(&x, &y)) return k;
    k--;
  }
  return 0;
}

static int wildcard_at(const sd_wire_name *encloser, sd_wire_name *out) {
  if (encloser->len + 2 > SD_WIRE_NAME_MAX) return -1;
  out->data[0] = 1;
  out->data[1] = '*';
  memcpy(out->data + 2, encloser->data, encloser->len);
  out->len = (uint8_t)(encloser->len + 2);
  return 0;
}

static const sd_nsec *covering(const sd_nsec *nsecs, size_t count, const sd_wire_name *name, const sd_wire_name *zone) {
  for (size_t i = 0; i < count; i++)
    if (sd_nsec_covers(&nsecs[i], name, zone)) return &nsecs[i];
  return NULL;
}

int sd_nsec_proves_nxdomain(const sd_nsec *nsecs, size_t count, const sd_wire_name *qname, const sd_wire_name *zone) {
  const sd_nsec *cover = covering(nsecs, count, qname, zone);
  if (!cover) return 0;
  /* An owner above qname that is a zone cut or DNAME means qname is not
   * this zone's name at all. */
  if (sd_wire_name_is_at_or_below(qname, &cover->owner) && is_cut(cover)) return 0;
  /* The closest encloser: the deepest existing ancestor of qname, which is
   * the longer of what qname shares with the NSEC's two names. */
  int ce_labels = common_labels(qname, &cover->owner), with_next = common_labels(qname, &cover->next);
  if (with_next > ce_labels) ce_labels = with_next;
  if (ce_labels < sd_wire_name_labels(zone) || ce_labels >= sd_wire_name_labels(qname)) return 0;
  sd_wire_name encloser, wildcard;
  sd_wire_name_suffix(qname, ce_labels, &encloser);
  if (wildcard_at(&encloser, &wildcard) != 0) return 0;
  return covering(nsecs, count, &wildcard, zone) != NULL;
}
