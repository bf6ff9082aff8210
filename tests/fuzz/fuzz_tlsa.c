/* libFuzzer target: TLSA records (RFC 6698 §2) in wire form and in
 * presentation form, and the RFC 7672/7671 usability and digest-agility
 * rules over an RRset. The input is a sequence of length-prefixed rdata
 * frames (see fuzz_util.h); the whole input is also parsed as text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dane/tlsa.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formats a parsed record and parses the text back: it must round-trip. */
static void check_round_trip(const sd_tlsa *t) {
  char *text = sd_tlsa_format(t);
  if (!text) return;
  sd_tlsa back = {0};
  if (sd_tlsa_parse_text(text, &back) == 0) {
    if (back.usage != t->usage || back.selector != t->selector || back.mtype != t->mtype ||
        back.data_len != t->data_len || (t->data_len && memcmp(back.data, t->data, t->data_len)))
      abort();
  }
  sd_tlsa_free(&back);
  free(text);
}

static void fuzz_rrset(const uint8_t *data, size_t size) {
  sd_tlsa rrs[SD_FUZZ_MAX_PIECES];
  sd_tlsa_usability status[SD_FUZZ_MAX_PIECES];
  size_t count = 0;
  const uint8_t *rdata;
  size_t rdata_len;
  while (count < SD_FUZZ_MAX_PIECES && sd_fuzz_next_frame(&data, &size, &rdata, &rdata_len)) {
    memset(&rrs[count], 0, sizeof(rrs[count]));
    if (sd_tlsa_from_rdata(rdata, rdata_len, &rrs[count]) != 0) {
      sd_tlsa_free(&rrs[count]);
      continue;
    }
    (void)sd_tlsa_usability_name(sd_tlsa_check(&rrs[count]));
    check_round_trip(&rrs[count]);
    count++;
  }
  size_t usable = sd_tlsa_select_usable(rrs, count, status);
  if (usable > count) abort();
  for (size_t i = 0; i < count; i++) {
    (void)sd_tlsa_usability_name(status[i]);
    sd_tlsa_free(&rrs[i]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_rrset(data, size);

  sd_tlsa whole = {0};
  if (sd_tlsa_from_rdata(data, size, &whole) == 0) check_round_trip(&whole);
  sd_tlsa_free(&whole);

  char *text = sd_fuzz_cstr(data, size);
  if (!text) return 0;
  sd_tlsa parsed = {0};
  if (sd_tlsa_parse_text(text, &parsed) == 0) check_round_trip(&parsed);
  sd_tlsa_free(&parsed);
  free(text);
  return 0;
}
