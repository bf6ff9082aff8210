/* The plan as one JSON object (keys documented in docs/plan.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "result/result_json.h"
#include "util/json_writer.h"

/* A string for the JSON: remote text (certificate names, error details,
 * records) may hold any bytes; invalid UTF-8 becomes U+FFFD as in check's
 * JSON (the same function), so that the output is valid JSON whatever a
 * server sent. NULL: null. */
static cJSON *text(const char *s) {
  return sd_json_remote_string(s, s ? strlen(s) : 0, SIZE_MAX);
}

static cJSON *tri_bool(int v) { return v < 0 ? cJSON_CreateNull() : cJSON_CreateBool(v); }

static void add_string_or_null(cJSON *o, const char *key, const char *value) {
  cJSON_AddItemToObject(o, key, text(value));
}

static const char *record_state(int v) { return v == 1 ? "valid" : v == 0 ? "absent" : "invalid"; }

static cJSON *list_json(const sd_plan_list *l) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < l->count; i++) cJSON_AddItemToArray(a, text(l->items[i]));
  return a;
}

static cJSON *mx_json(const sd_plan_mx *mx) {
  cJSON *o = cJSON_CreateObject();
  add_string_or_null(o, "host", mx->host);
  cJSON_AddNumberToObject(o, "preference", mx->preference);
  add_string_or_null(o, "cname", mx->cname);
  add_string_or_null(o, "operator_domain", mx->operator_domain);
  cJSON_AddBoolToObject(o, "third_party", mx->third_party);
  add_string_or_null(o, "dnssec", sd_zone_state_name(mx->zone));
  cJSON_AddItemToObject(o, "starttls", tri_bool(mx->starttls));
  add_string_or_null(o, "tls_problem", mx->tls_problem);
  cJSON_AddItemToObject(o, "webpki", tri_bool(mx->webpki));
  add_string_or_null(o, "webpki_problem", mx->webpki_problem);
  add_string_or_null(o, "certificate_names", mx->cert_names);
  cJSON *keys = cJSON_AddArrayToObject(o, "keys");
  for (size_t i = 0; keys && i < mx->key_count; i++) cJSON_AddItemToArray(keys, text(mx->keys[i]));
  add_string_or_null(o, "dane", sd_mx_dane_name(mx->dane));
  cJSON_AddNumberToObject(o, "tlsa_records", (double)mx->tlsa_count);
  return o;
}

static cJSON *prereq_json(const sd_plan_prereq *p) {
  cJSON *o = cJSON_CreateObject();
  add_string_or_null(o, "mail", sd_plan_mail_name(p->mail));
  add_string_or_null(o, "operator_domain", p->operator_domain);
  add_string_or_null(o, "dnssec", sd_zone_state_name(p->zone));
  cJSON *mx = cJSON_AddArrayToObject(o, "mx");
  for (size_t i = 0; mx && i < p->mx_count; i++) cJSON_AddItemToArray(mx, mx_json(&p->mx[i]));
  cJSON *ph = cJSON_AddObjectToObject(o, "policy_host");
  add_string_or_null(ph, "name", p->policy_host);
  add_string_or_null(ph, "state", sd_policy_host_state_name(p->policy_host_state));
  add_string_or_null(ph, "detail", p->policy_host_detail);
  add_string_or_null(o, "mtasts_record", record_state(p->sts_record));
  add_string_or_null(o, "mtasts_mode", p->sts_mode);
  add_string_or_null(o, "tlsrpt", record_state(p->tlsrpt));
  add_string_or_null(o, "tlsrpt_record", p->tlsrpt_record);
  return o;
}

static cJSON *record_json(const sd_plan_record *r) {
  cJSON *o = cJSON_CreateObject();
  add_string_or_null(o, "name", r->name);
  add_string_or_null(o, "type", r->type);
  add_string_or_null(o, "value", r->value);
  if (r->host) add_string_or_null(o, "mx", r->host);
  if (!strcmp(r->type, "TLSA")) {
    add_string_or_null(o, "published_by", r->published_by);
    cJSON_AddBoolToObject(o, "published", r->published);
  }
  return o;
}

static cJSON *publish_json(const sd_plan_publish *pub) {
  cJSON *o = cJSON_CreateObject();
  cJSON *tlsa = cJSON_AddArrayToObject(o, "tlsa");
  for (size_t i = 0; tlsa && i < pub->tlsa_count; i++) cJSON_AddItemToArray(tlsa, record_json(&pub->tlsa[i]));
  cJSON *sts = cJSON_AddObjectToObject(o, "mtasts");
  cJSON_AddItemToObject(sts, "record_testing", record_json(&pub->sts_testing));
  cJSON_AddItemToObject(sts, "record_enforce", record_json(&pub->sts_enforce));
  add_string_or_null(sts, "policy_url", pub->policy_url);
  cJSON *mx = cJSON_AddArrayToObject(sts, "policy_mx");
  for (size_t i = 0; mx && i < pub->policy_mx_count; i++) cJSON_AddItemToArray(mx, text(pub->policy_mx[i]));
  add_string_or_null(sts, "policy_testing", pub->policy_testing);
  add_string_or_null(sts, "policy_enforce", pub->policy_enforce);
  cJSON_AddNumberToObject(sts, "max_age_testing", SD_PLAN_TESTING_MAX_AGE);
  cJSON_AddNumberToObject(sts, "max_age_enforce", SD_PLAN_ENFORCE_MAX_AGE);
  cJSON_AddNumberToObject(sts, "max_age_final", SD_PLAN_FINAL_MAX_AGE);
  cJSON_AddNumberToObject(sts, "testing_days", SD_PLAN_TESTING_DAYS);
  cJSON *names = cJSON_AddArrayToObject(sts, "policy_host_certificate_names");
  cJSON_AddItemToArray(names, text(pub->policy_host_cert_name));
  cJSON_AddItemToObject(o, "tlsrpt", record_json(&pub->tlsrpt));
  return o;
}

static cJSON *protocol_json(const sd_plan_protocol *pr) {
  cJSON *o = cJSON_CreateObject();
  add_string_or_null(o, "status", sd_plan_status_name(pr->status));
  add_string_or_null(o, "summary", pr->summary);
  cJSON_AddItemToObject(o, "missing", list_json(&pr->missing));
  cJSON_AddItemToObject(o, "unknown", list_json(&pr->unknown));
  cJSON_AddItemToObject(o, "steps", list_json(&pr->steps));
  cJSON_AddItemToObject(o, "duties", list_json(&pr->duties));
  cJSON_AddItemToObject(o, "protects", list_json(&pr->protects));
  return o;
}

static cJSON *today_json(const sd_domain_result *r) {
  cJSON *o = cJSON_CreateObject();
  add_string_or_null(o, "mtasts", sd_sts_status_name(r->sts_status));
  add_string_or_null(o, "dane", sd_dane_status_name(r->dane_status));
  add_string_or_null(o, "protected_by", sd_protected_by_name(r->protected_by));
  cJSON *profiles = cJSON_AddObjectToObject(o, "profiles");
  for (int p = 0; p < SD_PROFILE__COUNT; p++)
    cJSON_AddStringToObject(profiles, sd_profile_name((sd_profile)p), sd_outcome_name(r->profiles[p]));
  return o;
}

cJSON *sd_plan_to_json(const sd_plan *plan) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  const sd_domain_result *r = plan->prereq.m->r;
  char when[32];
  struct tm tm;
  gmtime_r(&plan->planned_at, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  add_string_or_null(o, "domain", r->domain);
  if (r->input) add_string_or_null(o, "input", r->input);
  add_string_or_null(o, "planned_at", when);
  cJSON_AddItemToObject(o, "today", today_json(r));
  cJSON_AddItemToObject(o, "prerequisites", prereq_json(&plan->prereq));
  cJSON_AddItemToObject(o, "publish", publish_json(&plan->publish));
  cJSON *plans = cJSON_AddObjectToObject(o, "plans");
  for (int i = 0; i < SD_PLAN__COUNT; i++)
    cJSON_AddItemToObject(plans, sd_plan_protocol_name((sd_plan_protocol_id)i), protocol_json(&plan->protocols[i]));
  return o;
}
