/*
 * crypto.h - the only door to mbedTLS. Nothing else in the project includes
 * an mbedTLS header; every mbedTLS result is translated here into our own
 * status so the rest of the code is the same on mbedTLS 2.28 and 3.6.
 */
#ifndef TLSREADY_CRYPTO_H
#define TLSREADY_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define CRYPTO_MD5_LEN 16
#define CRYPTO_SHA256_LEN 32

/* crypto_md5 hashes `len` bytes into out[16]; false only if mbedTLS fails. */
MUST_CHECK bool crypto_md5(uint8_t out[CRYPTO_MD5_LEN], const void *p,
                           size_t len);

/* crypto_sha256 hashes `len` bytes into out[32]. */
MUST_CHECK bool crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *p,
                              size_t len);

/* crypto_version returns the mbedTLS version string, e.g. "2.28.3". */
const char *crypto_version(void);

#endif /* TLSREADY_CRYPTO_H */
