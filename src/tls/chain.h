/* A certificate chain as served by a peer, kept as DER so probes can be
 * cached and verified later against any policy (PKIX, DANE). */
#ifndef SD_TLS_CHAIN_H
#define SD_TLS_CHAIN_H

#include <stddef.h>
#include <stdint.h>

typedef struct sd_cert_der {
  uint8_t *der;
  size_t len;
} sd_cert_der;

typedef struct sd_chain {
  sd_cert_der *certs; /* [0] is the leaf, in the order the peer sent them */
  size_t count;
} sd_chain;

/* Bounds on what a peer can make us store (OpenSSL itself accepts at most
 * 100 KiB of certificate list by default). */
#define SD_CHAIN_MAX_CERTS 100
#define SD_CERT_MAX_DER (1024 * 1024)

/* Appends a copy of der; 0 on success, -1 when empty, too large, the chain
 * is full or memory runs out (the chain is then unchanged). */
int sd_chain_append(sd_chain *chain, const uint8_t *der, size_t len);
/* SHA-256 of each certificate as lower-case hex; caller frees each and the
 * array (chain->count entries). NULL for an empty chain or out of memory. */
char **sd_chain_sha256(const sd_chain *chain);
/* PEM text of the whole chain, or NULL. */
char *sd_chain_pem(const sd_chain *chain);
/* dst must be empty (zeroed or freed); it is left empty when memory runs out. */
void sd_chain_copy(sd_chain *dst, const sd_chain *src);
void sd_chain_free(sd_chain *chain);

#endif
