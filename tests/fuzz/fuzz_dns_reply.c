/* libFuzzer target: DNS messages as libunbound hands them to
 * src/dns/answer_packet.c, which reads them with ldns into the answer every
 * caller sees. The input is one message (the seeds are real replies
 * captured in the testbed, capture_dns_replies.py). Each is read as the
 * answer to every type stsdane asks for, with each DNSSEC status, and the
 * answer's invariants are checked: what callers index and print must be
 * there and bounded. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/answer.h"
#include "dns/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t asked_types[] = {SD_RR_MX, SD_RR_A, SD_RR_AAAA, SD_RR_TXT, SD_RR_TLSA, SD_RR_CNAME};

static void check_invariants(const sd_dns_answer *a) {
  if (a->count > SD_DNS_MAX_RECORDS || a->cname_count > SD_DNS_MAX_CNAMES) abort();
  if (a->lookup == SD_LOOKUP_ERROR && !a->error) abort();
  if (a->lookup == SD_LOOKUP_OK && a->count == 0) abort();
  for (size_t i = 0; i < a->count; i++) {
    const sd_dns_record *r = &a->records[i];
    if (r->type != a->qtype || !r->owner) abort();
    if (memchr(r->ip, '\0', sizeof(r->ip)) == NULL) abort();
    if (r->type == SD_RR_MX && r->target && strlen(r->target) > 4 * 255) abort();
    if (r->text_len && !r->text) abort();
  }
  for (size_t i = 0; i < a->cname_count; i++)
    if (!a->cnames[i]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (size_t t = 0; t < sizeof(asked_types) / sizeof(asked_types[0]); t++) {
    sd_dns_answer a = {0};
    uint32_t ttl = 0;
    a.qname = strdup("fuzz.test");
    a.qtype = asked_types[t];
    sd_dns_answer_from_packet(&a, data, size, t % 2 ? SD_DNSSEC_SECURE : SD_DNSSEC_BOGUS, &ttl);
    check_invariants(&a);
    sd_dns_answer_clear(&a);
  }
  return 0;
}
