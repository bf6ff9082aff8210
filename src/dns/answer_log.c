#include "dns/answer_log.h"

#include <string.h>

/* Writes name lower case without its trailing dot (the root as "."), so the
 * lines of one (name, type) compare equal whatever spelling the caller used.
 * Spaces and control bytes, which a hostile input name may carry, are written
 * as \DDD (RFC 1035 §5.1) so that one answer stays one line of four fields. */
static void write_name(FILE *log, const char *name) {
  size_t len = name ? strlen(name) : 0;
  if (len > 1 && name[len - 1] == '.' && name[len - 2] != '\\') len--;
  if (len == 0 || (len == 1 && name[0] == '.')) {
    fputc('.', log);
    return;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c <= ' ' || c >= 0x7f)
      fprintf(log, "\\%03u", c);
    else
      fputc(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c, log);
  }
}

void sd_dns_answer_log_write(FILE *log, const sd_dns_answer *answer) {
  if (!log || !answer) return;
  write_name(log, answer->qname);
  const char *type = sd_rr_type_name(answer->qtype);
  if (strcmp(type, "TYPE?") == 0)
    fprintf(log, " TYPE%u", (unsigned)answer->qtype); /* RFC 3597 form for types we have no name for */
  else
    fprintf(log, " %s", type);
  fprintf(log, " %s %s\n", sd_lookup_name(answer->lookup), sd_dnssec_name(answer->dnssec));
}
