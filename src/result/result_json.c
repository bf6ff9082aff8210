#include "result/result_json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "result/probe_copy.h"
#include "util/str.h"

/*
 * The row is written as text straight into one buffer (util/json_writer.h),
 * member by member in the order of the contract. Rows used to be printed
 * from a cJSON tree; the writer gives the same bytes, and the member helpers
 * below keep that tree's rules where a value was missing (see put_name).
 */

/* Longest text taken from a plain C string field: names, details, banners
 * and the like are far shorter; a PEM chain is the longest. */
#define TEXT_MAX ((size_t)1 << 20)

/* ---- members ------------------------------------------------------------------------------ */

/* One of our own strings (a name from a table, a code, a hash). When it is
 * NULL the member is left out, not null: cJSON dropped a member whose value
 * could not be made, and rows stay as they were. */
static void put_name(sd_jw *w, const char *key, const char *s) {
  if (!key || !s) return;
  sd_jw_key(w, key);
  sd_jw_string(w, s);
}

/* Bytes that came from outside (DNS, SMTP, HTTP, certificates), at most max
 * of them, as valid UTF-8; NULL: null. */
static void put_remote(sd_jw *w, const char *key, const char *data, size_t len, size_t max) {
  sd_jw_key(w, key);
  sd_jw_utf8(w, data, data && len > max ? max : len);
}

/* A C string field, which may hold remote bytes; NULL: null. */
static void text_value(sd_jw *w, const char *s) { sd_jw_utf8(w, s, s ? strnlen(s, TEXT_MAX) : 0); }

static void put_text(sd_jw *w, const char *key, const char *s) {
  sd_jw_key(w, key);
  text_value(w, s);
}

static void put_number(sd_jw *w, const char *key, double n) {
  sd_jw_key(w, key);
  sd_jw_number(w, n);
}

static void put_bool(sd_jw *w, const char *key, int b) {
  sd_jw_key(w, key);
  sd_jw_bool(w, b);
}

static void put_null(sd_jw *w, const char *key) {
  sd_jw_key(w, key);
  sd_jw_null(w);
}

/* -1: unknown (null), else a bool. */
static void put_bool_or_null(sd_jw *w, const char *key, int v) {
  if (v < 0)
    put_null(w, key);
  else
    put_bool(w, key, v);
}

static void open_object(sd_jw *w, const char *key) {
  sd_jw_key(w, key);
  sd_jw_object_begin(w);
}

static void open_array(sd_jw *w, const char *key) {
  sd_jw_key(w, key);
  sd_jw_array_begin(w);
}

/* ---- values made here --------------------------------------------------------------------- */

static void put_time(sd_jw *w, const char *key, time_t t) {
  struct tm tm = {0};
  char buf[32];
  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  put_name(w, key, buf);
}

/* Lower-case hex of the SHA-256 of data, into hex (65 bytes). */
static void sha256_hex(const void *data, size_t len, char hex[2 * SHA256_DIGEST_LENGTH + 1]) {
  static const char digits[] = "0123456789abcdef";
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data, len, md);
  for (size_t i = 0; i < sizeof(md); i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[2 * sizeof(md)] = '\0';
}

/* ---- addresses and MX --------------------------------------------------------------------- */

static void smtp_json(sd_jw *w, const sd_probe_result *p) {
  sd_jw_object_begin(w);
  put_name(w, "status", sd_probe_status_name(p->status));
  put_text(w, "failed_step", p->failed_step);
  put_text(w, "detail", p->detail);
  put_text(w, "sni", p->sni);
  put_number(w, "banner_code", p->banner_code);
  put_text(w, "banner", p->banner);
  put_text(w, "ehlo", p->ehlo);
  put_text(w, "tls_version", p->tls_version);
  put_text(w, "tls_cipher", p->tls_cipher);
  put_number(w, "elapsed_ms", (double)(long)p->elapsed_ms);
  put_number(w, "attempts", p->attempts);
  if (p->reply_code) put_number(w, "reply_code", p->reply_code);
  put_text(w, "transient_error", p->transient_error);
  sd_jw_object_end(w);
}

static void pkix_json(sd_jw *w, const sd_addr_result *a) {
  if (!a->pkix_checked) {
    sd_jw_null(w);
    return;
  }
  sd_jw_object_begin(w);
  put_bool(w, "valid", a->pkix.valid);
  open_array(w, "errors");
  for (size_t i = 0; i < a->pkix.error_count; i++) {
    sd_jw_object_begin(w);
    put_name(w, "code", sd_code_lookup(a->pkix.codes[i])->name);
    put_text(w, "detail", a->pkix.details[i]);
    sd_jw_object_end(w);
  }
  sd_jw_array_end(w);
  put_text(w, "leaf_subject", a->pkix.leaf_subject);
  put_text(w, "leaf_sans", a->pkix.leaf_sans);
  if (a->pkix.leaf_not_after) put_time(w, "leaf_not_after", a->pkix.leaf_not_after);
  sd_jw_object_end(w);
}

static void dane_addr_json(sd_jw *w, const sd_mx_result *mx, const sd_addr_result *a) {
  sd_jw_object_begin(w);
  /* Whether DANE senders authenticate this host with its TLSA records: its
   * fate, which also needs secure MX and address records. */
  put_bool(w, "applies", mx->dane == SD_MX_DANE_AUTHENTICATED || mx->dane == SD_MX_DANE_FAILED);
  put_bool_or_null(w, "valid", a->dane_checked ? a->dane.valid != 0 : -1);
  put_text(w, "matched", a->dane_checked ? a->dane.matched : NULL);
  if (a->dane_checked) {
    put_number(w, "depth", a->dane.match_depth);
    if (!a->dane.valid) {
      put_name(w, "code", sd_code_lookup(a->dane.code)->name);
      put_text(w, "detail", a->dane.detail);
      put_bool(w, "params_wrong", a->dane.params_wrong);
    }
  }
  sd_jw_object_end(w);
}

/* SHA-256 of each certificate as served (the DER bytes, unparsed). */
static void chain_json(sd_jw *w, const sd_chain *chain) {
  char hex[2 * SHA256_DIGEST_LENGTH + 1];
  sd_jw_array_begin(w);
  for (size_t i = 0; i < chain->count; i++) {
    sha256_hex(chain->certs[i].der, chain->certs[i].len, hex);
    sd_jw_string(w, hex);
  }
  sd_jw_array_end(w);
}

static void address_json(sd_jw *w, const sd_mx_result *mx, const sd_addr_result *a, const sd_json_options *opt) {
  sd_jw_object_begin(w);
  put_text(w, "ip", a->ip);
  put_name(w, "dnssec", sd_dnssec_name(a->dnssec));
  put_bool_or_null(w, "starttls", !a->probed ? -1 : a->probe.starttls_offered);
  sd_jw_key(w, "smtp");
  if (a->probed)
    smtp_json(w, &a->probe);
  else
    sd_jw_null(w);
  sd_jw_key(w, "pkix");
  pkix_json(w, a);
  sd_jw_key(w, "dane");
  dane_addr_json(w, mx, a);
  sd_jw_key(w, "chain_sha256");
  chain_json(w, &a->probe.chain);
  if (opt && opt->include_pem && a->probe.chain.count) {
    char *pem = sd_chain_pem(&a->probe.chain);
    put_text(w, "chain_pem", pem);
    free(pem);
  }
  sd_jw_object_end(w);
}

static void tlsa_json(sd_jw *w, const sd_mx_result *mx) {
  if (!mx->tlsa_queried) {
    sd_jw_null(w);
    return;
  }
  sd_jw_object_begin(w);
  put_text(w, "base", mx->tlsa_base);
  put_name(w, "lookup", sd_lookup_name(mx->tlsa_lookup));
  put_name(w, "dnssec", sd_dnssec_name(mx->tlsa_dnssec));
  put_text(w, "why_bogus", mx->tlsa_why_bogus);
  put_bool(w, "denial_bogus", sd_denial_bogus(mx->tlsa_lookup, mx->tlsa_dnssec));
  open_array(w, "records");
  for (size_t i = 0; i < mx->tlsa_count; i++) {
    char *text = sd_tlsa_format(&mx->tlsa[i]);
    sd_jw_string(w, text ? text : "");
    free(text);
  }
  sd_jw_array_end(w);
  open_array(w, "record_status");
  for (size_t i = 0; i < mx->tlsa_count; i++) {
    const char *status = sd_tlsa_usability_name(mx->tlsa_status[i]);
    if (status) sd_jw_string(w, status); /* as put_name: left out, never null */
  }
  sd_jw_array_end(w);
  put_number(w, "usable", (double)mx->tlsa_usable);
  sd_jw_object_end(w);
}

static void mx_json(sd_jw *w, const sd_mx_result *mx, const sd_json_options *opt) {
  sd_jw_object_begin(w);
  put_text(w, "host", mx->host);
  put_number(w, "preference", mx->preference);
  put_bool_or_null(w, "sts_match", mx->sts_match);
  if (mx->sts_match == 0) {
    put_name(w, "sts_mismatch", sd_sts_mismatch_name(mx->mismatch.kind));
    put_bool(w, "sts_lists_policy_host", mx->mismatch.policy_lists_policy_host);
  } else {
    put_null(w, "sts_mismatch");
  }
  put_text(w, "cname", mx->cname_target);
  put_name(w, "address_lookup", sd_lookup_name(mx->addr_lookup));
  put_name(w, "address_dnssec", sd_dnssec_name(mx->addr_dnssec));
  put_text(w, "address_why_bogus", mx->addr_why_bogus);
  open_array(w, "addresses");
  for (size_t i = 0; i < mx->addr_count; i++) address_json(w, mx, &mx->addrs[i], opt);
  sd_jw_array_end(w);
  sd_jw_key(w, "tlsa");
  tlsa_json(w, mx);
  put_name(w, "dane", sd_mx_dane_name(mx->dane));
  sd_jw_object_end(w);
}

/* ---- MTA-STS, TLSRPT ---------------------------------------------------------------------- */

static void txt_array(sd_jw *w, const char *key, char *const *txts, const size_t *lens, size_t n) {
  open_array(w, key);
  for (size_t i = 0; i < n; i++) sd_jw_utf8(w, txts[i], txts[i] && lens[i] > 4096 ? 4096 : lens[i]);
  sd_jw_array_end(w);
}

static void policy_json(sd_jw *w, const sd_domain_result *r) {
  if (!r->policy_fetched) {
    sd_jw_null(w);
    return;
  }
  const sd_fetch_result *f = &r->fetch;
  sd_jw_object_begin(w);
  put_text(w, "url", f->url);
  put_number(w, "http_status", (double)f->http_status);
  put_name(w, "fetch", sd_fetch_error_name(f->error));
  put_text(w, "fetch_detail", f->detail);
  put_text(w, "content_type", f->content_type);
  put_text(w, "location", f->location);
  put_text(w, "primary_ip", f->primary_ip);
  put_remote(w, "headers", f->headers, f->headers ? strnlen(f->headers, 16384) : 0, 16384);
  if (r->policy.mode)
    put_name(w, "mode", sd_sts_mode_name(r->policy.mode));
  else
    put_null(w, "mode");
  if (r->policy.max_age >= 0 && f->error == SD_FETCH_OK)
    put_number(w, "max_age", (double)r->policy.max_age);
  else
    put_null(w, "max_age");
  open_array(w, "mx");
  for (size_t i = 0; i < r->policy.mx_count; i++) text_value(w, r->policy.mx[i]);
  sd_jw_array_end(w);
  put_bool(w, "valid", r->policy.valid);
  put_remote(w, "raw", f->body, f->body_len, 65536);
  if (f->body) {
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    sha256_hex(f->body, f->body_len, hex);
    put_name(w, "sha256", hex);
  }
  sd_jw_object_end(w);
}

static void sts_record_json(sd_jw *w, const sd_domain_result *r) {
  if (!r->sts_record.raw && !r->sts_record.candidates) {
    sd_jw_null(w);
    return;
  }
  sd_jw_object_begin(w);
  put_text(w, "raw", r->sts_record.raw);
  if (r->sts_record.status == SD_STS_RECORD_VALID)
    put_name(w, "id", r->sts_record.id);
  else
    put_null(w, "id");
  put_name(w, "dnssec", sd_dnssec_name(r->sts_txt_dnssec));
  put_bool(w, "valid", r->sts_record.status == SD_STS_RECORD_VALID);
  sd_jw_object_end(w);
}

static void mtasts_json(sd_jw *w, const sd_domain_result *r) {
  sd_jw_object_begin(w);
  put_name(w, "status", sd_sts_status_name(r->sts_status));
  put_name(w, "lookup", sd_lookup_name(r->sts_txt_lookup));
  put_name(w, "dnssec", sd_dnssec_name(r->sts_txt_dnssec));
  put_text(w, "why_bogus", r->sts_txt_why_bogus);
  put_bool(w, "denial_bogus", sd_denial_bogus(r->sts_txt_lookup, r->sts_txt_dnssec));
  txt_array(w, "txt", r->sts_txts, r->sts_txt_lens, r->sts_txt_count);
  put_text(w, "record_cname", r->sts_txt_cname);
  put_text(w, "policy_host_cname", r->policy_host_cname);
  sd_jw_key(w, "record");
  sts_record_json(w, r);
  sd_jw_key(w, "policy");
  policy_json(w, r);
  sd_jw_object_end(w);
}

static const char *tlsrpt_status_name(const sd_domain_result *r) {
  if (r->tlsrpt_lookup == SD_LOOKUP_ERROR) return "error";
  switch (r->tlsrpt.status) {
  case SD_TLSRPT_VALID: return "valid";
  case SD_TLSRPT_INVALID: return "invalid";
  default: return "absent";
  }
}

static void tlsrpt_json(sd_jw *w, const sd_domain_result *r) {
  sd_jw_object_begin(w);
  put_name(w, "status", tlsrpt_status_name(r));
  put_text(w, "raw", r->tlsrpt.raw);
  open_array(w, "rua");
  for (size_t i = 0; i < r->tlsrpt.rua_count; i++) text_value(w, r->tlsrpt.rua[i]);
  sd_jw_array_end(w);
  txt_array(w, "txt", r->tlsrpt_txts, r->tlsrpt_txt_lens, r->tlsrpt_txt_count);
  sd_jw_object_end(w);
}

/* ---- verdict and findings ----------------------------------------------------------------- */

static void verdict_json(sd_jw *w, const sd_domain_result *r) {
  sd_jw_object_begin(w);
  open_object(w, "profiles");
  for (int p = 0; p < SD_PROFILE__COUNT; p++)
    put_name(w, sd_profile_name((sd_profile)p), sd_outcome_name(r->profiles[p]));
  sd_jw_object_end(w);
  put_name(w, "protected_by", sd_protected_by_name(r->protected_by));
  open_array(w, "conflicts");
  for (size_t i = 0; i < r->conflict_count; i++) {
    sd_jw_object_begin(w);
    put_name(w, "code", r->conflicts[i].code);
    put_text(w, "detail", r->conflicts[i].detail);
    sd_jw_object_end(w);
  }
  sd_jw_array_end(w);
  put_text(w, "unknown_reason", r->unknown_reason);
  sd_jw_object_end(w);
}

void sd_findings_json(sd_jw *w, const sd_findings *f) {
  sd_jw_array_begin(w);
  for (size_t i = 0; i < f->count; i++) {
    const sd_code_info *info = sd_code_lookup(f->items[i].code);
    sd_jw_object_begin(w);
    put_name(w, "code", info->name);
    put_name(w, "severity", sd_severity_name(info->severity));
    if (info->tlsrpt)
      put_name(w, "tlsrpt", info->tlsrpt);
    else
      put_null(w, "tlsrpt");
    put_text(w, "where", f->items[i].where);
    put_text(w, "detail", f->items[i].detail);
    put_text(w, "remedy", f->items[i].remedy);
    sd_jw_object_end(w);
  }
  sd_jw_array_end(w);
}

void sd_result_json_members(sd_jw *w, const sd_domain_result *r, const sd_json_options *opt) {
  put_text(w, "domain", r->domain);
  if (r->input) put_text(w, "input", r->input);
  put_time(w, "scanned_at", r->scanned_at);
  put_name(w, "stsdane_version", STSDANE_VERSION);
  if (opt) put_name(w, "scan_options", opt->scan_options);
  put_name(w, "mx_lookup", sd_lookup_name(r->mx_lookup));
  put_name(w, "mx_dnssec", sd_dnssec_name(r->mx_dnssec));
  put_text(w, "mx_why_bogus", r->mx_why_bogus);
  put_bool(w, "mx_denial_bogus", sd_denial_bogus(r->mx_lookup, r->mx_dnssec));
  put_bool(w, "null_mx", r->null_mx);
  put_bool(w, "implicit_mx", r->implicit_mx);
  put_bool(w, "dnskey_without_ds", r->dnskey_without_ds);
  open_array(w, "mx");
  for (size_t i = 0; i < r->mx_count; i++) mx_json(w, &r->mx[i], opt);
  sd_jw_array_end(w);
  sd_jw_key(w, "mtasts");
  mtasts_json(w, r);
  sd_jw_key(w, "tlsrpt");
  tlsrpt_json(w, r);
  open_object(w, "dane");
  put_name(w, "status", sd_dane_status_name(r->dane_status));
  sd_jw_object_end(w);
  sd_jw_key(w, "verdict");
  verdict_json(w, r);
  sd_jw_key(w, "findings");
  sd_findings_json(w, &r->findings);
}

char *sd_result_to_json_line(const sd_domain_result *r, const sd_json_options *opt) {
  sd_jw w;
  sd_jw_init(&w, SD_RESULT_JSON_ROW_CAP);
  sd_jw_object_begin(&w);
  sd_result_json_members(&w, r, opt);
  sd_jw_object_end(&w);
  return sd_jw_finish(&w);
}

cJSON *sd_json_remote_string(const char *data, size_t len, size_t max) {
  if (!data) return cJSON_CreateNull();
  if (len > max) len = max;
  sd_buf b = {0};
  const unsigned char *s = (const unsigned char *)data;
  for (size_t i = 0; i < len;) {
    size_t n = sd_utf8_sequence(s + i, len - i);
    sd_buf_append(&b, n ? (const void *)(s + i) : "\xEF\xBF\xBD", n ? n : 3);
    i += n ? n : 1;
  }
  char *text = sd_buf_take(&b);
  cJSON *j = cJSON_CreateString(text ? text : "");
  free(text);
  return j;
}
