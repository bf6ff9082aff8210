/* libFuzzer target: the incremental SMTP reply parser (RFC 5321 §4.2) as the
 * prober drives it: bytes arrive in chunks of any size, replies follow one
 * another on the same connection (pipelining), and the EHLO reply is
 * searched for keywords. The first input byte picks the chunk sizes and the
 * line limit, the rest is what the server sent. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replies parsed per input at most: each one consumes at least one byte,
 * this only bounds the work on long inputs. */
#define MAX_REPLIES 64

static void inspect_complete_reply(const sd_reply *r) {
  if (r->code < 100 || r->code > 599 || r->lines == 0) abort();
  if (r->text_len != strlen(r->text)) abort(); /* NULs are refused */
  char *first = sd_reply_first_line(r);
  free(first);
  (void)sd_ehlo_has_keyword(r->text, "STARTTLS");
  (void)sd_ehlo_has_keyword(r->text, "PIPELINING");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  /* Low bits: chunk size 1..16; bit 4: small limits so the bounds trip. */
  size_t chunk = (size_t)(data[0] & 0x0f) + 1;
  int small_limits = (data[0] & 0x10) != 0;
  const char *p = (const char *)data + 1, *end = (const char *)data + size;

  sd_reply r;
  if (sd_reply_init(&r, small_limits ? 16 : 0, small_limits ? 64 : 0) != 0) return 0;
  for (int replies = 0; p < end && replies < MAX_REPLIES;) {
    size_t n = (size_t)(end - p) < chunk ? (size_t)(end - p) : chunk;
    size_t used = (size_t)-1;
    sd_reply_state st = sd_reply_feed(&r, p, n, &used);
    if (used > n) abort(); /* never consumes more than it was given */
    p += used;
    if (st == SD_REPLY_NEED_MORE) {
      if (used != n) abort(); /* NEED_MORE means all input was consumed */
      continue;
    }
    if (st == SD_REPLY_COMPLETE) inspect_complete_reply(&r);
    if (st == SD_REPLY_ERROR) {
      if (r.error[0] == '\0' || !memchr(r.error, '\0', sizeof(r.error))) abort();
      break; /* the prober drops the connection */
    }
    sd_reply_reset(&r);
    replies++;
  }
  sd_reply_free(&r);

  /* Keyword search over arbitrary text, as a cached EHLO reply is read. */
  char *text = malloc(size);
  if (text) {
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    (void)sd_ehlo_has_keyword(text, "STARTTLS");
    free(text);
  }
  return 0;
}
