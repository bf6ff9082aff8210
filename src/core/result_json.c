#include "core/result_json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "core/probe_copy.h"
#include "util/str.h"

/* ---- building objects ----------------------------------------------------------
 * Every key in this file is a string literal or a static name, so cJSON need
 * not copy it (the *CS call): that halves the allocations of a scan row. */

static cJSON_bool j_item(cJSON *obj, const char *key, cJSON *item) { return cJSON_AddItemToObjectCS(obj, key, item); }

static cJSON *j_added(cJSON *obj, const char *key, cJSON *item) {
  if (item && !cJSON_AddItemToObjectCS(obj, key, item)) {
    cJSON_Delete(item);
    return NULL;
  }
  return item;
}

static cJSON *j_string(cJSON *obj, const char *key, const char *s) { return j_added(obj, key, cJSON_CreateString(s)); }
static cJSON *j_number(cJSON *obj, const char *key, double n) { return j_added(obj, key, cJSON_CreateNumber(n)); }
static cJSON *j_bool(cJSON *obj, const char *key, cJSON_bool b) { return j_added(obj, key, cJSON_CreateBool(b)); }
static cJSON *j_null(cJSON *obj, const char *key) { return j_added(obj, key, cJSON_CreateNull()); }
static cJSON *j_array(cJSON *obj, const char *key) { return j_added(obj, key, cJSON_CreateArray()); }
static cJSON *j_object(cJSON *obj, const char *key) { return j_added(obj, key, cJSON_CreateObject()); }

/* ---- helpers ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
  if (s[0] >= 0x01 && s[0] < 0x80) return 1;
  size_t len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
  if (len == 0 || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (len == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
  if (len == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
  if (len == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;
  if (len == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0;
  return len;
}

cJSON *sd_json_remote_string(const char *data, size_t len, size_t max) {
  if (!data) return cJSON_CreateNull();
  if (len > max) len = max;
  sd_buf b = {0};
  const unsigned char *s = (const unsigned char *)data;
  for (size_t i = 0; i < len;) {
    size_t n = utf8_sequence(s + i, len - i);
    if (n) {
      sd_buf_append(&b, s + i, n);
      i += n;
    } else {
      sd_buf_puts(&b, "\xEF\xBF\xBD");
      i++;
    }
  }
  char *text = sd_buf_take(&b);
  cJSON *j = cJSON_CreateString(text ? text : "");
  free(text);
  return j;
}

/* 1 when s is short printable ASCII: most names and texts are, and go to
 * cJSON as they are, without the UTF-8 check's copy. */
static int plain_ascii(const char *s) {
  for (size_t i = 0; s[i]; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || i >= 4096) return 0;
  return 1;
}

static cJSON *str_or_null(const char *s) {
  if (!s) return cJSON_CreateNull();
  return plain_ascii(s) ? cJSON_CreateString(s) : sd_json_remote_string(s, strlen(s), 1 << 20);
}

static void add_str(cJSON *obj, const char *key, const char *s) { j_item(obj, key, str_or_null(s)); }

static char *rfc3339(time_t t) {
  struct tm tm;
  char buf[32];
  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return sd_strdup(buf);
}

static char *sha256_hex(const char *data, size_t len) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)data, len, md);
  return sd_hex(md, sizeof(md));
}

static cJSON *bool_or_null(int v) { return v < 0 ? cJSON_CreateNull() : cJSON_CreateBool(v); }

/* ---- addresses and MX ----------------------------------------------------- */

static cJSON *smtp_json(const sd_probe_result *p) {
  cJSON *o = cJSON_CreateObject();
  j_string(o, "status", sd_probe_status_name(p->status));
  add_str(o, "failed_step", p->failed_step);
  add_str(o, "detail", p->detail);
  add_str(o, "sni", p->sni);
  j_number(o, "banner_code", p->banner_code);
  add_str(o, "banner", p->banner);
  add_str(o, "ehlo", p->ehlo);
  add_str(o, "tls_version", p->tls_version);
  add_str(o, "tls_cipher", p->tls_cipher);
  j_number(o, "elapsed_ms", (double)(long)p->elapsed_ms);
  return o;
}

static cJSON *pkix_json(const sd_addr_result *a) {
  if (!a->pkix_checked) return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  j_bool(o, "valid", a->pkix.valid);
  cJSON *errors = j_array(o, "errors");
  for (size_t i = 0; i < a->pkix.error_count; i++) {
    cJSON *e = cJSON_CreateObject();
    j_string(e, "code", sd_code_lookup(a->pkix.codes[i])->name);
    add_str(e, "detail", a->pkix.details[i]);
    cJSON_AddItemToArray(errors, e);
  }
  add_str(o, "leaf_subject", a->pkix.leaf_subject);
  add_str(o, "leaf_sans", a->pkix.leaf_sans);
  if (a->pkix.leaf_not_after) {
    char *t = rfc3339(a->pkix.leaf_not_after);
    add_str(o, "leaf_not_after", t);
    free(t);
  }
  return o;
}

static cJSON *dane_addr_json(const sd_mx_result *mx, const sd_addr_result *a) {
  cJSON *o = cJSON_CreateObject();
  int applies = mx->tlsa_usable > 0 && mx->tlsa_dnssec == SD_DNSSEC_SECURE;
  j_bool(o, "applies", applies);
  j_item(o, "valid", a->dane_checked ? cJSON_CreateBool(a->dane.valid) : cJSON_CreateNull());
  add_str(o, "matched", a->dane_checked ? a->dane.matched : NULL);
  if (a->dane_checked) {
    j_number(o, "depth", a->dane.match_depth);
    if (!a->dane.valid) {
      j_string(o, "code", sd_code_lookup(a->dane.code)->name);
      add_str(o, "detail", a->dane.detail);
      j_bool(o, "params_wrong", a->dane.params_wrong);
    }
  }
  return o;
}

static cJSON *chain_json(const sd_chain *chain, int pem) {
  cJSON *arr = cJSON_CreateArray();
  char **hashes = sd_chain_sha256(chain);
  for (size_t i = 0; hashes && i < chain->count; i++) {
    cJSON_AddItemToArray(arr, cJSON_CreateString(hashes[i] ? hashes[i] : ""));
    free(hashes[i]);
  }
  free(hashes);
  (void)pem;
  return arr;
}

static cJSON *address_json(const sd_mx_result *mx, const sd_addr_result *a, const sd_json_options *opt) {
  cJSON *o = cJSON_CreateObject();
  add_str(o, "ip", a->ip);
  j_string(o, "dnssec", sd_dnssec_name(a->dnssec));
  int starttls = !a->probed ? -1 : a->probe.starttls_offered;
  j_item(o, "starttls", bool_or_null(starttls));
  j_item(o, "smtp", a->probed ? smtp_json(&a->probe) : cJSON_CreateNull());
  j_item(o, "pkix", pkix_json(a));
  j_item(o, "dane", dane_addr_json(mx, a));
  j_item(o, "chain_sha256", chain_json(&a->probe.chain, opt && opt->include_pem));
  if (opt && opt->include_pem && a->probe.chain.count) {
    char *pem = sd_chain_pem(&a->probe.chain);
    add_str(o, "chain_pem", pem);
    free(pem);
  }
  return o;
}

static cJSON *tlsa_json(const sd_mx_result *mx) {
  if (!mx->tlsa_queried) return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  add_str(o, "base", mx->tlsa_base);
  j_string(o, "lookup", sd_lookup_name(mx->tlsa_lookup));
  j_string(o, "dnssec", sd_dnssec_name(mx->tlsa_dnssec));
  cJSON *records = j_array(o, "records");
  cJSON *status = j_array(o, "record_status");
  for (size_t i = 0; i < mx->tlsa_count; i++) {
    char *text = sd_tlsa_format(&mx->tlsa[i]);
    cJSON_AddItemToArray(records, cJSON_CreateString(text ? text : ""));
    cJSON_AddItemToArray(status, cJSON_CreateString(sd_tlsa_usability_name(mx->tlsa_status[i])));
    free(text);
  }
  j_number(o, "usable", (double)mx->tlsa_usable);
  return o;
}

static cJSON *mx_json(const sd_mx_result *mx, const sd_json_options *opt) {
  cJSON *o = cJSON_CreateObject();
  add_str(o, "host", mx->host);
  j_number(o, "preference", mx->preference);
  j_item(o, "sts_match", bool_or_null(mx->sts_match));
  j_item(o, "sts_mismatch", mx->sts_match == 0 ? cJSON_CreateString(sd_sts_mismatch_name(mx->mismatch.kind)) : cJSON_CreateNull());
  if (mx->sts_match == 0)
    j_bool(o, "sts_lists_policy_host", mx->mismatch.policy_lists_policy_host);
  add_str(o, "cname", mx->cname_target);
  j_string(o, "address_lookup", sd_lookup_name(mx->addr_lookup));
  j_string(o, "address_dnssec", sd_dnssec_name(mx->addr_dnssec));
  cJSON *addrs = j_array(o, "addresses");
  for (size_t i = 0; i < mx->addr_count; i++) cJSON_AddItemToArray(addrs, address_json(mx, &mx->addrs[i], opt));
  j_item(o, "tlsa", tlsa_json(mx));
  j_string(o, "dane", sd_mx_dane_name(mx->dane));
  return o;
}

/* ---- MTA-STS, TLSRPT ------------------------------------------------------ */

static cJSON *txt_array(char *const *txts, const size_t *lens, size_t n) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, sd_json_remote_string(txts[i], lens[i], 4096));
  return arr;
}

static cJSON *policy_json(const sd_domain_result *r) {
  if (!r->policy_fetched) return cJSON_CreateNull();
  const sd_fetch_result *f = &r->fetch;
  cJSON *o = cJSON_CreateObject();
  add_str(o, "url", f->url);
  j_number(o, "http_status", (double)f->http_status);
  j_string(o, "fetch", sd_fetch_error_name(f->error));
  add_str(o, "fetch_detail", f->detail);
  add_str(o, "content_type", f->content_type);
  add_str(o, "location", f->location);
  add_str(o, "primary_ip", f->primary_ip);
  j_item(o, "headers", f->headers ? sd_json_remote_string(f->headers, strlen(f->headers), 16384) : cJSON_CreateNull());
  j_item(o, "mode", r->policy.mode ? cJSON_CreateString(sd_sts_mode_name(r->policy.mode)) : cJSON_CreateNull());
  j_item(o, "max_age", r->policy.max_age >= 0 && f->error == SD_FETCH_OK ? cJSON_CreateNumber((double)r->policy.max_age) : cJSON_CreateNull());
  cJSON *mx = j_array(o, "mx");
  for (size_t i = 0; i < r->policy.mx_count; i++) cJSON_AddItemToArray(mx, str_or_null(r->policy.mx[i]));
  j_bool(o, "valid", r->policy.valid);
  j_item(o, "raw", f->body ? sd_json_remote_string(f->body, f->body_len, 65536) : cJSON_CreateNull());
  if (f->body) {
    char *h = sha256_hex(f->body, f->body_len);
    add_str(o, "sha256", h);
    free(h);
  }
  return o;
}

static cJSON *mtasts_json(const sd_domain_result *r) {
  cJSON *o = cJSON_CreateObject();
  j_string(o, "status", sd_sts_status_name(r->sts_status));
  j_string(o, "lookup", sd_lookup_name(r->sts_txt_lookup));
  j_item(o, "txt", txt_array(r->sts_txts, r->sts_txt_lens, r->sts_txt_count));
  add_str(o, "record_cname", r->sts_txt_cname);
  add_str(o, "policy_host_cname", r->policy_host_cname);
  if (r->sts_record.raw || r->sts_record.candidates) {
    cJSON *rec = cJSON_CreateObject();
    add_str(rec, "raw", r->sts_record.raw);
    j_item(rec, "id", r->sts_record.status == SD_STS_RECORD_VALID ? cJSON_CreateString(r->sts_record.id) : cJSON_CreateNull());
    j_string(rec, "dnssec", sd_dnssec_name(r->sts_txt_dnssec));
    j_bool(rec, "valid", r->sts_record.status == SD_STS_RECORD_VALID);
    j_item(o, "record", rec);
  } else {
    j_null(o, "record");
  }
  j_item(o, "policy", policy_json(r));
  return o;
}

static const char *tlsrpt_status_name(const sd_domain_result *r) {
  if (r->tlsrpt_lookup == SD_LOOKUP_ERROR) return "error";
  switch (r->tlsrpt.status) {
  case SD_TLSRPT_VALID: return "valid";
  case SD_TLSRPT_INVALID: return "invalid";
  default: return "absent";
  }
}

static cJSON *tlsrpt_json(const sd_domain_result *r) {
  cJSON *o = cJSON_CreateObject();
  j_string(o, "status", tlsrpt_status_name(r));
  add_str(o, "raw", r->tlsrpt.raw);
  cJSON *rua = j_array(o, "rua");
  for (size_t i = 0; i < r->tlsrpt.rua_count; i++) cJSON_AddItemToArray(rua, str_or_null(r->tlsrpt.rua[i]));
  j_item(o, "txt", txt_array(r->tlsrpt_txts, r->tlsrpt_txt_lens, r->tlsrpt_txt_count));
  return o;
}

/* ---- verdict and findings ---------------------------------------------------- */

static cJSON *verdict_json(const sd_domain_result *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON *profiles = j_object(o, "profiles");
  for (int p = 0; p < SD_PROFILE__COUNT; p++)
    j_string(profiles, sd_profile_name((sd_profile)p), sd_outcome_name(r->profiles[p]));
  j_string(o, "protected_by", sd_protected_by_name(r->protected_by));
  cJSON *conflicts = j_array(o, "conflicts");
  for (size_t i = 0; i < r->conflict_count; i++) {
    cJSON *c = cJSON_CreateObject();
    j_string(c, "code", r->conflicts[i].code);
    add_str(c, "detail", r->conflicts[i].detail);
    cJSON_AddItemToArray(conflicts, c);
  }
  add_str(o, "unknown_reason", r->unknown_reason);
  return o;
}

static cJSON *findings_json(const sd_findings *f) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < f->count; i++) {
    const sd_code_info *info = sd_code_lookup(f->items[i].code);
    cJSON *o = cJSON_CreateObject();
    j_string(o, "code", info->name);
    j_string(o, "severity", sd_severity_name(info->severity));
    j_item(o, "tlsrpt", info->tlsrpt ? cJSON_CreateString(info->tlsrpt) : cJSON_CreateNull());
    add_str(o, "where", f->items[i].where);
    add_str(o, "detail", f->items[i].detail);
    add_str(o, "remedy", f->items[i].remedy);
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}

cJSON *sd_result_to_json(const sd_domain_result *r, const sd_json_options *opt) {
  cJSON *o = cJSON_CreateObject();
  add_str(o, "domain", r->domain);
  if (r->input) add_str(o, "input", r->input);
  char *t = rfc3339(r->scanned_at);
  add_str(o, "scanned_at", t);
  free(t);
  j_string(o, "stsdane_version", STSDANE_VERSION);
  j_string(o, "mx_lookup", sd_lookup_name(r->mx_lookup));
  j_string(o, "mx_dnssec", sd_dnssec_name(r->mx_dnssec));
  j_bool(o, "null_mx", r->null_mx);
  j_bool(o, "implicit_mx", r->implicit_mx);
  j_bool(o, "dnskey_without_ds", r->dnskey_without_ds);
  cJSON *mx = j_array(o, "mx");
  for (size_t i = 0; i < r->mx_count; i++) cJSON_AddItemToArray(mx, mx_json(&r->mx[i], opt));
  j_item(o, "mtasts", mtasts_json(r));
  j_item(o, "tlsrpt", tlsrpt_json(r));
  cJSON *dane = j_object(o, "dane");
  j_string(dane, "status", sd_dane_status_name(r->dane_status));
  j_item(o, "verdict", verdict_json(r));
  j_item(o, "findings", findings_json(&r->findings));
  return o;
}

char *sd_result_to_json_line(const sd_domain_result *r, const sd_json_options *opt) {
  cJSON *o = sd_result_to_json(r, opt);
  /* A row is a few kB: one buffer of that size spares cJSON's regrowing. */
  char *text = o ? cJSON_PrintBuffered(o, 4096, 0) : NULL;
  cJSON_Delete(o);
  return text;
}
