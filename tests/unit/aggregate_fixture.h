/* Scan-result lines for the report tests: a realistic base result (the shape
 * src/result/result_json.c writes) with per-test overrides merged in. */
#ifndef SD_TEST_AGGREGATE_FIXTURE_H
#define SD_TEST_AGGREGATE_FIXTURE_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* A domain with one MX, no MTA-STS, no DANE, unsigned, everything reachable. */
static const char fixture_base[] =
    "{\"domain\":\"base.test\",\"scanned_at\":\"2025-03-01T10:00:00Z\",\"stsdane_version\":\"0.1.0\","
    "\"mx_lookup\":\"ok\",\"mx_dnssec\":\"insecure\",\"null_mx\":false,\"implicit_mx\":false,"
    "\"dnskey_without_ds\":false,"
    "\"mx\":[{\"host\":\"mx1.base.test\",\"preference\":10,\"sts_match\":null,\"sts_mismatch\":null,"
    "\"cname\":null,\"address_lookup\":\"ok\",\"address_dnssec\":\"insecure\","
    "\"addresses\":[{\"ip\":\"192.0.2.1\",\"dnssec\":\"insecure\",\"starttls\":true,"
    "\"pkix\":{\"valid\":true,\"errors\":[]},\"dane\":{\"applies\":false,\"valid\":null,\"matched\":null},"
    "\"chain_sha256\":[\"aa11\",\"bb22\"]}],\"tlsa\":null,\"dane\":\"not-applicable\"}],"
    "\"mtasts\":{\"status\":\"absent\",\"lookup\":\"nxdomain\",\"txt\":[],\"record\":null,\"policy\":null},"
    "\"tlsrpt\":{\"status\":\"absent\",\"raw\":null,\"rua\":[],\"txt\":[]},"
    "\"dane\":{\"status\":\"insecure\"},"
    "\"verdict\":{\"profiles\":{\"opportunistic\":\"unprotected\",\"mta-sts\":\"unprotected\","
    "\"dane\":\"unprotected\",\"dane+mta-sts\":\"unprotected\"},\"protected_by\":\"none\","
    "\"conflicts\":[],\"unknown_reason\":null},"
    "\"findings\":[]}";

/* Valid MTA-STS in enforce mode covering mx1.<d>, with TLSRPT. */
static const char fixture_sts_enforce[] =
    "{\"mtasts\":{\"status\":\"valid\",\"record\":{\"raw\":\"v=STSv1; id=1\",\"id\":\"1\",\"dnssec\":\"insecure\","
    "\"valid\":true},\"policy\":{\"url\":\"https://mta-sts.x/.well-known/mta-sts.txt\",\"http_status\":200,"
    "\"fetch\":\"ok\",\"primary_ip\":\"198.51.100.7\",\"mode\":\"enforce\",\"max_age\":604800,"
    "\"mx\":[\"mx1.base.test\"],\"valid\":true,\"raw\":\"version: STSv1\\r\\nmode: enforce\\r\\n\","
    "\"sha256\":\"p1\"}},"
    "\"tlsrpt\":{\"status\":\"valid\",\"rua\":[\"mailto:r@x\"]},"
    "\"verdict\":{\"profiles\":{\"opportunistic\":\"unprotected\",\"mta-sts\":\"protected\","
    "\"dane\":\"unprotected\",\"dane+mta-sts\":\"protected\"},\"protected_by\":\"mta-sts\",\"conflicts\":[]}}";

/* Deep merge: objects merge key by key, anything else replaces. */
static void fixture_merge(cJSON *dst, const cJSON *src) {
  const cJSON *item;
  cJSON_ArrayForEach(item, src) {
    cJSON *have = cJSON_GetObjectItemCaseSensitive(dst, item->string);
    if (have && cJSON_IsObject(have) && cJSON_IsObject(item)) {
      fixture_merge(have, item);
      continue;
    }
    cJSON *copy = cJSON_Duplicate(item, 1);
    if (have) cJSON_ReplaceItemInObjectCaseSensitive(dst, item->string, copy);
    else cJSON_AddItemToObject(dst, item->string, copy);
  }
}

/* base + each override (JSON texts, NULL-terminated), domain set last. */
static cJSON *fixture_result(const char *domain, ...) {
  cJSON *r = cJSON_Parse(fixture_base);
  va_list ap;
  va_start(ap, domain);
  for (const char *o = va_arg(ap, const char *); o; o = va_arg(ap, const char *)) {
    cJSON *over = cJSON_Parse(o);
    if (!over) abort(); /* a broken fixture is a bug in the test */
    fixture_merge(r, over);
    cJSON_Delete(over);
  }
  va_end(ap);
  cJSON_ReplaceItemInObjectCaseSensitive(r, "domain", cJSON_CreateString(domain));
  return r;
}

#endif
