/*
 * The exact records and files a plan publishes: TLSA 3 1 1 of each key the
 * MX hosts serve, the _mta-sts TXT with fresh ids, the policy file with the
 * real MX set (testing first, then enforce), the name the policy host's
 * certificate must carry, and a TLSRPT record when none is valid.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/str.h"

/* An id is 1 to 32 letters and digits (RFC 8461 section 3.1): the UTC time
 * the record is published, so each new id differs from the last. */
static char *sts_txt(time_t when) {
  char id[32];
  struct tm tm;
  gmtime_r(&when, &tm);
  strftime(id, sizeof(id), "%Y%m%dT%H%M%S", &tm);
  return sd_asprintf("v=STSv1; id=%s;", id);
}

static char *policy_body(const sd_plan_publish *pub, const char *mode, long max_age) {
  size_t cap = 64 + strlen(mode);
  for (size_t i = 0; i < pub->policy_mx_count; i++) cap += strlen(pub->policy_mx[i]) + 8;
  char *body = malloc(cap), *end = body;
  if (!body) return NULL;
  end += sprintf(end, "version: STSv1\r\nmode: %s\r\n", mode);
  for (size_t i = 0; i < pub->policy_mx_count; i++) end += sprintf(end, "mx: %s\r\n", pub->policy_mx[i]);
  sprintf(end, "max_age: %ld\r\n", max_age);
  return body;
}

static int add_tlsa(sd_plan_publish *pub, const sd_plan_mx *mx, size_t key) {
  sd_plan_record *t = realloc(pub->tlsa, (pub->tlsa_count + 1) * sizeof(*t));
  if (!t) return -1;
  pub->tlsa = t;
  /* A CNAME MX: the TLSA base domain is where the CNAME leads (RFC 7672
   * section 2.2.3), in the zone of whoever runs that name. */
  t[pub->tlsa_count] = (sd_plan_record){.name = sd_asprintf("_25._tcp.%s", mx->cname ? mx->cname : mx->host),
                                        .type = "TLSA", .value = sd_strdup(mx->keys[key]), .host = mx->host,
                                        .published_by = mx->third_party ? mx->operator_domain : NULL,
                                        .published = mx->key_published[key]};
  pub->tlsa_count++;
  return 0;
}

static int build_policy(const sd_plan_prereq *p, sd_plan_publish *pub) {
  pub->policy_url = sd_asprintf("https://%s/.well-known/mta-sts.txt", p->policy_host);
  pub->policy_host_cert_name = sd_strdup(p->policy_host);
  if (p->mx_count && !(pub->policy_mx = calloc(p->mx_count, sizeof(char *)))) return -1;
  for (size_t i = 0; i < p->mx_count; i++) /* an address is no MX pattern (RFC 8461 section 3.2) */
    if (!p->mx[i].ip_literal && (pub->policy_mx[pub->policy_mx_count] = sd_strdup(p->mx[i].host)))
      pub->policy_mx_count++;
  pub->policy_testing = policy_body(pub, "testing", SD_PLAN_TESTING_MAX_AGE);
  pub->policy_enforce = policy_body(pub, "enforce", SD_PLAN_ENFORCE_MAX_AGE);
  return pub->policy_url && pub->policy_testing && pub->policy_enforce ? 0 : -1;
}

int sd_plan_publish_build(const sd_plan_prereq *p, time_t now, sd_plan_publish *pub) {
  memset(pub, 0, sizeof(*pub));
  for (size_t i = 0; i < p->mx_count; i++)
    for (size_t k = 0; !p->mx[i].ip_literal && k < p->mx[i].key_count; k++)
      if (add_tlsa(pub, &p->mx[i], k) != 0) return -1;
  char *sts_name = sd_asprintf("_mta-sts.%s", p->domain);
  pub->sts_testing = (sd_plan_record){.name = sts_name, .type = "TXT", .value = sts_txt(now)};
  pub->sts_enforce = (sd_plan_record){.name = sd_strdup(sts_name), .type = "TXT",
                                      .value = sts_txt(now + SD_PLAN_TESTING_DAYS * 86400L)};
  pub->tlsrpt = (sd_plan_record){.name = sd_asprintf("_smtp._tls.%s", p->domain), .type = "TXT"};
  /* A valid record stays; otherwise reports go to a mailbox of the domain
   * itself (the operator may prefer a reporting service's address). */
  if (p->tlsrpt != 1) pub->tlsrpt.value = sd_asprintf("v=TLSRPTv1; rua=mailto:tlsrpt@%s", p->domain);
  if (build_policy(p, pub) != 0) return -1;
  return sts_name && pub->sts_testing.value && pub->sts_enforce.value && pub->tlsrpt.name ? 0 : -1;
}

static void free_record(sd_plan_record *r) {
  free(r->name);
  free(r->value);
}

void sd_plan_publish_free(sd_plan_publish *pub) {
  for (size_t i = 0; i < pub->tlsa_count; i++) free_record(&pub->tlsa[i]);
  free(pub->tlsa);
  free_record(&pub->sts_testing);
  free_record(&pub->sts_enforce);
  free_record(&pub->tlsrpt);
  for (size_t i = 0; i < pub->policy_mx_count; i++) free(pub->policy_mx[i]);
  free(pub->policy_mx);
  free(pub->policy_url);
  free(pub->policy_testing);
  free(pub->policy_enforce);
  free(pub->policy_host_cert_name);
  memset(pub, 0, sizeof(*pub));
}
