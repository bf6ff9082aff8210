/* libFuzzer target: the MTA-STS TXT record parser (RFC 8461 §3.1).
 * The input is a TXT RRset, one record per line (each record may hold any
 * byte but '\n'); the whole input is also parsed as a single record, so
 * records containing '\n' are covered too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "mtasts/record.h"
#include "util/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sd_fuzz_pieces rrset;
  sd_fuzz_split_lines(data, size, &rrset);

  sd_sts_record rec = {0};
  sd_findings findings = {0};
  sd_sts_record_evaluate(rrset.ptr, rrset.len, rrset.count, &rec, &findings);
  if (rec.status == SD_STS_RECORD_VALID && rec.id[sizeof(rec.id) - 1] != '\0') abort();
  sd_sts_record_free(&rec);
  sd_findings_clear(&findings);

  sd_sts_record one = {0};
  sd_sts_record_parse((const char *)data, size, &one, &findings);
  sd_sts_record_free(&one);
  sd_findings_clear(&findings);

  char quoted[SD_QUOTE_SIZE];
  sd_quote_detail(quoted, (const char *)data, size);
  free(sd_quote_dup((const char *)data, size));
  return 0;
}
