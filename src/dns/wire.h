/*
 * DNS messages in wire format (RFC 1035 §4, RFC 6891 for EDNS0): building
 * the stub fast path's queries and reading replies without getdns's dicts.
 *
 * Replies are untrusted: every read is bounded by the message, compression
 * pointers may only point backwards (no loops), names stay within 255 bytes,
 * and a message with more resource records than SD_WIRE_MAX_RRS in its
 * answer and authority sections is refused (the caller then takes getdns's
 * path, which has no such limit).
 */
#ifndef SD_DNS_WIRE_H
#define SD_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define SD_WIRE_NAME_MAX 255
#define SD_WIRE_MAX_RRS 96
/* Our queries advertise this EDNS0 UDP payload size (DNS flag day 2020). */
#define SD_WIRE_UDP_PAYLOAD 1232

/* An uncompressed name in wire format, case as received. */
typedef struct sd_wire_name {
  uint8_t len; /* bytes in data, the root label included */
  uint8_t data[SD_WIRE_NAME_MAX];
} sd_wire_name;

enum { SD_WIRE_ANSWER = 1, SD_WIRE_AUTHORITY = 2 };

typedef struct sd_wire_rr {
  sd_wire_name owner;
  uint16_t type;
  uint16_t rclass;
  uint32_t ttl;
  uint16_t rdlength;
  uint8_t section;  /* SD_WIRE_ANSWER or SD_WIRE_AUTHORITY */
  size_t rdata_off; /* offset of the rdata in the message (names in it may be compressed) */
} sd_wire_rr;

typedef struct sd_wire_msg {
  const uint8_t *buf; /* not owned */
  size_t len;
  uint16_t id;
  uint16_t flags;     /* QR, opcode, AA, TC, RD, RA, AD, CD, rcode (low 4 bits) */
  int rcode;          /* with the EDNS0 extended bits */
  sd_wire_name qname;
  uint16_t qtype, qclass;
  sd_wire_rr rr[SD_WIRE_MAX_RRS]; /* answer then authority; the additional section is not kept */
  size_t rr_count;
} sd_wire_msg;

#define SD_WIRE_FLAG_QR 0x8000u
#define SD_WIRE_FLAG_TC 0x0200u

/* Parses a reply with exactly one question. 0 on success, -1 when malformed
 * or beyond our bounds. */
int sd_wire_parse(sd_wire_msg *m, const uint8_t *buf, size_t len);

/* Reads a possibly compressed name at *pos (advanced past it). */
int sd_wire_read_name(const uint8_t *buf, size_t len, size_t *pos, sd_wire_name *out);

/* Presentation form ("mx1.example.org", no trailing dot, "" = root) to wire;
 * -1 for empty labels, labels over 63 bytes or names over 255. Escapes are
 * not accepted: callers pass names normalised to A-labels. */
int sd_wire_name_from_text(const char *text, sd_wire_name *out);
/* Wire to presentation form: lower case, no trailing dot, "" for the root,
 * special and non-printable bytes escaped as in master files (\. \\ \DDD).
 * -1 if out is too small (4 * 255 + 1 is always enough). */
int sd_wire_name_to_text(const sd_wire_name *n, char *out, size_t out_len);

int sd_wire_name_labels(const sd_wire_name *n); /* the root label not counted */
int sd_wire_name_equal(const sd_wire_name *a, const sd_wire_name *b); /* ASCII case-insensitive */
/* 1 when name is ancestor or below it. */
int sd_wire_name_is_at_or_below(const sd_wire_name *name, const sd_wire_name *ancestor);
/* The last `labels` labels of name (its ancestor with that many labels). */
void sd_wire_name_suffix(const sd_wire_name *name, int labels, sd_wire_name *out);
/* Canonical DNS name order (RFC 4034 §6.1): <0, 0, >0. */
int sd_wire_name_compare(const sd_wire_name *a, const sd_wire_name *b);
void sd_wire_name_lower(sd_wire_name *n);

/* A query with RD, CD and EDNS0 with DO; returns its length, 0 if out is too small. */
size_t sd_wire_build_query(uint8_t *out, size_t out_len, uint16_t id, const sd_wire_name *qname, uint16_t qtype);

/* The rdata of rr with every domain name in it uncompressed, and lower-cased
 * where RFC 4034 §6.2 (as amended by RFC 6840 §5.1) asks: the canonical form
 * signatures cover. lower = 0 keeps the case (for display). Returns the
 * length written, or -1 when malformed or out is too small. */
long sd_wire_rdata_expand(const sd_wire_msg *m, const sd_wire_rr *rr, uint8_t *out, size_t out_len, int lower);

#endif
