/*
 * What a policy fetch result means for the domain: the sts-policy-* finding
 * of a failure with its remedy, the warnings of a success (content type,
 * content encoding); and copies of results.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mtasts/fetch_internal.h"

const char *sd_fetch_error_name(sd_fetch_error error) {
  switch (error) {
  case SD_FETCH_OK: return "ok";
  case SD_FETCH_DNS: return "dns";
  case SD_FETCH_TCP: return "tcp";
  case SD_FETCH_TLS_NAME: return "tls-name";
  case SD_FETCH_TLS_UNTRUSTED: return "tls-untrusted";
  case SD_FETCH_TLS_EXPIRED: return "tls-expired";
  case SD_FETCH_TLS_HANDSHAKE: return "tls-handshake";
  case SD_FETCH_HTTP_STATUS: return "http-status";
  case SD_FETCH_REDIRECT: return "redirect";
  case SD_FETCH_TOO_LARGE: return "too-large";
  case SD_FETCH_TIMEOUT: return "timeout";
  case SD_FETCH_OTHER: return "other";
  }
  return "unknown";
}

/* The remedy reads before + policy host + after. */
typedef struct error_finding {
  sd_code code;
  const char *before;
  const char *after;
} error_finding;

static error_finding finding_for(sd_fetch_error error) {
  switch (error) {
  case SD_FETCH_DNS:
    return (error_finding){SD_C_STS_POLICY_DNS, "publish an A and/or AAAA record (or a CNAME to the web host) for ", ""};
  case SD_FETCH_TCP:
    return (error_finding){SD_C_STS_POLICY_TCP, "make ", " accept HTTPS connections on port 443 from the Internet"};
  case SD_FETCH_TLS_NAME:
    return (error_finding){SD_C_STS_POLICY_TLS_NAME, "install a certificate whose subjectAltName lists ",
                           " (a wildcard counts only as the whole left-most label)"};
  case SD_FETCH_TLS_UNTRUSTED:
    return (error_finding){SD_C_STS_POLICY_TLS_UNTRUSTED, "install a certificate for ",
                           " from a publicly trusted CA and serve the intermediate chain"};
  case SD_FETCH_TLS_EXPIRED:
    return (error_finding){SD_C_STS_POLICY_TLS_EXPIRED, "renew the certificate of ", " and automate its renewal"};
  case SD_FETCH_TLS_HANDSHAKE:
    return (error_finding){SD_C_STS_POLICY_TLS_HANDSHAKE, "configure ",
                           " to present a certificate for that name (SNI) over TLS 1.2 or later"};
  case SD_FETCH_HTTP_STATUS:
    return (error_finding){SD_C_STS_POLICY_HTTP_STATUS, "serve the policy at https://",
                           "/.well-known/mta-sts.txt with status 200"};
  case SD_FETCH_REDIRECT:
    return (error_finding){SD_C_STS_POLICY_REDIRECT, "serve the policy directly at https://",
                           "/.well-known/mta-sts.txt; senders do not follow redirects"};
  case SD_FETCH_TOO_LARGE:
    return (error_finding){SD_C_STS_POLICY_TOO_LARGE, "serve a policy file of at most 64 KiB at ", ""};
  case SD_FETCH_TIMEOUT:
    return (error_finding){SD_C_STS_POLICY_TIMEOUT, "make ", " answer the policy request within a few seconds"};
  case SD_FETCH_OTHER:
  case SD_FETCH_OK: break;
  }
  return (error_finding){SD_C_STS_POLICY_FETCH_FAILED, NULL, NULL};
}

/* "mta-sts.example.com" out of the result's URL, for remedies. */
static char *host_of(const char *url) {
  const char *p = url && strncmp(url, "https://", 8) == 0 ? url + 8 : NULL;
  if (!p) return NULL;
  return sd_strndup(p, strcspn(p, ":/"));
}

/* text/plain, optionally with a charset of utf-8 or us-ascii. */
static int is_plain_text(const char *content_type) {
  if (!content_type) return 0;
  size_t n = strcspn(content_type, ";");
  char *media = sd_fetch_trimmed_copy(content_type, n);
  int ok = media && sd_strcaseeq(media, "text/plain");
  free(media);
  for (const char *p = content_type + n; ok && *p == ';';) {
    p++;
    size_t len = strcspn(p, ";");
    char *param = sd_fetch_trimmed_copy(p, len);
    if (param && strncasecmp(param, "charset=", 8) == 0) {
      const char *v = param + 8;
      ok = sd_strcaseeq(v, "utf-8") || sd_strcaseeq(v, "us-ascii") || sd_strcaseeq(v, "\"utf-8\"") ||
           sd_strcaseeq(v, "\"us-ascii\"");
    }
    free(param);
    p += len;
  }
  return ok;
}

static void add_success_warnings(const sd_fetch_result *r, sd_findings *findings) {
  if (!is_plain_text(r->content_type)) {
    char *ct = sd_fetch_quoted(r->content_type);
    sd_finding *f = sd_findings_add(findings, SD_C_STS_POLICY_CONTENT_TYPE, "policy",
                                    "policy fetch %s: served with Content-Type %s%s%s (expected text/plain, "
                                    "charset utf-8 or us-ascii); parsed anyway",
                                    r->url ? r->url : "?", ct ? "\"" : "", ct ? ct : "(none)", ct ? "\"" : "");
    if (f) sd_finding_set_remedy(f, "serve /.well-known/mta-sts.txt as Content-Type: text/plain");
    free(ct);
  }
  if (r->content_encoding && !sd_strcaseeq(r->content_encoding, "identity")) {
    char *ce = sd_fetch_quoted(r->content_encoding);
    sd_finding *f = sd_findings_add(findings, SD_C_STS_POLICY_ENCODING, "policy",
                                    "policy fetch %s: served with Content-Encoding \"%s\" although none was "
                                    "requested; the body is parsed as received",
                                    r->url ? r->url : "?", ce ? ce : "?");
    if (f) sd_finding_set_remedy(f, "serve the policy without Content-Encoding (no compression)");
    free(ce);
  }
}

void sd_fetch_result_findings(const sd_fetch_result *result, sd_findings *findings) {
  if (!result || !findings) return;
  if (result->error == SD_FETCH_OK) {
    add_success_warnings(result, findings);
    return;
  }
  error_finding ef = finding_for(result->error);
  sd_finding *f;
  if (result->detail)
    f = sd_findings_add(findings, ef.code, "policy", "%s", result->detail);
  else
    f = sd_findings_add(findings, ef.code, "policy", "policy fetch %s: %s (HTTP status %ld)",
                        result->url ? result->url : "?", sd_fetch_error_name(result->error),
                        result->http_status);
  char *host = host_of(result->url);
  if (f && ef.before && host) sd_finding_set_remedy(f, "%s%s%s", ef.before, host, ef.after);
  free(host);
}

/* ------------------------------------------------------ result copies */

void sd_fetch_result_copy(sd_fetch_result *dst, const sd_fetch_result *src) {
  if (!dst) return;
  memset(dst, 0, sizeof(*dst));
  if (!src) return;
  *dst = *src;
  dst->detail = sd_strdup(src->detail);
  dst->url = sd_strdup(src->url);
  dst->headers = sd_strdup(src->headers);
  dst->content_type = sd_strdup(src->content_type);
  dst->content_encoding = sd_strdup(src->content_encoding);
  dst->location = sd_strdup(src->location);
  dst->primary_ip = sd_strdup(src->primary_ip);
  /* The body may hold NUL bytes: copy by length. */
  dst->body = src->body ? sd_strndup(src->body, src->body_len) : NULL;
  if (!dst->body) dst->body_len = 0;
}

void sd_fetch_result_free(sd_fetch_result *result) {
  if (!result) return;
  free(result->detail);
  free(result->url);
  free(result->headers);
  free(result->content_type);
  free(result->content_encoding);
  free(result->location);
  free(result->body);
  free(result->primary_ip);
  memset(result, 0, sizeof(*result));
}
