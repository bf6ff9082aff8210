/* Internal helpers shared by PKIX (pkix.c) and DANE (src/dane/verify.c)
 * verification of a recorded chain. Not part of the public API. */
#ifndef SD_TLS_X509_UTIL_H
#define SD_TLS_X509_UTIL_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "tls/chain.h"

/* Parses every certificate of chain. On success *all holds the whole chain
 * in served order (leaf included, as OpenSSL's own ssl_verify_cert_chain
 * passes it as untrusted) and *leaf points into it. On failure returns -1
 * and *detail (caller frees) says which certificate is malformed. */
int sd_x509_parse_chain(const sd_chain *chain, STACK_OF(X509) **all, X509 **leaf, char **detail);

#define SD_VERIFY_MAX_ERRORS 16

/* Every distinct OpenSSL verify error seen by sd_verify_record_cb, in the
 * order seen, with the depth and a plain-words detail of its first
 * occurrence. */
typedef struct sd_verify_errors {
  int err[SD_VERIFY_MAX_ERRORS];
  int depth[SD_VERIFY_MAX_ERRORS];
  char *detail[SD_VERIFY_MAX_ERRORS];
  size_t count;
} sd_verify_errors;

/* Installs the recording callback on ctx: it records each error into errs
 * and lets verification continue, so that one run reports, say, both an
 * expired certificate and a name mismatch. X509_verify_cert's return value
 * then means nothing: only errs->count == 0 means success. */
void sd_verify_errors_attach(X509_STORE_CTX *ctx, sd_verify_errors *errs);
/* Runs X509_verify_cert on ctx (with errs attached); 1 when it passed with
 * no error at all. A failure the callback never saw is recorded too. */
int sd_verify_run(X509_STORE_CTX *ctx, sd_verify_errors *errs);
int sd_verify_errors_has(const sd_verify_errors *errs, int err);
void sd_verify_errors_free(sd_verify_errors *errs);

/* Subject on one line (RFC 2253 order); caller frees. */
char *sd_x509_subject(X509 *cert);
/* Issuer on one line (RFC 2253 order); caller frees. */
char *sd_x509_issuer(X509 *cert);
/* DNS subjectAltNames separated by ", "; "" when none; caller frees. */
char *sd_x509_dns_sans(X509 *cert);
/* "2024-01-31T12:00:00Z"; caller frees. */
char *sd_asn1_time_text(const ASN1_TIME *t);
/* Seconds since the epoch, 0 when t cannot be read. */
time_t sd_asn1_time_epoch(const ASN1_TIME *t);

#endif
