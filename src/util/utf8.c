#include "util/utf8.h"

/* Bytes of the sequence a lead byte from 0x80 announces; 0 when it cannot
 * lead (a continuation byte, C0/C1 overlong, beyond U+10FFFF). */
static size_t utf8_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

size_t sd_utf8_sequence(const unsigned char *s, size_t n) {
  if (n == 0) return 0;
  if (s[0] >= 0x01 && s[0] < 0x80) return 1;
  size_t len = utf8_length(s[0]);
  if (len == 0 || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (len == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
  if (len == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
  if (len == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
  if (len == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0;  /* above U+10FFFF */
  return len;
}
