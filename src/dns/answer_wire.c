#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/answer.h"
#include "dns/sigcheck.h"
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

static char *name_text(const sd_wire_name *n) {
  char text[4 * SD_WIRE_NAME_MAX + 1];
  return sd_strdup(sd_wire_name_to_text(n, text, sizeof(text)) == 0 ? text : "");
}

/* The name at the start of rdata (after `skip` fixed bytes), as text. */
static char *rdata_name(const uint8_t *rdata, size_t len, size_t skip) {
  sd_wire_name n;
  size_t pos = skip;
  return sd_wire_read_name(rdata, len, &pos, &n) == 0 ? name_text(&n) : sd_strdup("");
}

/* TXT: the character-strings joined; a malformed tail is dropped. */
static void txt_text(const uint8_t *rdata, size_t len, sd_dns_record *rec) {
  sd_buf buf = {0};
  for (size_t p = 0; p < len && p + 1 + rdata[p] <= len; p += 1 + (size_t)rdata[p]) sd_buf_append(&buf, rdata + p + 1, rdata[p]);
  rec->text_len = buf.len;
  rec->text = sd_buf_take(&buf);
}

static void fill_rdata(sd_dns_record *rec, const uint8_t *rdata, size_t len) {
  switch (rec->type) {
  case SD_RR_MX:
    if (len >= 3) {
      rec->preference = (rdata[0] << 8) | rdata[1];
      rec->target = rdata_name(rdata, len, 2);
    }
    break;
  case SD_RR_CNAME: rec->target = rdata_name(rdata, len, 0); break;
  case SD_RR_TXT: txt_text(rdata, len, rec); break;
  case SD_RR_A:
    if (len == 4) inet_ntop(AF_INET, rdata, rec->ip, sizeof(rec->ip));
    break;
  case SD_RR_AAAA:
    if (len == 16) inet_ntop(AF_INET6, rdata, rec->ip, sizeof(rec->ip));
    break;
  default: break;
  }
}

static int append_record(sd_dns_answer *a, const sd_wire_msg *m, const sd_wire_rr *rr) {
  /* Expanded names grow by at most two names of 255 bytes (SOA, MINFO, PX). */
  size_t cap = (size_t)rr->rdlength + 2 * SD_WIRE_NAME_MAX;
  uint8_t *rdata = malloc(cap);
  long len = rdata ? sd_wire_rdata_expand(m, rr, rdata, cap, 0) : -1;
  sd_dns_record *recs = len >= 0 ? realloc(a->records, (a->count + 1) * sizeof(*recs)) : NULL;
  if (!recs) {
    free(rdata);
    return -1;
  }
  a->records = recs;
  sd_dns_record *rec = &recs[a->count++];
  memset(rec, 0, sizeof(*rec));
  rec->type = rr->type;
  rec->ttl = rr->ttl;
  rec->owner = name_text(&rr->owner);
  fill_rdata(rec, rdata, (size_t)len);
  if (len > 0) {
    uint8_t *fit = realloc(rdata, (size_t)len); /* cached answers keep only what they use */
    rec->rdata = fit ? fit : rdata;
    rec->rdata_len = (size_t)len;
  } else {
    free(rdata);
  }
  return 0;
}

static void append_cname(sd_dns_answer *a, const sd_wire_msg *m, const sd_wire_rr *rr) {
  uint8_t rdata[SD_WIRE_NAME_MAX];
  long len = sd_wire_rdata_expand(m, rr, rdata, sizeof(rdata), 0);
  char **c = len > 0 ? realloc(a->cnames, (a->cname_count + 1) * sizeof(*c)) : NULL;
  if (!c) return;
  a->cnames = c;
  c[a->cname_count++] = rdata_name(rdata, (size_t)len, 0);
}

static int rrsig_expired(const sd_wire_msg *m, const sd_wire_rr *rr, uint32_t now) {
  sd_rrsig_fields f;
  return sd_rrsig_read(m, rr, &f) == 0 && (int32_t)(f.expiration - now) < 0;
}

void sd_dns_answer_from_wire(sd_dns_answer *a, const sd_wire_msg *m, sd_dnssec dnssec) {
  if (m->rcode != 0 && m->rcode != 3) {
    sd_dns_answer_set_rcode_error(a, m->rcode);
    return;
  }
  a->rcode = m->rcode;
  a->dnssec = dnssec;
  uint32_t now = (uint32_t)time(NULL);
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *rr = &m->rr[i];
    if (rr->section != SD_WIRE_ANSWER) continue;
    if (rr->type == SD_RR_RRSIG) {
      if (rrsig_expired(m, rr, now)) a->rrsig_expired = 1;
    } else if (rr->type == SD_RR_CNAME && a->qtype != SD_RR_CNAME) {
      if (a->cname_count < SD_DNS_MAX_CNAMES) append_cname(a, m, rr);
    } else if (rr->type == a->qtype && a->count < SD_DNS_MAX_RECORDS) {
      append_record(a, m, rr);
    }
  }
  a->lookup = m->rcode == 3 ? SD_LOOKUP_NXDOMAIN : (a->count ? SD_LOOKUP_OK : SD_LOOKUP_NODATA);
}
