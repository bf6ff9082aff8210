#include "dns/wire.h"

#include <string.h>

static uint8_t lower_byte(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

static uint16_t get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static uint32_t get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* ---- names ------------------------------------------------------------------ */

int sd_wire_read_name(const uint8_t *buf, size_t len, size_t *pos, sd_wire_name *out) {
  size_t p = *pos, end = 0, n = 0;
  int jumped = 0;
  for (;;) {
    if (p >= len) return -1;
    uint8_t c = buf[p];
    if ((c & 0xC0) == 0xC0) {
      if (p + 1 >= len) return -1;
      size_t target = ((size_t)(c & 0x3F) << 8) | buf[p + 1];
      /* Only backwards, and strictly before this pointer: no loops. */
      if (target >= p) return -1;
      if (!jumped) end = p + 2;
      jumped = 1;
      p = target;
      continue;
    }
    if (c & 0xC0) return -1; /* 0x40/0x80: obsolete or unassigned label types */
    if (n + 1 + c > SD_WIRE_NAME_MAX || p + 1 + c > len) return -1;
    memcpy(out->data + n, buf + p, (size_t)c + 1);
    n += (size_t)c + 1;
    p += (size_t)c + 1;
    if (c == 0) break;
  }
  out->len = (uint8_t)n;
  *pos = jumped ? end : p;
  return 0;
}

int sd_wire_name_from_text(const char *text, sd_wire_name *out) {
  size_t n = 0;
  const char *p = text;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t label = dot ? (size_t)(dot - p) : strlen(p);
    if (label == 0 || label > 63 || n + 1 + label + 1 > SD_WIRE_NAME_MAX) return -1;
    out->data[n++] = (uint8_t)label;
    memcpy(out->data + n, p, label);
    n += label;
    p += label;
    if (*p == '.') {
      p++;
      if (!*p) break; /* a trailing dot is allowed */
    }
  }
  out->data[n++] = 0;
  out->len = (uint8_t)n;
  return 0;
}

/* Escapes as master files and getdns do: so names read here print exactly as
 * the names getdns hands over on its path. */
static size_t escape_byte(uint8_t c, char *out) {
  if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\' || c == '"' || c == '@' || c == '$') {
    out[0] = '\\';
    out[1] = (char)c;
    return 2;
  }
  if (c <= 0x20 || c >= 0x7f) {
    out[0] = '\\';
    out[1] = (char)('0' + c / 100);
    out[2] = (char)('0' + (c / 10) % 10);
    out[3] = (char)('0' + c % 10);
    return 4;
  }
  out[0] = (char)lower_byte(c);
  return 1;
}

int sd_wire_name_to_text(const sd_wire_name *n, char *out, size_t out_len) {
  size_t o = 0, p = 0;
  while (p < n->len && n->data[p]) {
    uint8_t label = n->data[p++];
    if (o) {
      if (o + 1 >= out_len) return -1;
      out[o++] = '.';
    }
    for (uint8_t i = 0; i < label && p < n->len; i++, p++) {
      char esc[4];
      size_t k = escape_byte(n->data[p], esc);
      if (o + k >= out_len) return -1;
      memcpy(out + o, esc, k);
      o += k;
    }
  }
  if (o >= out_len) return -1;
  out[o] = '\0';
  return 0;
}

/* Offsets of the labels of n, the root excluded; returns their number. */
static int label_offsets(const sd_wire_name *n, uint8_t off[128]) {
  int count = 0;
  for (size_t p = 0; p < n->len && n->data[p] && count < 128; p += (size_t)n->data[p] + 1) off[count++] = (uint8_t)p;
  return count;
}

int sd_wire_name_labels(const sd_wire_name *n) {
  uint8_t off[128];
  return label_offsets(n, off);
}

static int label_compare(const uint8_t *a, const uint8_t *b) {
  size_t la = a[0], lb = b[0], n = la < lb ? la : lb;
  for (size_t i = 1; i <= n; i++) {
    uint8_t x = lower_byte(a[i]), y = lower_byte(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return la == lb ? 0 : (la < lb ? -1 : 1);
}

int sd_wire_name_compare(const sd_wire_name *a, const sd_wire_name *b) {
  uint8_t oa[128], ob[128];
  int na = label_offsets(a, oa), nb = label_offsets(b, ob);
  for (int i = na - 1, j = nb - 1; i >= 0 && j >= 0; i--, j--) {
    int c = label_compare(a->data + oa[i], b->data + ob[j]);
    if (c) return c;
  }
  return na == nb ? 0 : (na < nb ? -1 : 1);
}

int sd_wire_name_equal(const sd_wire_name *a, const sd_wire_name *b) {
  if (a->len != b->len) return 0;
  for (size_t i = 0; i < a->len; i++)
    if (lower_byte(a->data[i]) != lower_byte(b->data[i])) return 0;
  return 1;
}

void sd_wire_name_suffix(const sd_wire_name *name, int labels, sd_wire_name *out) {
  uint8_t off[128];
  int n = label_offsets(name, off);
  size_t start = labels >= n ? 0 : (labels <= 0 ? (size_t)name->len - 1 : off[n - labels]);
  out->len = (uint8_t)(name->len - start);
  memcpy(out->data, name->data + start, out->len);
}

int sd_wire_name_is_at_or_below(const sd_wire_name *name, const sd_wire_name *ancestor) {
  int n = sd_wire_name_labels(name), a = sd_wire_name_labels(ancestor);
  if (a > n) return 0;
  sd_wire_name tail;
  sd_wire_name_suffix(name, a, &tail);
  return sd_wire_name_equal(&tail, ancestor);
}

void sd_wire_name_lower(sd_wire_name *n) {
  for (size_t p = 0; p < n->len && n->data[p]; p += (size_t)n->data[p] + 1)
    for (size_t i = 1; i <= n->data[p] && p + i < n->len; i++) n->data[p + i] = lower_byte(n->data[p + i]);
}

/* ---- queries ------------------------------------------------------------------ */

size_t sd_wire_build_query(uint8_t *out, size_t out_len, uint16_t id, const sd_wire_name *qname, uint16_t qtype) {
  size_t need = 12 + qname->len + 4 + 11;
  if (need > out_len) return 0;
  memset(out, 0, 12);
  put16(out, id);
  put16(out + 2, 0x0110); /* RD, CD: we validate, so the resolver must hand over bogus data too */
  put16(out + 4, 1);      /* QDCOUNT */
  put16(out + 10, 1);     /* ARCOUNT: the OPT record */
  size_t p = 12;
  memcpy(out + p, qname->data, qname->len);
  p += qname->len;
  put16(out + p, qtype);
  put16(out + p + 2, 1); /* IN */
  p += 4;
  out[p++] = 0;          /* OPT: root owner */
  put16(out + p, 41);
  put16(out + p + 2, SD_WIRE_UDP_PAYLOAD);
  out[p + 4] = 0;        /* extended rcode */
  out[p + 5] = 0;        /* version */
  put16(out + p + 6, 0x8000); /* DO */
  put16(out + p + 8, 0);      /* no options */
  return p + 10;
}

/* ---- replies ------------------------------------------------------------------ */

static int read_rr_header(const uint8_t *buf, size_t len, size_t *pos, sd_wire_rr *rr) {
  if (sd_wire_read_name(buf, len, pos, &rr->owner) != 0 || *pos + 10 > len) return -1;
  const uint8_t *p = buf + *pos;
  rr->type = get16(p);
  rr->rclass = get16(p + 2);
  rr->ttl = get32(p + 4);
  rr->rdlength = get16(p + 8);
  rr->rdata_off = *pos + 10;
  if (rr->rdata_off + rr->rdlength > len) return -1;
  *pos = rr->rdata_off + rr->rdlength;
  return 0;
}

/* The additional section: only the OPT record matters (its extended rcode). */
static int read_additional(sd_wire_msg *m, size_t pos, unsigned count) {
  for (unsigned i = 0; i < count; i++) {
    sd_wire_rr rr;
    if (read_rr_header(m->buf, m->len, &pos, &rr) != 0) return -1;
    if (rr.type == 41) m->rcode |= (int)((rr.ttl >> 24) & 0xFF) << 4;
  }
  return 0;
}

int sd_wire_parse(sd_wire_msg *m, const uint8_t *buf, size_t len) {
  m->buf = buf;
  m->len = len;
  m->rr_count = 0;
  if (len < 12) return -1;
  m->id = get16(buf);
  m->flags = get16(buf + 2);
  m->rcode = m->flags & 0x0F;
  unsigned qd = get16(buf + 4), an = get16(buf + 6), ns = get16(buf + 8), ar = get16(buf + 10);
  if (qd != 1 || an + ns > SD_WIRE_MAX_RRS) return -1;
  size_t pos = 12;
  if (sd_wire_read_name(buf, len, &pos, &m->qname) != 0 || pos + 4 > len) return -1;
  m->qtype = get16(buf + pos);
  m->qclass = get16(buf + pos + 2);
  pos += 4;
  for (unsigned i = 0; i < an + ns; i++) {
    sd_wire_rr *rr = &m->rr[m->rr_count++];
    if (read_rr_header(buf, len, &pos, rr) != 0) return -1;
    rr->section = i < an ? SD_WIRE_ANSWER : SD_WIRE_AUTHORITY;
  }
  return read_additional(m, pos, ar);
}

/* ---- rdata in canonical form ------------------------------------------------------- */

/* How an rdata is laid out around its domain names. */
typedef struct rdata_layout {
  uint8_t before;  /* fixed bytes before the first name */
  uint8_t names;   /* names in a row */
  uint8_t lower;   /* names lower-cased in the canonical form */
  int8_t after;    /* fixed bytes after the names; -1 = the rest, opaque */
} rdata_layout;

/* 0: opaque (no names, or a type whose names are never compressed nor
 * lower-cased). -1: a type we do not put in canonical form (the caller falls
 * back to getdns). */
static int layout_of(uint16_t type, rdata_layout *l) {
  switch (type) {
  case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 39: /* NS MD MF CNAME MB MG MR PTR DNAME */
    *l = (rdata_layout){0, 1, 1, 0};
    return 1;
  case 6: *l = (rdata_layout){0, 2, 1, 20}; return 1;             /* SOA */
  case 14: case 17: *l = (rdata_layout){0, 2, 1, 0}; return 1;     /* MINFO RP */
  case 15: case 18: case 21: case 36: *l = (rdata_layout){2, 1, 1, 0}; return 1; /* MX AFSDB RT KX */
  case 26: *l = (rdata_layout){2, 2, 1, 0}; return 1;              /* PX */
  case 33: *l = (rdata_layout){6, 1, 1, 0}; return 1;              /* SRV */
  case 46: *l = (rdata_layout){18, 1, 1, -1}; return 1;            /* RRSIG: signer, then the signature */
  case 47: *l = (rdata_layout){0, 1, 0, -1}; return 1;             /* NSEC: next name kept as is (RFC 6840 §5.1) */
  case 24: case 30: case 35: case 38: return -1;                   /* SIG NXT NAPTR A6 */
  default: return 0;
  }
}

long sd_wire_rdata_expand(const sd_wire_msg *m, const sd_wire_rr *rr, uint8_t *out, size_t out_len, int lower) {
  rdata_layout l;
  int kind = layout_of(rr->type, &l);
  size_t start = rr->rdata_off, end = rr->rdata_off + rr->rdlength;
  if (kind < 0) return -1;
  if (kind == 0) {
    if (rr->rdlength > out_len) return -1;
    memcpy(out, m->buf + start, rr->rdlength);
    return rr->rdlength;
  }
  size_t o = 0, p = start;
  if (p + l.before > end || l.before > out_len) return -1;
  memcpy(out, m->buf + p, l.before);
  o += l.before;
  p += l.before;
  for (int i = 0; i < l.names; i++) {
    sd_wire_name name;
    /* Bounded by the rdata: a name may point back into the message, but
     * must not run past its own record. */
    if (sd_wire_read_name(m->buf, end, &p, &name) != 0 || o + name.len > out_len) return -1;
    if (lower && l.lower) sd_wire_name_lower(&name);
    memcpy(out + o, name.data, name.len);
    o += name.len;
  }
  size_t rest = end - p;
  if (l.after >= 0 && rest != (size_t)l.after) return -1;
  if (o + rest > out_len) return -1;
  memcpy(out + o, m->buf + p, rest);
  return (long)(o + rest);
}
