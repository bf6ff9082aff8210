#include "dns/fastpath.h"

#include <string.h>

#include "dns/nsec.h"

enum { TYPE_CNAME = 5, TYPE_SOA = 6, TYPE_DS = 43, TYPE_RRSIG = 46, TYPE_NSEC = 47, TYPE_DNAME = 39 };

/* What a first pass over the reply tells. */
typedef struct reply_facts {
  int has_alias;        /* CNAME or DNAME in the answer section */
  int signers;          /* distinct RRSIG signer names: 0, 1, or 2 = several */
  sd_wire_name signer;
  const sd_wire_rr *soa; /* first SOA of the authority section */
} reply_facts;

static void note_signer(reply_facts *f, const sd_wire_msg *m, const sd_wire_rr *rr) {
  sd_rrsig_fields sig;
  if (sd_rrsig_read(m, rr, &sig) != 0) {
    f->signers = 2; /* unreadable: getdns judges */
    return;
  }
  if (f->signers == 0) {
    f->signer = sig.signer;
    f->signers = 1;
  } else if (f->signers == 1 && !sd_wire_name_equal(&f->signer, &sig.signer)) {
    f->signers = 2;
  }
}

static void gather_facts(reply_facts *f, const sd_wire_msg *m) {
  memset(f, 0, sizeof(*f));
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *rr = &m->rr[i];
    if (rr->type == TYPE_RRSIG)
      note_signer(f, m, rr);
    else if ((rr->type == TYPE_CNAME || rr->type == TYPE_DNAME) && rr->section == SD_WIRE_ANSWER)
      f->has_alias = 1;
    else if (rr->type == TYPE_SOA && rr->section == SD_WIRE_AUTHORITY && !f->soa)
      f->soa = rr;
  }
}

static sd_fast_verdict need(const sd_wire_name *name, char *zone, size_t zone_len) {
  return sd_wire_name_to_text(name, zone, zone_len) == 0 ? SD_FAST_NEED_ZONE : SD_FAST_FALLBACK;
}

static int rrsig_covers(const sd_wire_msg *m, const sd_wire_rr *sig, uint16_t type) {
  return sig->rdlength >= 2 && ((m->buf[sig->rdata_off] << 8) | m->buf[sig->rdata_off + 1]) == type;
}

/* One judgement in progress: where signature checks may wait. */
typedef struct judge_ctx {
  sd_sigcheck *v;
  uint32_t now;
  void *waiter;   /* told by sigcheck when a pending signature is checked */
  size_t waits;   /* signatures this judgement waits for */
} judge_ctx;

enum { CHECK_FAILED = 0, CHECK_VALID = 1, CHECK_PENDING = 2 };

/* Whether some RRSIG of section `section`, owned by owner, over `type`,
 * verifies with the zone's keys: CHECK_VALID, CHECK_FAILED, or
 * CHECK_PENDING when the first candidate is on the worker (the others are
 * tried when it turns out invalid). want_labels also requires the RRSIG's
 * labels field to equal it (no wildcard expansion). */
static int rrset_verified(judge_ctx *j, const sd_wire_msg *m, const sd_zone *z, const sd_wire_name *owner,
                          uint16_t type, int section, int want_labels) {
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *sig = &m->rr[i];
    if (sig->type != TYPE_RRSIG || sig->section != section || sig->rdlength < 18 || !rrsig_covers(m, sig, type) ||
        !sd_wire_name_equal(&sig->owner, owner))
      continue;
    if (m->buf[sig->rdata_off + 3] != want_labels) continue;
    sd_sig_result r = sd_sigcheck_rrset(j->v, m, sig, &z->wire, z->keys, z->key_count, j->now, j->waiter);
    if (r == SD_SIG_VALID) return CHECK_VALID;
    if (r == SD_SIG_PENDING) {
      j->waits++;
      return CHECK_PENDING;
    }
  }
  return CHECK_FAILED;
}

/* A positive answer: every answer record is qname/qtype, signed by Z. */
static int positive_proven(judge_ctx *j, const sd_wire_msg *m, const sd_zone *z) {
  size_t records = 0;
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *rr = &m->rr[i];
    if (rr->section != SD_WIRE_ANSWER || rr->type == TYPE_RRSIG) continue;
    if (rr->type != m->qtype || rr->rclass != 1 || !sd_wire_name_equal(&rr->owner, &m->qname)) return 0;
    records++;
  }
  if (records == 0) return CHECK_FAILED;
  return rrset_verified(j, m, z, &m->qname, m->qtype, SD_WIRE_ANSWER, sd_wire_name_labels(&m->qname));
}

#define SD_FAST_MAX_NSEC 8

/* A negative answer: NSEC records of the authority section, each verified
 * (all submitted at once when they wait for the worker). */
static int negative_proven(judge_ctx *j, const sd_wire_msg *m, const sd_zone *z) {
  sd_nsec nsecs[SD_FAST_MAX_NSEC];
  size_t count = 0;
  int pending = 0;
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *rr = &m->rr[i];
    if (rr->section == SD_WIRE_ANSWER && rr->type != TYPE_RRSIG) return CHECK_FAILED; /* data in a negative answer */
    if (rr->section != SD_WIRE_AUTHORITY || rr->type != TYPE_NSEC) continue;
    if (count == SD_FAST_MAX_NSEC || sd_nsec_read(m, rr, &nsecs[count]) != 0) return CHECK_FAILED;
    int r = rrset_verified(j, m, z, &rr->owner, TYPE_NSEC, SD_WIRE_AUTHORITY, sd_wire_name_labels(&rr->owner));
    if (r == CHECK_FAILED) return CHECK_FAILED;
    pending |= r == CHECK_PENDING;
    count++;
  }
  /* The proof is checked now, signatures or not: a reply that waits for the
   * worker is then secure exactly when every signature comes back valid. */
  int proven = m->rcode == 3 ? sd_nsec_proves_nxdomain(nsecs, count, &m->qname, &z->wire)
                             : sd_nsec_proves_nodata(nsecs, count, &m->qname, m->qtype);
  if (!proven) return CHECK_FAILED;
  return pending ? CHECK_PENDING : CHECK_VALID;
}

static int has_answer_data(const sd_wire_msg *m) {
  for (size_t i = 0; i < m->rr_count; i++)
    if (m->rr[i].section == SD_WIRE_ANSWER && m->rr[i].type != TYPE_RRSIG) return 1;
  return 0;
}

static sd_fast_verdict judge_signed(const sd_zone_table *t, judge_ctx *j, const reply_facts *f,
                                    const sd_wire_msg *m, char *zone, size_t zone_len) {
  /* The signer must be the query name's zone or above it: an answer signed
   * by an unrelated zone proves nothing about qname. */
  if (f->signers != 1 || !sd_wire_name_is_at_or_below(&m->qname, &f->signer)) return SD_FAST_FALLBACK;
  char signer[4 * SD_WIRE_NAME_MAX + 1];
  if (sd_wire_name_to_text(&f->signer, signer, sizeof(signer)) != 0) return SD_FAST_FALLBACK;
  if (sd_zone_insecure_ancestor(t, signer)) return SD_FAST_INSECURE;
  const sd_zone *z = sd_zone_table_find(t, signer);
  if (!z || z->state == SD_ZONE_PENDING) return need(&f->signer, zone, zone_len);
  if (z->state != SD_ZONE_SECURE) return SD_FAST_FALLBACK;
  int r = m->rcode == 0 && has_answer_data(m) ? positive_proven(j, m, z) : negative_proven(j, m, z);
  return r == CHECK_VALID ? SD_FAST_SECURE : r == CHECK_PENDING ? SD_FAST_WAIT : SD_FAST_FALLBACK;
}

/* The zone to learn for an unsigned reply that carries no SOA: the highest
 * ancestor-or-self of qname not known yet, below known secure zones. Learnt
 * top down, so one lookup ("example DNSKEY": insecure) settles every name
 * below an insecure delegation, however many domains it holds. */
static sd_fast_verdict next_unknown(const sd_zone_table *t, const sd_wire_name *qname, char *zone, size_t zone_len) {
  int labels = sd_wire_name_labels(qname);
  for (int k = 1; k <= labels; k++) {
    sd_wire_name ancestor;
    char name[4 * SD_WIRE_NAME_MAX + 1];
    sd_wire_name_suffix(qname, k, &ancestor);
    if (sd_wire_name_to_text(&ancestor, name, sizeof(name)) != 0) return SD_FAST_FALLBACK;
    const sd_zone *z = sd_zone_table_find(t, name);
    if (!z || z->state == SD_ZONE_PENDING) return need(&ancestor, zone, zone_len);
  }
  /* Every ancestor known, none insecure: an unsigned answer below a secure
   * zone is suspicious; getdns's full validation decides. */
  return SD_FAST_FALLBACK;
}

static sd_fast_verdict judge_unsigned(const sd_zone_table *t, const reply_facts *f, const sd_wire_msg *m, char *zone,
                                      size_t zone_len) {
  char qname[4 * SD_WIRE_NAME_MAX + 1];
  if (sd_wire_name_to_text(&m->qname, qname, sizeof(qname)) != 0) return SD_FAST_FALLBACK;
  if (sd_zone_insecure_ancestor(t, qname)) return SD_FAST_INSECURE;
  if (!f->soa || !sd_wire_name_is_at_or_below(&m->qname, &f->soa->owner)) return next_unknown(t, &m->qname, zone, zone_len);
  /* A negative answer names its zone in the SOA: learn that one. */
  char soa[4 * SD_WIRE_NAME_MAX + 1];
  if (sd_wire_name_to_text(&f->soa->owner, soa, sizeof(soa)) != 0) return SD_FAST_FALLBACK;
  const sd_zone *z = sd_zone_table_find(t, soa);
  if (!z || z->state == SD_ZONE_PENDING) return need(&f->soa->owner, zone, zone_len);
  return SD_FAST_FALLBACK; /* known and not insecure: as above */
}

sd_fast_verdict sd_fast_judge(const sd_zone_table *t, sd_sigcheck *v, const sd_wire_msg *m, uint32_t now, void *waiter,
                              size_t *waits, char *zone, size_t zone_len) {
  judge_ctx j = {v, now, waiter, 0};
  *waits = 0;
  if (m->rcode != 0 && m->rcode != 3) return SD_FAST_AS_IS;
  if (m->qtype == TYPE_DS) return SD_FAST_FALLBACK; /* parent-side data: getdns knows where to look */
  reply_facts f;
  gather_facts(&f, m);
  if (f.has_alias) return SD_FAST_FALLBACK;
  if (f.signers) {
    sd_fast_verdict verdict = judge_signed(t, &j, &f, m, zone, zone_len);
    *waits = j.waits;
    return verdict;
  }
  return judge_unsigned(t, &f, m, zone, zone_len);
}
