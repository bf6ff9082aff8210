/* libFuzzer target: DNS replies in wire format as the stub fast path gets
 * them from the network (src/dns/wire.c, fastpath.c, sigcheck.c, nsec.c,
 * answer_wire.c). The input is one UDP reply. When it parses, it is judged
 * against a zone table holding one SECURE zone, with the real key it was
 * signed with in the testbed (dns_reply_zone.h, written with the seed
 * corpus by capture_dns_replies.py), and one INSECURE zone; signatures are
 * checked synchronously at the time of the capture, so the seeds' RRSIGs
 * verify. Then the reply becomes an sd_dns_answer, and every record is put
 * in canonical form, NSEC and RRSIG records read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/answer.h"
#include "dns/cache.h"
#include "dns/fastpath.h"
#include "dns/nsec.h"
#include "dns/sigcheck.h"
#include "dns/wire.h"
#include "dns/zonekeys.h"
#include "dns_reply_zone.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { TYPE_NSEC = 47 };
/* Signature cache slots per input: a fresh, small cache keeps each run
 * independent of the inputs before it (libFuzzer needs reproducible runs). */
#define SIGCHECK_SLOTS 16
/* NSEC records handed to the proofs (the fast path takes at most 8). */
#define MAX_NSEC 8

static sd_zone_table zones;
static const sd_zone *secure_zone, *insecure_zone;

static const sd_zone *add_zone(const char *name, sd_zone_state state, const uint8_t *key, size_t key_len) {
  int created = 0;
  sd_zone *z = sd_zone_table_get(&zones, name, &created);
  if (!z) abort();
  z->state = state;
  if (key) {
    z->keys = calloc(1, sizeof(*z->keys));
    if (!z->keys || sd_dnskey_parse(key, key_len, &z->keys[0]) != 0) abort(); /* the captured key must parse */
    z->key_count = 1;
  }
  sd_zone_table_settled(&zones, z);
  return z;
}

/* The zone table lives for the whole run: it is only read while judging. */
static void init_zones(void) {
  if (secure_zone) return;
  if (sd_zone_table_init(&zones, 16) != 0) abort();
  secure_zone = add_zone(SD_FUZZ_SECURE_ZONE, SD_ZONE_SECURE, sd_fuzz_secure_zone_key,
                         sizeof(sd_fuzz_secure_zone_key));
  insecure_zone = add_zone(SD_FUZZ_INSECURE_ZONE, SD_ZONE_INSECURE, NULL, 0);
}

/* Judges m twice (the second time signatures come from the cache: same
 * verdict) and checks what each verdict promises about the query name. */
static sd_fast_verdict judge(const sd_wire_msg *m) {
  sd_sigcheck *v = sd_sigcheck_new(SIGCHECK_SLOTS);
  if (!v) return SD_FAST_FALLBACK;
  char zone[4 * SD_WIRE_NAME_MAX + 1], again_zone[4 * SD_WIRE_NAME_MAX + 1];
  size_t waits = 1, again_waits = 1;
  sd_fast_verdict verdict = sd_fast_judge(&zones, v, m, SD_FUZZ_CAPTURED_AT, NULL, &waits, zone, sizeof(zone));
  sd_fast_verdict again = sd_fast_judge(&zones, v, m, SD_FUZZ_CAPTURED_AT, NULL, &again_waits, again_zone,
                                        sizeof(again_zone));
  sd_sigcheck_free(v);
  if (again != verdict || waits != 0 || again_waits != 0) abort(); /* synchronous: nothing ever waits */
  char qname[4 * SD_WIRE_NAME_MAX + 1];
  if (sd_wire_name_to_text(&m->qname, qname, sizeof(qname)) != 0) abort();
  switch (verdict) {
  case SD_FAST_SECURE: /* proven with the keys of the one secure zone: qname is in it */
    if (!sd_wire_name_is_at_or_below(&m->qname, &secure_zone->wire)) abort();
    break;
  case SD_FAST_INSECURE: /* below the one zone proven insecure */
    if (!sd_wire_name_is_at_or_below(&m->qname, &insecure_zone->wire)) abort();
    break;
  case SD_FAST_NEED_ZONE: /* the zone to learn is qname or one of its ancestors, the same both times */
    if (!sd_name_is_at_or_below(qname, zone) || strcmp(zone, again_zone) != 0) abort();
    break;
  case SD_FAST_WAIT: abort(); /* no worker */
  default: break;
  }
  return verdict;
}

/* Canonical and display forms: both succeed or fail, with the same length;
 * the length written fits exactly, and one byte less is refused. */
static void expand(const sd_wire_msg *m, const sd_wire_rr *rr) {
  size_t cap = (size_t)rr->rdlength + 2 * SD_WIRE_NAME_MAX; /* as answer_wire.c sizes it */
  uint8_t *out = malloc(cap);
  if (!out) return;
  long canonical = sd_wire_rdata_expand(m, rr, out, cap, 1);
  long display = sd_wire_rdata_expand(m, rr, out, cap, 0);
  free(out);
  if ((canonical < 0) != (display < 0) || (canonical >= 0 && canonical != display) || canonical > (long)cap) abort();
  if (canonical <= 0) return;
  uint8_t *exact = malloc((size_t)canonical); /* ASan catches a write past it */
  if (!exact) return;
  if (sd_wire_rdata_expand(m, rr, exact, (size_t)canonical, 1) != canonical) abort();
  if (sd_wire_rdata_expand(m, rr, exact, (size_t)canonical - 1, 1) != -1) abort();
  free(exact);
}

static void read_rrsig(const sd_wire_msg *m, const sd_wire_rr *rr) {
  sd_rrsig_fields f;
  if (sd_rrsig_read(m, rr, &f) != 0) return;
  if (f.signature_off + f.signature_len != rr->rdata_off + rr->rdlength || f.signature_len == 0) abort();
}

/* Reads every NSEC record and asks the two proofs about the query name. */
static void read_nsecs(const sd_wire_msg *m) {
  sd_nsec nsecs[MAX_NSEC];
  size_t count = 0;
  for (size_t i = 0; i < m->rr_count; i++) {
    const sd_wire_rr *rr = &m->rr[i];
    sd_nsec n;
    if (rr->type != TYPE_NSEC || sd_nsec_read(m, rr, &n) != 0) continue;
    if (n.bitmap + n.bitmap_len != m->buf + rr->rdata_off + rr->rdlength) abort();
    (void)sd_nsec_has_type(&n, m->qtype);
    (void)sd_nsec_covers(&n, &m->qname, &secure_zone->wire);
    if (count < MAX_NSEC) nsecs[count++] = n;
  }
  (void)sd_nsec_proves_nodata(nsecs, count, &m->qname, m->qtype);
  (void)sd_nsec_proves_nxdomain(nsecs, count, &m->qname, &secure_zone->wire);
}

/* The answer callers get, as dns.c fills it for a judged reply (here for
 * every verdict, not only those dns.c answers from the wire). */
static void answer(const sd_wire_msg *m, sd_fast_verdict verdict) {
  char qname[4 * SD_WIRE_NAME_MAX + 1];
  if (sd_wire_name_to_text(&m->qname, qname, sizeof(qname)) != 0) abort();
  sd_dns_answer a = {0};
  a.qname = sd_strdup(qname);
  if (!a.qname) return;
  a.qtype = m->qtype;
  sd_dns_answer_from_wire(&a, m, verdict == SD_FAST_SECURE     ? SD_DNSSEC_SECURE
                                 : verdict == SD_FAST_INSECURE ? SD_DNSSEC_INSECURE
                                                               : SD_DNSSEC_INDETERMINATE);
  if (a.count > SD_DNS_MAX_RECORDS || a.cname_count > SD_DNS_MAX_CNAMES) abort();
  for (size_t i = 0; i < a.count; i++)
    if (a.records[i].type != a.qtype || !a.records[i].owner) abort();
  sd_dns_answer_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static sd_wire_msg m; /* about 28 KiB: not on the stack */
  init_zones();
  if (sd_wire_parse(&m, data, size) != 0) return 0;
  if (m.rr_count > SD_WIRE_MAX_RRS) abort();
  answer(&m, judge(&m));
  for (size_t i = 0; i < m.rr_count; i++) {
    expand(&m, &m.rr[i]);
    if (m.rr[i].type == 46) read_rrsig(&m, &m.rr[i]);
  }
  read_nsecs(&m);
  return 0;
}
