/* Remedies that need computing: policy mx lines, a fresh MTA-STS id, the
 * TLSA record of the key an MX serves now. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare/verdict_internal.h"
#include "util/str.h"

void sd_vi_sts_new_id(time_t now, char out[15]) {
  struct tm tm;
  if (now <= 0) now = time(NULL);
  if (!gmtime_r(&now, &tm) || strftime(out, 15, "%Y%m%d%H%M%S", &tm) != 14)
    memcpy(out, "19700101000000", 15);
}

char *sd_vi_remedy_sts_mx_lines(const sd_domain_result *r, time_t now) {
  char id[15];
  sd_vi_sts_new_id(now, id);
  sd_buf b = {0};
  sd_buf_printf(&b, "list the current MX hosts in the policy at https://mta-sts.%s/.well-known/mta-sts.txt:",
                r->domain ? r->domain : "<domain>");
  /* Each host by name: a wildcard would also authorise hosts that are not
   * MX hosts today (RFC 8461 §4.1), which the operator did not ask for. */
  for (size_t i = 0; i < r->mx_count; i++) {
    const sd_mx_result *mx = &r->mx[i];
    if (!mx->is_ip_literal && mx->host && *mx->host) sd_buf_printf(&b, "\nmx: %s", mx->host);
  }
  sd_buf_printf(&b, "\nthen publish a new id in the _mta-sts TXT record: v=STSv1; id=%s", id);
  return sd_buf_take(&b);
}

char *sd_vi_tlsa_record_line(const sd_mx_result *mx) {
  const sd_cert_der *leaf = sd_vi_mx_served_leaf(mx);
  if (!leaf) return NULL;
  char *rec = sd_tlsa_record_for_cert(leaf->der, leaf->len, 3, 1, 1);
  if (!rec) return NULL;
  const char *base = mx->tlsa_base ? mx->tlsa_base : mx->host;
  char *line = sd_asprintf("publish _25._tcp.%s. IN TLSA %s (the key %s serves now)",
                           base ? base : "?", rec, mx->host ? mx->host : "?");
  free(rec);
  return line;
}
