/*
 * MTA-STS policy fetch (RFC 8461 §3.3) over libcurl's multi interface on the
 * caller's libevent loop.
 *
 * Senders are strict, so this fetcher is too: HTTPS only, TLS 1.2+, the peer
 * certificate must chain to the configured roots and carry a SAN DNS-ID for
 * mta-sts.<domain> (checked by OpenSSL with no CN fallback and no partial
 * wildcards), redirects are reported and never followed, only 200 counts,
 * nothing is cached or decoded, and the body, header block and time are all
 * bounded. Failures are classified into the classes the report needs.
 */
#include "mtasts/fetch.h"

#include <arpa/inet.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mtasts/curl_loop.h"
#include "util/domain.h"
#include "util/str.h"

#ifndef STSDANE_VERSION
#define STSDANE_VERSION "unknown"
#endif

enum {
  DEFAULT_TIMEOUT_MS = 60000,
  DEFAULT_CONNECT_TIMEOUT_MS = 10000,
  DEFAULT_MAX_BODY = 65536,
  MAX_HEADER_BYTES = 16384,   /* the whole response header block */
  LOW_SPEED_BYTES = 32,       /* slower than this ... */
  LOW_SPEED_SECONDS = 20,     /* ... for this long is a stalled server */
  MAX_DOMAIN_LEN = 253 - 8,   /* room for the "mta-sts." prefix */
  MAX_QUOTED = 200,           /* remote text quoted in a detail */
  CERT_TEXT = 256,
};

typedef enum abort_reason {
  ABORT_NONE = 0,
  ABORT_BODY_TOO_LARGE,
  ABORT_HEADERS_TOO_LARGE,
  ABORT_OUT_OF_MEMORY,
} abort_reason;

/* What the certificate verify callback saw first (the error curl reports). */
typedef struct cert_problem {
  long error; /* X509_V_ERR_*; 0: none seen */
  int depth;
  char subject[CERT_TEXT];
  char names[CERT_TEXT]; /* subjectAltName DNS names */
  char not_before[64];
  char not_after[64];
} cert_problem;

typedef struct fetch_request {
  struct fetch_request *prev, *next;
  sd_fetcher *fetcher;
  CURL *easy;
  sd_fetch_cb cb;
  void *arg;
  char *url;
  char *host; /* mta-sts.<domain> */
  struct curl_slist *request_headers;
  struct curl_slist *resolve; /* the caller's addresses for host (sd_fetch_policy_at) */
  sd_buf headers;
  sd_buf body;
  char *content_encoding; /* of the last response in the header block */
  char *location;
  abort_reason aborted;
  cert_problem cert;
  char errbuf[CURL_ERROR_SIZE];
} fetch_request;

struct sd_fetcher {
  sd_curl_loop *loop;
  char *ca_file;
  char *user_agent;
  long timeout_ms;
  long connect_timeout_ms;
  size_t max_body;
  long port;
  struct curl_slist *resolve;
  fetch_request *requests; /* in flight */
};

/* ---------------------------------------------------------------- helpers */

/* Lower-cased copy of domain without its trailing dot, or NULL when it is
 * not a plausible ASCII host name: it goes into a URL, so anything else
 * (slashes, '@', ':', spaces, U-labels) must be refused here. */
static char *normalise_domain(const char *domain) {
  if (!domain) return NULL;
  size_t len = strlen(domain);
  if (len > 0 && domain[len - 1] == '.') len--;
  if (len == 0 || len > MAX_DOMAIN_LEN) return NULL;
  char *d = sd_strndup(domain, len);
  if (!d) return NULL;
  sd_str_lower(d);
  if (!sd_hostname_valid(d)) { /* RFC 1123 LDH labels of 1-63 characters */
    free(d);
    return NULL;
  }
  return d;
}

/* Copy of remote text that is safe to print: bounded, control and
 * non-ASCII bytes replaced by '?'. */
static char *printable(const char *s) {
  if (!s) return NULL;
  size_t n = strnlen(s, MAX_QUOTED);
  char *p = sd_strndup(s, n);
  if (!p) return NULL;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f) p[i] = '?';
  return p;
}

static char *trimmed_copy(const char *s, size_t n) {
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

/* ------------------------------------------------------- curl callbacks */

static void remember_header(char **slot, const char *value, size_t len) {
  char *v = trimmed_copy(value, len);
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

static size_t on_header(char *data, size_t size, size_t count, void *userp) {
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
static size_t on_body(char *data, size_t size, size_t count, void *userp) {
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

static void copy_name(char *dst, size_t cap, X509_NAME *name) {
  dst[0] = '\0';
  if (name) X509_NAME_oneline(name, dst, (int)cap);
}

static void copy_time(char *dst, size_t cap, const ASN1_TIME *t) {
  dst[0] = '\0';
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio) return;
  if (t && ASN1_TIME_print(bio, t) == 1) {
    int n = BIO_read(bio, dst, (int)cap - 1);
    dst[n > 0 ? n : 0] = '\0';
  }
  BIO_free(bio);
}

static void copy_dns_names(char *dst, size_t cap, X509 *cert) {
  dst[0] = '\0';
  GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
  if (!names) return;
  size_t used = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_DNS) continue;
    const unsigned char *s = ASN1_STRING_get0_data(gn->d.dNSName);
    int n = ASN1_STRING_length(gn->d.dNSName);
    /* "name " plus NUL must fit; stop rather than truncate mid-name. */
    if (n <= 0 || used + (size_t)n + 2 > cap) break;
    if (used) dst[used++] = ' ';
    for (int k = 0; k < n; k++)
      dst[used++] = (s[k] < 0x20 || s[k] >= 0x7f) ? '?' : (char)s[k];
    dst[used] = '\0';
  }
  GENERAL_NAMES_free(names);
}

/* Records the first verification failure with the certificate it concerns,
 * so the detail can say which certificate and why. Never changes the
 * verdict. */
static int on_verify(int ok, X509_STORE_CTX *store) {
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  fetch_request *req = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
  if (ok || !req || req->cert.error != 0) return ok;
  cert_problem *p = &req->cert;
  p->error = X509_STORE_CTX_get_error(store);
  p->depth = X509_STORE_CTX_get_error_depth(store);
  X509 *cert = X509_STORE_CTX_get_current_cert(store);
  if (cert) {
    copy_name(p->subject, sizeof(p->subject), X509_get_subject_name(cert));
    copy_dns_names(p->names, sizeof(p->names), cert);
    copy_time(p->not_before, sizeof(p->not_before), X509_get0_notBefore(cert));
    copy_time(p->not_after, sizeof(p->not_after), X509_get0_notAfter(cert));
  }
  return ok;
}

/* CURLOPT_SSL_CTX_FUNCTION: curl's own host check falls back to the CN when
 * there is no SAN; RFC 8461 (via RFC 6125) does not, so OpenSSL checks the
 * name during chain verification, which also yields HOSTNAME_MISMATCH as
 * the verify result. Curl makes a new SSL_CTX per connection, so app data
 * is ours alone. */
static CURLcode on_ssl_ctx(CURL *easy, void *ssl_ctx, void *userp) {
  (void)easy;
  SSL_CTX *ctx = ssl_ctx;
  fetch_request *req = userp;
  X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                             X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, req->host, 0) != 1) return CURLE_OUT_OF_MEMORY;
  SSL_CTX_set_app_data(ctx, req);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_verify);
  return CURLE_OK;
}

/* ------------------------------------------------------ classification */

static sd_fetch_error status_error(long status) {
  return (status >= 300 && status <= 399) ? SD_FETCH_REDIRECT : SD_FETCH_HTTP_STATUS;
}

static sd_fetch_error verify_error_class(long verify) {
  switch (verify) {
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_OK: /* curl's own name check failed after OpenSSL's passed */
    return SD_FETCH_TLS_NAME;
  case X509_V_ERR_CERT_HAS_EXPIRED:
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return SD_FETCH_TLS_EXPIRED;
  default: /* self-signed, unknown issuer, bad signature, ... */
    return SD_FETCH_TLS_UNTRUSTED;
  }
}

static long verify_result(const fetch_request *req) {
  long verify = X509_V_OK;
  curl_easy_getinfo(req->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
  return verify != X509_V_OK ? verify : req->cert.error;
}

static sd_fetch_error classify(const fetch_request *req, CURLcode code, long status) {
  /* Once a non-200 status line arrived the policy is not served, whatever
   * happened to the rest of that response. */
  if (status != 0 && status != 200) return status_error(status);
  switch (code) {
  case CURLE_OK: return status == 200 ? SD_FETCH_OK : SD_FETCH_OTHER;
  case CURLE_COULDNT_RESOLVE_HOST: return SD_FETCH_DNS;
  case CURLE_COULDNT_CONNECT: return SD_FETCH_TCP;
  case CURLE_PEER_FAILED_VERIFICATION: return verify_error_class(verify_result(req));
  case CURLE_SSL_CONNECT_ERROR:
    /* OpenSSL reports a failed verification during the handshake as a
     * connect error in some paths; trust the recorded verify result. */
    return req->cert.error ? verify_error_class(req->cert.error) : SD_FETCH_TLS_HANDSHAKE;
  case CURLE_OPERATION_TIMEDOUT: return SD_FETCH_TIMEOUT;
  case CURLE_WRITE_ERROR:
    return req->aborted == ABORT_BODY_TOO_LARGE ? SD_FETCH_TOO_LARGE : SD_FETCH_OTHER;
  default: return SD_FETCH_OTHER;
  }
}

static char *cert_words(const fetch_request *req, sd_fetch_error error) {
  const cert_problem *p = &req->cert;
  long verify = verify_result(req);
  const char *why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "name check failed";
  char *subject = printable(p->subject);
  if (subject && !*subject) {
    free(subject); /* an empty subject: say so instead of "subject )" */
    subject = sd_strdup("(empty)");
  }
  char *out = NULL;
  if (!p->error) {
    out = sd_asprintf("TLS certificate not accepted: %s", why);
  } else if (error == SD_FETCH_TLS_EXPIRED) {
    /* why reads "certificate has expired" / "certificate is not yet valid" */
    out = sd_asprintf("TLS %s (notBefore %s, notAfter %s, depth %d, subject %s)", why,
                      p->not_before, p->not_after, p->depth, subject ? subject : "?");
  } else if (error == SD_FETCH_TLS_NAME) {
    out = sd_asprintf("TLS certificate is not valid for %s: %s (SAN DNS names: %s; subject %s)",
                      req->host, why, p->names[0] ? p->names : "none", subject ? subject : "?");
  } else {
    out = sd_asprintf("TLS certificate is not trusted: %s (depth %d, subject %s)", why, p->depth,
                      subject ? subject : "?");
  }
  free(subject);
  return out;
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
  case SD_FETCH_TLS_EXPIRED: return cert_words(req, error);
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

static void build_result(fetch_request *req, CURLcode code, sd_fetch_result *r) {
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
  char *loc = printable(r->location);
  char *words = failure_words(req, code, r->error, r->http_status, loc);
  r->detail = sd_asprintf("policy fetch %s: %s", req->url, words ? words : "out of memory");
  free(words);
  free(loc);
  r->headers = req->headers.len ? sd_buf_take(&req->headers) : NULL;
  r->body_len = req->body.len;
  r->body = sd_buf_take(&req->body);
  if (!r->body) r->body_len = 0;
}

/* --------------------------------------------------------- requests */

static void request_free(fetch_request *req) {
  if (!req) return;
  if (req->easy) curl_easy_cleanup(req->easy);
  curl_slist_free_all(req->request_headers);
  curl_slist_free_all(req->resolve);
  sd_buf_free(&req->headers);
  sd_buf_free(&req->body);
  free(req->content_encoding);
  free(req->location);
  free(req->url);
  free(req->host);
  free(req);
}

static void request_unlink(sd_fetcher *f, fetch_request *req) {
  if (req->prev) req->prev->next = req->next;
  else f->requests = req->next;
  if (req->next) req->next->prev = req->prev;
  req->prev = req->next = NULL;
}

static void on_transfer_done(CURL *easy, CURLcode code, void *arg) {
  (void)easy;
  fetch_request *req = arg;
  request_unlink(req->fetcher, req);
  sd_fetch_result result;
  build_result(req, code, &result);
  /* After this call the fetcher may be gone; only req and result remain. */
  req->cb(&result, req->arg);
  sd_fetch_result_free(&result);
  request_free(req);
}

static int configure_easy(fetch_request *req) {
  const sd_fetcher *f = req->fetcher;
  CURL *e = req->easy;
  long low_speed_time = f->timeout_ms / 1000;
  if (low_speed_time > LOW_SPEED_SECONDS) low_speed_time = LOW_SPEED_SECONDS;
  if (low_speed_time < 1) low_speed_time = 1;
  req->request_headers = curl_slist_append(NULL, "Cache-Control: no-cache");
  if (!req->request_headers) return -1;
  int bad = 0;
#define SET(opt, val) bad |= curl_easy_setopt(e, opt, val) != CURLE_OK
  SET(CURLOPT_URL, req->url);
  SET(CURLOPT_PROTOCOLS_STR, "https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  SET(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
  SET(CURLOPT_SSL_CTX_DATA, (void *)req);
  if (f->ca_file) SET(CURLOPT_CAINFO, f->ca_file);
  /* Each fetch is a measurement: no reused connection or TLS session. */
  SET(CURLOPT_FRESH_CONNECT, 1L);
  SET(CURLOPT_FORBID_REUSE, 1L);
  SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
  SET(CURLOPT_PROXY, "");
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_TIMEOUT_MS, f->timeout_ms);
  SET(CURLOPT_CONNECTTIMEOUT_MS, f->connect_timeout_ms);
  SET(CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
  SET(CURLOPT_LOW_SPEED_TIME, low_speed_time);
  SET(CURLOPT_USERAGENT, f->user_agent);
  SET(CURLOPT_HTTPHEADER, req->request_headers);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, (void *)req);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, (void *)req);
  SET(CURLOPT_ERRORBUFFER, req->errbuf);
  /* With the name's addresses given, libcurl does not resolve it (no
   * resolver thread, and the same DNS view as the rest of the measurement). */
  if (req->resolve)
    SET(CURLOPT_RESOLVE, req->resolve);
  else if (f->resolve)
    SET(CURLOPT_RESOLVE, f->resolve);
  /* CURLOPT_ACCEPT_ENCODING stays unset: the body must arrive as served. */
#undef SET
  return bad ? -1 : 0;
}

static long fetch_port(const sd_fetcher *f) { return f->port > 0 ? f->port : 443; }

static char *policy_url(const sd_fetcher *f, const char *d) {
  if (f->port > 0 && f->port != 443) return sd_asprintf("https://mta-sts.%s:%ld/.well-known/mta-sts.txt", d, f->port);
  return sd_asprintf("https://mta-sts.%s/.well-known/mta-sts.txt", d);
}

/* "host:port:addr,addr,[v6]" for CURLOPT_RESOLVE. Addresses must be IP
 * literals (they come from our own DNS answers); anything else is refused,
 * since the entry is parsed by libcurl. */
static struct curl_slist *resolve_entry(const char *host, long port, const char *const *addrs, size_t count) {
  sd_buf b = {0};
  sd_buf_printf(&b, "%s:%ld:", host, port);
  for (size_t i = 0; i < count; i++) {
    unsigned char raw[16];
    int v6 = inet_pton(AF_INET6, addrs[i], raw) == 1;
    if (!v6 && inet_pton(AF_INET, addrs[i], raw) != 1) {
      sd_buf_free(&b);
      return NULL;
    }
    sd_buf_printf(&b, v6 ? "%s[%s]" : "%s%s", i ? "," : "", addrs[i]);
  }
  struct curl_slist *list = b.failed ? NULL : curl_slist_append(NULL, b.data);
  sd_buf_free(&b);
  return list;
}

static int start_request(sd_fetcher *fetcher, const char *domain, const char *const *addrs, size_t count, sd_fetch_cb cb,
                         void *arg) {
  if (!fetcher || !cb) return -1;
  char *d = normalise_domain(domain);
  if (!d) return -1;
  fetch_request *req = calloc(1, sizeof(*req));
  if (!req) {
    free(d);
    return -1;
  }
  req->fetcher = fetcher;
  req->cb = cb;
  req->arg = arg;
  req->host = sd_asprintf("mta-sts.%s", d);
  req->url = policy_url(fetcher, d);
  free(d);
  if (addrs && req->host && !(req->resolve = resolve_entry(req->host, fetch_port(fetcher), addrs, count))) {
    request_free(req);
    return -1;
  }
  req->easy = curl_easy_init();
  if (!req->host || !req->url || !req->easy || configure_easy(req) != 0 ||
      sd_curl_loop_add(fetcher->loop, req->easy, on_transfer_done, req) != 0) {
    request_free(req);
    return -1;
  }
  req->next = fetcher->requests;
  if (fetcher->requests) fetcher->requests->prev = req;
  fetcher->requests = req;
  return 0;
}

int sd_fetch_policy(sd_fetcher *fetcher, const char *domain, sd_fetch_cb cb, void *arg) {
  return start_request(fetcher, domain, NULL, 0, cb, arg);
}

int sd_fetch_policy_at(sd_fetcher *fetcher, const char *domain, const char *const *addrs, size_t count, sd_fetch_cb cb,
                       void *arg) {
  if (!addrs || count == 0) return -1;
  return start_request(fetcher, domain, addrs, count, cb, arg);
}

int sd_fetch_result_unresolved(const sd_fetcher *fetcher, const char *domain, const char *why, sd_fetch_result *r) {
  memset(r, 0, sizeof(*r));
  char *d = normalise_domain(domain);
  if (!fetcher || !d) {
    free(d);
    return -1;
  }
  r->error = SD_FETCH_DNS;
  r->url = policy_url(fetcher, d);
  r->detail = sd_asprintf("policy fetch %s: cannot resolve mta-sts.%s (%s)", r->url ? r->url : "", d, why);
  free(d);
  if (!r->url || !r->detail) {
    sd_fetch_result_free(r);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------ fetcher */

static struct curl_slist *copy_resolve(const char *const *entries, int *failed) {
  struct curl_slist *list = NULL;
  for (size_t i = 0; entries && entries[i]; i++) {
    struct curl_slist *next = curl_slist_append(list, entries[i]);
    if (!next) {
      *failed = 1;
      break;
    }
    list = next;
  }
  return list;
}

sd_fetcher *sd_fetcher_new(struct event_base *base, const sd_fetch_options *options) {
  sd_fetch_options none = {0};
  const sd_fetch_options *o = options ? options : &none;
  sd_fetcher *f = calloc(1, sizeof(*f));
  if (!f) return NULL;
  int failed = 0;
  f->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
  f->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
  f->max_body = o->max_body > 0 ? o->max_body : DEFAULT_MAX_BODY;
  f->port = o->port > 0 && o->port <= 65535 ? o->port : 0;
  f->ca_file = o->ca_file ? sd_strdup(o->ca_file) : NULL;
  f->user_agent = sd_strdup(o->user_agent ? o->user_agent : "stsdane/" STSDANE_VERSION);
  f->resolve = copy_resolve(o->resolve, &failed);
  f->loop = sd_curl_loop_new(base);
  if (failed || !f->loop || !f->user_agent || (o->ca_file && !f->ca_file)) {
    sd_fetcher_free(f);
    return NULL;
  }
  return f;
}

int sd_fetcher_pending(const sd_fetcher *fetcher) {
  int n = 0;
  for (const fetch_request *r = fetcher ? fetcher->requests : NULL; r; r = r->next) n++;
  return n;
}

void sd_fetcher_free(sd_fetcher *fetcher) {
  if (!fetcher) return;
  /* Remove every transfer from curl first, so no callback can follow. */
  while (fetcher->requests) {
    fetch_request *req = fetcher->requests;
    request_unlink(fetcher, req);
    sd_curl_loop_remove(fetcher->loop, req->easy);
    request_free(req);
  }
  sd_curl_loop_free(fetcher->loop);
  curl_slist_free_all(fetcher->resolve);
  free(fetcher->ca_file);
  free(fetcher->user_agent);
  free(fetcher);
}

/* ---------------------------------------------------------- findings */

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
  char *media = trimmed_copy(content_type, n);
  int ok = media && sd_strcaseeq(media, "text/plain");
  free(media);
  for (const char *p = content_type + n; ok && *p == ';';) {
    p++;
    size_t len = strcspn(p, ";");
    char *param = trimmed_copy(p, len);
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
    char *ct = printable(r->content_type);
    sd_finding *f = sd_findings_add(findings, SD_C_STS_POLICY_CONTENT_TYPE, "policy",
                                    "policy fetch %s: served with Content-Type %s%s%s (expected text/plain, "
                                    "charset utf-8 or us-ascii); parsed anyway",
                                    r->url ? r->url : "?", ct ? "\"" : "", ct ? ct : "(none)", ct ? "\"" : "");
    if (f) sd_finding_set_remedy(f, "serve /.well-known/mta-sts.txt as Content-Type: text/plain");
    free(ct);
  }
  if (r->content_encoding && !sd_strcaseeq(r->content_encoding, "identity")) {
    char *ce = printable(r->content_encoding);
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
