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
 *
 * This file: the fetcher and its requests (options, limits, curl setup).
 * The response, the certificate and the findings have files of their own
 * (fetch_internal.h lists them).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts/fetch_internal.h"
#include "util/domain.h"

#ifndef STSDANE_VERSION
#define STSDANE_VERSION "unknown"
#endif

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
  sd_fetch_build_result(req, code, &result);
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
  SET(CURLOPT_SSL_CTX_FUNCTION, sd_fetch_on_ssl_ctx);
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
  SET(CURLOPT_HEADERFUNCTION, sd_fetch_on_header);
  SET(CURLOPT_HEADERDATA, (void *)req);
  SET(CURLOPT_WRITEFUNCTION, sd_fetch_on_body);
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
