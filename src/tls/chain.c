/* Served certificate chains kept as DER (see chain.h). */
#include "tls/chain.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "util/str.h"

int sd_chain_append(sd_chain *chain, const uint8_t *der, size_t len) {
  if (!chain || !der || len == 0 || len > SD_CERT_MAX_DER || chain->count >= SD_CHAIN_MAX_CERTS)
    return -1;
  uint8_t *copy = malloc(len);
  if (!copy) return -1;
  memcpy(copy, der, len);
  sd_cert_der *certs = realloc(chain->certs, (chain->count + 1) * sizeof(*certs));
  if (!certs) {
    free(copy);
    return -1;
  }
  certs[chain->count].der = copy;
  certs[chain->count].len = len;
  chain->certs = certs;
  chain->count++;
  return 0;
}

static char *sha256_hex(const uint8_t *data, size_t len) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL)) return NULL;
  return sd_hex(md, md_len);
}

char **sd_chain_sha256(const sd_chain *chain) {
  if (!chain || chain->count == 0) return NULL;
  char **out = calloc(chain->count, sizeof(*out));
  if (!out) return NULL;
  for (size_t i = 0; i < chain->count; i++) {
    out[i] = sha256_hex(chain->certs[i].der, chain->certs[i].len);
    if (!out[i]) {
      for (size_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  return out;
}

/* Encodes the DER bytes as they were served, without parsing them, so even
 * a certificate OpenSSL rejects can be saved and inspected. */
char *sd_chain_pem(const sd_chain *chain) {
  if (!chain || chain->count == 0) return NULL;
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio) return NULL;
  int ok = 1;
  for (size_t i = 0; ok && i < chain->count; i++)
    ok = PEM_write_bio(bio, "CERTIFICATE", "", chain->certs[i].der, (long)chain->certs[i].len) > 0;
  char *text = NULL;
  char *mem = NULL;
  long n = BIO_get_mem_data(bio, &mem);
  if (ok && n > 0) text = sd_strndup(mem, (size_t)n);
  BIO_free(bio);
  return text;
}

void sd_chain_copy(sd_chain *dst, const sd_chain *src) {
  if (!dst) return;
  memset(dst, 0, sizeof(*dst));
  if (!src) return;
  for (size_t i = 0; i < src->count; i++) {
    if (sd_chain_append(dst, src->certs[i].der, src->certs[i].len) != 0) {
      sd_chain_free(dst);
      return;
    }
  }
}

void sd_chain_free(sd_chain *chain) {
  if (!chain) return;
  for (size_t i = 0; i < chain->count; i++) free(chain->certs[i].der);
  free(chain->certs);
  chain->certs = NULL;
  chain->count = 0;
}
