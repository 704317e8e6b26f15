/*
 * crypto.c - hashes through mbedTLS. mbedtls_md() has the same signature in
 * 2.28 and 3.6, so no version switch is needed here.
 */
#include "crypto.h"

#include <mbedtls/md.h>
#include <mbedtls/version.h>

static bool
crypto_md(mbedtls_md_type_t type, uint8_t *out, const void *p, size_t len)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(type);

    if (info == NULL) {
        return false;
    }
    return mbedtls_md(info, p, len, out) == 0;
}

bool
crypto_md5(uint8_t out[CRYPTO_MD5_LEN], const void *p, size_t len)
{
    return crypto_md(MBEDTLS_MD_MD5, out, p, len);
}

bool
crypto_sha256(uint8_t out[CRYPTO_SHA256_LEN], const void *p, size_t len)
{
    return crypto_md(MBEDTLS_MD_SHA256, out, p, len);
}

const char *
crypto_version(void)
{
    return MBEDTLS_VERSION_STRING;
}
