/*
 * Reading a policy response within its bounds (header block, body: the cap
 * is enforced on the bytes that arrive), and what the finished transfer
 * means: the error class the report needs and the detail in plain words.
 */
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts/fetch_internal.h"
#include "util/escape.h"

/* Remote text (headers, certificate names) for a detail: bounded, bytes
 * outside printable ASCII as \xNN (util/escape.h). */
char *sd_fetch_quoted(const char *s) { return s ? sd_quote_sentence(s, MAX_QUOTED) : NULL; }

char *sd_fetch_trimmed_copy(const char *s, size_t n) {
  while (n > 0 && (*s == ' ' || *s == '\t')) s++, n--;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
  return sd_strndup(s, n);
}

/* Case-insensitive "Name:" prefix test; returns the value start or NULL. */
static const char *header_value(const char *line, size_t len, const char *name) {
  size_t n = strlen(name);
  if (len <= n || line[n] != ':') return NULL;
  for (size_t i = 0; i < n; i++) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (c != name[i]) return NULL;
  }
  return line + n + 1;
}

/* ------------------------------------------------------- reading */

static void remember_header(char **slot, const char *value, size_t len) {
  char *v = sd_fetch_trimmed_copy(value, len);
  if (!v) return;
  if (*slot) { /* repeated header: keep both, as a list */
    char *joined = sd_asprintf("%s, %s", *slot, v);
    free(v);
    if (!joined) return;
    v = joined;
  }
  free(*slot);
  *slot = v;
}

size_t sd_fetch_on_header(char *data, size_t size, size_t count, void *userp) {
  fetch_request *req = userp;
  size_t len = size * count;
  if (req->headers.len + len > MAX_HEADER_BYTES) {
    req->aborted = ABORT_HEADERS_TOO_LARGE;
    return 0; /* curl aborts with CURLE_WRITE_ERROR */
  }
  sd_buf_append(&req->headers, data, len);
  if (req->headers.failed) {
    req->aborted = ABORT_OUT_OF_MEMORY;
    return 0;
  }
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    /* A new response (after 1xx interim ones): forget the previous one. */
    free(req->content_encoding);
    free(req->location);
    req->content_encoding = req->location = NULL;
    return len;
  }
  const char *v;
  if ((v = header_value(data, len, "content-encoding")) != NULL)
    remember_header(&req->content_encoding, v, len - (size_t)(v - data));
  else if ((v = header_value(data, len, "location")) != NULL)
    remember_header(&req->location, v, len - (size_t)(v - data));
  return len;
}

/* Enforces the body cap on the bytes that really arrive (Content-Length is
 * not trusted in either direction). What fits is kept as evidence. */
size_t sd_fetch_on_body(char *data, size_t size, size_t count, void *userp) {
  fetch_request *req = userp;
  size_t len = size * count;
  size_t cap = req->fetcher->max_body;
  if (req->body.len + len > cap) {
    sd_buf_append(&req->body, data, cap - req->body.len);
    req->aborted = ABORT_BODY_TOO_LARGE;
    return 0;
  }
  sd_buf_append(&req->body, data, len);
  if (req->body.failed) {
    req->aborted = ABORT_OUT_OF_MEMORY;
    return 0;
  }
  return len;
}

/* ------------------------------------------------------ classification */

static sd_fetch_error status_error(long status) {
  return (status >= 300 && status <= 399) ? SD_FETCH_REDIRECT : SD_FETCH_HTTP_STATUS;
}

static sd_fetch_error classify(const fetch_request *req, CURLcode code, long status) {
  /* Once a non-200 status line arrived the policy is not served, whatever
   * happened to the rest of that response. */
  if (status != 0 && status != 200) return status_error(status);
  switch (code) {
  case CURLE_OK: return status == 200 ? SD_FETCH_OK : SD_FETCH_OTHER;
  case CURLE_COULDNT_RESOLVE_HOST: return SD_FETCH_DNS;
  case CURLE_COULDNT_CONNECT: return SD_FETCH_TCP;
  case CURLE_PEER_FAILED_VERIFICATION: return sd_fetch_verify_error_class(sd_fetch_verify_result(req));
  case CURLE_SSL_CONNECT_ERROR:
    /* OpenSSL reports a failed verification during the handshake as a
     * connect error in some paths; trust the recorded verify result. */
    return req->cert.error ? sd_fetch_verify_error_class(req->cert.error) : SD_FETCH_TLS_HANDSHAKE;
  case CURLE_OPERATION_TIMEDOUT: return SD_FETCH_TIMEOUT;
  case CURLE_WRITE_ERROR:
    return req->aborted == ABORT_BODY_TOO_LARGE ? SD_FETCH_TOO_LARGE : SD_FETCH_OTHER;
  default: return SD_FETCH_OTHER;
  }
}

/* The plain-words part of the detail (after "policy fetch <url>: "). */
static char *failure_words(const fetch_request *req, CURLcode code, sd_fetch_error error,
                           long status, const char *location) {
  const char *curl_text = req->errbuf[0] ? req->errbuf : "no details";
  switch (error) {
  case SD_FETCH_OK: return sd_asprintf("HTTP 200, %zu bytes", req->body.len);
  case SD_FETCH_DNS: return sd_asprintf("cannot resolve %s (%s)", req->host, curl_text);
  case SD_FETCH_TCP: return sd_asprintf("TCP connection to %s failed (%s)", req->host, curl_text);
  case SD_FETCH_TLS_NAME:
  case SD_FETCH_TLS_UNTRUSTED:
  case SD_FETCH_TLS_EXPIRED: return sd_fetch_cert_words(req, error);
  case SD_FETCH_TLS_HANDSHAKE: return sd_asprintf("TLS handshake with %s failed (%s)", req->host, curl_text);
  case SD_FETCH_HTTP_STATUS: return sd_asprintf("HTTP status %ld (only 200 is accepted)", status);
  case SD_FETCH_REDIRECT:
    return sd_asprintf("HTTP status %ld redirect to %s (not followed: senders must not follow redirects)",
                       status, location ? location : "(no Location header)");
  case SD_FETCH_TOO_LARGE:
    return sd_asprintf("body exceeds %zu bytes; transfer stopped", req->fetcher->max_body);
  case SD_FETCH_TIMEOUT: return sd_asprintf("timed out (%s)", curl_text);
  case SD_FETCH_OTHER: break;
  }
  if (req->aborted == ABORT_HEADERS_TOO_LARGE)
    return sd_asprintf("response headers exceed %d bytes; transfer stopped", MAX_HEADER_BYTES);
  if (req->aborted == ABORT_OUT_OF_MEMORY) return sd_strdup("out of memory while reading the response");
  return sd_asprintf("%s (curl error %d: %s)", curl_text, (int)code, curl_easy_strerror(code));
}

/* ------------------------------------------------------------ results */

static char *info_string(CURL *easy, CURLINFO what) {
  char *s = NULL;
  if (curl_easy_getinfo(easy, what, &s) != CURLE_OK || !s || !*s) return NULL;
  return sd_strdup(s);
}

void sd_fetch_build_result(fetch_request *req, CURLcode code, sd_fetch_result *r) {
  memset(r, 0, sizeof(*r));
  curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
  curl_off_t total_us = 0;
  curl_easy_getinfo(req->easy, CURLINFO_TOTAL_TIME_T, &total_us);
  r->elapsed_ms = (double)total_us / 1000.0;
  r->error = classify(req, code, r->http_status);
  r->url = sd_strdup(req->url);
  r->primary_ip = info_string(req->easy, CURLINFO_PRIMARY_IP);
  r->content_type = info_string(req->easy, CURLINFO_CONTENT_TYPE);
  r->content_encoding = req->content_encoding;
  req->content_encoding = NULL;
  r->location = req->location;
  req->location = NULL;
  if (!r->location && r->error == SD_FETCH_REDIRECT)
    r->location = info_string(req->easy, CURLINFO_REDIRECT_URL);
  char *loc = sd_fetch_quoted(r->location);
  char *words = failure_words(req, code, r->error, r->http_status, loc);
  r->detail = sd_asprintf("policy fetch %s: %s", req->url, words ? words : "out of memory");
  free(words);
  free(loc);
  r->headers = req->headers.len ? sd_buf_take(&req->headers) : NULL;
  r->body_len = req->body.len;
  r->body = sd_buf_take(&req->body);
  if (!r->body) r->body_len = 0;
}
