#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "dns/answer.h"
#include "util/str.h"

static const char *rcode_name(int rcode) {
  switch (rcode) {
  case 1: return "FORMERR";
  case 2: return "SERVFAIL";
  case 4: return "NOTIMP";
  case 5: return "REFUSED";
  default: return "an error rcode";
  }
}

void sd_dns_answer_set_error(sd_dns_answer *a, const char *what) {
  a->lookup = SD_LOOKUP_ERROR;
  a->dnssec = SD_DNSSEC_INDETERMINATE;
  free(a->error);
  a->error = sd_asprintf("%s lookup of %s: %s", sd_rr_type_name(a->qtype), a->qname, what);
}

void sd_dns_answer_set_rcode_error(sd_dns_answer *a, int rcode) {
  char what[64];
  a->rcode = rcode;
  snprintf(what, sizeof(what), "resolver answered %s", rcode_name(rcode));
  sd_dns_answer_set_error(a, what);
}

/* A domain name in presentation form, lower case, without the trailing dot
 * ("" for the root), as every caller compares names. */
static char *name_text(const ldns_rdf *rdf) {
  char *text = rdf && ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME ? ldns_rdf2str(rdf) : NULL;
  if (!text) return sd_strdup("");
  size_t n = strlen(text);
  if (n > 0 && text[n - 1] == '.') text[n - 1] = '\0';
  sd_str_lower(text);
  char *copy = sd_strdup(text); /* ours to free(), whatever allocator ldns used */
  LDNS_FREE(text);
  return copy;
}

/* TXT: the character-strings joined (each rdf is a length byte and bytes). */
static void txt_text(const ldns_rr *rr, sd_dns_record *rec) {
  sd_buf buf = {0};
  for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
    const ldns_rdf *s = ldns_rr_rdf(rr, i);
    size_t size = ldns_rdf_size(s);
    const uint8_t *data = ldns_rdf_data(s);
    if (ldns_rdf_get_type(s) != LDNS_RDF_TYPE_STR || size == 0 || (size_t)data[0] + 1 > size) continue;
    sd_buf_append(&buf, data + 1, data[0]);
  }
  rec->text_len = buf.len;
  rec->text = sd_buf_take(&buf);
}

static void address_text(const ldns_rr *rr, int family, size_t size, sd_dns_record *rec) {
  const ldns_rdf *rdf = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) : NULL;
  if (rdf && ldns_rdf_size(rdf) == size) inet_ntop(family, ldns_rdf_data(rdf), rec->ip, sizeof(rec->ip));
}

static void fill_fields(const ldns_rr *rr, sd_dns_record *rec) {
  switch (rec->type) {
  case SD_RR_MX:
    if (ldns_rr_rd_count(rr) == 2 && ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 2) {
      rec->preference = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
      rec->target = name_text(ldns_rr_rdf(rr, 1));
    }
    break;
  case SD_RR_CNAME:
    if (ldns_rr_rd_count(rr) == 1) rec->target = name_text(ldns_rr_rdf(rr, 0));
    break;
  case SD_RR_TXT: txt_text(rr, rec); break;
  case SD_RR_A: address_text(rr, AF_INET, 4, rec); break;
  case SD_RR_AAAA: address_text(rr, AF_INET6, 16, rec); break;
  default: break;
  }
}

/* The record's rdata in uncompressed wire form (TLSA and others are read
 * from it by their own parsers). */
static void fill_rdata(const ldns_rr *rr, sd_dns_record *rec) {
  ldns_buffer *b = ldns_buffer_new(256);
  if (b && ldns_rr_rdata2buffer_wire(b, rr) == LDNS_STATUS_OK && ldns_buffer_position(b) > 0) {
    size_t len = ldns_buffer_position(b);
    rec->rdata = malloc(len);
    if (rec->rdata) {
      memcpy(rec->rdata, ldns_buffer_begin(b), len);
      rec->rdata_len = len;
    }
  }
  ldns_buffer_free(b);
}

static void append_record(sd_dns_answer *a, const ldns_rr *rr) {
  sd_dns_record *recs = realloc(a->records, (a->count + 1) * sizeof(*recs));
  if (!recs) return;
  a->records = recs;
  sd_dns_record *rec = &recs[a->count++];
  memset(rec, 0, sizeof(*rec));
  rec->type = (uint16_t)ldns_rr_get_type(rr);
  rec->ttl = ldns_rr_ttl(rr);
  rec->owner = name_text(ldns_rr_owner(rr));
  fill_fields(rr, rec);
  fill_rdata(rr, rec);
}

static void append_cname(sd_dns_answer *a, const ldns_rr *rr) {
  char **c = ldns_rr_rd_count(rr) == 1 ? realloc(a->cnames, (a->cname_count + 1) * sizeof(*c)) : NULL;
  if (!c) return;
  a->cnames = c;
  c[a->cname_count++] = name_text(ldns_rr_rdf(rr, 0));
}

/* RRSIG expiration uses serial number arithmetic (RFC 4034 §3.1.5). */
static int rrsig_expired(const ldns_rr *rr, uint32_t now) {
  const ldns_rdf *exp = ldns_rr_rd_count(rr) >= 5 ? ldns_rr_rrsig_expiration(rr) : NULL;
  return exp && ldns_rdf_size(exp) == 4 && (int32_t)(ldns_rdf2native_int32(exp) - now) < 0;
}

static uint32_t smaller(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* A negative answer is kept as long as its SOA says (RFC 2308 §5). */
static uint32_t negative_ttl(const ldns_pkt *pkt) {
  const ldns_rr_list *auth = ldns_pkt_authority(pkt);
  for (size_t i = 0; auth && i < ldns_rr_list_rr_count(auth); i++) {
    const ldns_rr *rr = ldns_rr_list_rr(auth, i);
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7 &&
        ldns_rdf_size(ldns_rr_rdf(rr, 6)) == 4)
      return smaller(ldns_rr_ttl(rr), ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)));
  }
  return 0;
}

static uint32_t read_answer_section(sd_dns_answer *a, const ldns_pkt *pkt) {
  const ldns_rr_list *answer = ldns_pkt_answer(pkt);
  uint32_t now = (uint32_t)time(NULL), ttl = UINT32_MAX;
  for (size_t i = 0; answer && i < ldns_rr_list_rr_count(answer); i++) {
    const ldns_rr *rr = ldns_rr_list_rr(answer, i);
    uint16_t type = (uint16_t)ldns_rr_get_type(rr);
    if (type == SD_RR_RRSIG) {
      if (rrsig_expired(rr, now)) a->rrsig_expired = 1;
      continue;
    }
    if (type == SD_RR_CNAME && a->qtype != SD_RR_CNAME) {
      if (a->cname_count < SD_DNS_MAX_CNAMES) append_cname(a, rr);
    } else if (type == a->qtype && a->count < SD_DNS_MAX_RECORDS) {
      append_record(a, rr);
    } else {
      continue;
    }
    ttl = smaller(ttl, ldns_rr_ttl(rr));
  }
  return ttl;
}

void sd_dns_answer_from_packet(sd_dns_answer *a, const uint8_t *packet, size_t len, sd_dnssec dnssec,
                               uint32_t *ttl) {
  ldns_pkt *pkt = NULL;
  *ttl = 0;
  if (!packet || ldns_wire2pkt(&pkt, packet, len) != LDNS_STATUS_OK) {
    sd_dns_answer_set_error(a, "the resolver library returned a message that does not parse");
    return;
  }
  int rcode = (int)ldns_pkt_get_rcode(pkt);
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
    sd_dns_answer_set_rcode_error(a, rcode);
    ldns_pkt_free(pkt);
    return;
  }
  a->rcode = rcode;
  a->dnssec = dnssec;
  uint32_t answer_ttl = read_answer_section(a, pkt);
  if (rcode == LDNS_RCODE_NXDOMAIN)
    a->lookup = SD_LOOKUP_NXDOMAIN;
  else
    a->lookup = a->count ? SD_LOOKUP_OK : SD_LOOKUP_NODATA;
  *ttl = a->lookup == SD_LOOKUP_OK ? answer_ttl : smaller(answer_ttl, negative_ttl(pkt));
  ldns_pkt_free(pkt);
}
