/*
 * Internals of the MTA-STS policy fetcher shared by its files (not an API):
 *   fetch.c           the fetcher and its requests: options, limits, curl setup
 *   fetch_response.c  reading a response within its bounds, and what it means
 *                     (classification and the detail in plain words)
 *   fetch_tls.c       the policy host's certificate: name check without CN
 *                     fallback, the first verification problem, its words
 *   fetch_findings.c  findings and remedies for a result; result copy/free
 *   curl_loop.c       libcurl's multi interface on the libevent loop
 */
#ifndef SD_MTASTS_FETCH_INTERNAL_H
#define SD_MTASTS_FETCH_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>

#include "mtasts/curl_loop.h"
#include "mtasts/fetch.h"
#include "util/str.h"

enum {
  DEFAULT_TIMEOUT_MS = 60000,
  DEFAULT_CONNECT_TIMEOUT_MS = 10000,
  DEFAULT_MAX_BODY = 65536,
  MAX_HEADER_BYTES = 16384,   /* the whole response header block */
  LOW_SPEED_BYTES = 32,       /* slower than this ... */
  LOW_SPEED_SECONDS = 20,     /* ... for this long is a stalled server */
  MAX_DOMAIN_LEN = 253 - 8,   /* room for the "mta-sts." prefix */
  MAX_QUOTED = 200,           /* bytes of remote text quoted in a detail */
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

/* fetch_response.c */
size_t sd_fetch_on_header(char *data, size_t size, size_t count, void *userp);
size_t sd_fetch_on_body(char *data, size_t size, size_t count, void *userp);
/* The result of a finished transfer (takes the request's buffers). */
void sd_fetch_build_result(fetch_request *req, CURLcode code, sd_fetch_result *r);
/* Copy of s (NULL: NULL) bounded to MAX_QUOTED bytes, quoted for a detail. */
char *sd_fetch_quoted(const char *s);
/* Copy of s[0..n) without surrounding blanks (and CR/LF at the end). */
char *sd_fetch_trimmed_copy(const char *s, size_t n);

/* fetch_tls.c */
/* CURLOPT_SSL_CTX_FUNCTION: OpenSSL checks the name (no CN fallback) and
 * the first verification problem is recorded in req->cert. */
CURLcode sd_fetch_on_ssl_ctx(CURL *easy, void *ssl_ctx, void *userp);
/* The class of a certificate failure (name, expired, untrusted). */
sd_fetch_error sd_fetch_verify_error_class(long verify);
/* The verify result curl saw, else the first problem recorded. */
long sd_fetch_verify_result(const fetch_request *req);
/* The detail of a certificate failure in plain words. */
char *sd_fetch_cert_words(const fetch_request *req, sd_fetch_error error);

#endif
