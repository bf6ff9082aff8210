/* libFuzzer target: the scan domain-list reader (plain lists and CSV top
 * lists), read as a stream from the fuzzer input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows read per input at most (every row consumes at least one byte). */
#define MAX_ROWS 100000

static void check_row(const sd_scan_row *row) {
  if (!memchr(row->text, '\0', sizeof(row->text))) abort();
  if (row->kind == SD_ROW_DOMAIN) {
    if (!memchr(row->domain, '\0', sizeof(row->domain)) || !sd_hostname_valid(row->domain)) abort();
  } else if (row->kind == SD_ROW_INVALID) {
    if (!memchr(row->reason, '\0', sizeof(row->reason)) || row->reason[0] == '\0') abort();
    /* What stands for an invalid row is printable text. */
    if (!sd_scan_text_clean(row->text, strlen(row->text))) abort();
  } else {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0; /* fmemopen refuses an empty buffer */
  FILE *fp = fmemopen((void *)data, size, "r");
  if (!fp) return 0;
  sd_input in;
  sd_scan_row *row = malloc(sizeof(*row));
  if (row && sd_input_init(&in, fp) == 0) {
    for (int n = 0; n < MAX_ROWS && sd_input_next(&in, row) == 1; n++) check_row(row);
    sd_input_free(&in);
  }
  free(row);
  fclose(fp);

  char shown[SD_SCAN_SHOWN_MAX + 64];
  sd_scan_represent((const char *)data, size, size, shown, sizeof(shown));
  if (!memchr(shown, '\0', sizeof(shown))) abort();
  return 0;
}
