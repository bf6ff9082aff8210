/* libFuzzer target: the TLSRPT TXT record parser (RFC 8460 §3). Same input
 * shape as fuzz_sts_record: one TXT record per line, and the whole input
 * as one record. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "mtasts/tlsrpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sd_fuzz_pieces rrset;
  sd_fuzz_split_lines(data, size, &rrset);

  sd_tlsrpt_record rec = {0};
  sd_findings findings = {0};
  sd_tlsrpt_evaluate(rrset.ptr, rrset.len, rrset.count, &rec, &findings);
  for (size_t i = 0; i < rec.rua_count; i++)
    if (!rec.rua[i]) abort(); /* every URI kept must be a string */
  sd_tlsrpt_record_free(&rec);
  sd_findings_clear(&findings);

  sd_tlsrpt_record one = {0};
  sd_tlsrpt_parse((const char *)data, size, &one, &findings);
  sd_tlsrpt_record_free(&one);
  sd_findings_clear(&findings);
  return 0;
}
