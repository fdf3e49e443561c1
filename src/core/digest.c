/*
 * digest.c - SHA-256 through OpenSSL's EVP interface.
 */
#include "edigate/digest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static void
to_hex(const unsigned char *md, unsigned n, char hex[EG_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n && i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * i] = '\0';
}

eg_err
eg_sha256_file(const char *path, char hex[EG_SHA256_HEX], eg_error *e)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx;
	FILE *f;
	size_t n;
	eg_err rc = EG_OK;

	hex[0] = '\0';
	if (!(f = fopen(path, "rb")))
		return eg_fail(e, errno == ENOENT ? EG_ENOTFOUND : EG_EIO,
			       "%s: %s", path, strerror(errno));
	if (!(ctx = EVP_MD_CTX_new())) {
		fclose(f);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		rc = eg_fail(e, EG_EINTERNAL, "SHA-256 is not available");
	while (!rc && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (EVP_DigestUpdate(ctx, buf, n) != 1)
			rc = eg_fail(e, EG_EINTERNAL, "SHA-256 failed");
	if (!rc && ferror(f))
		rc = eg_fail(e, EG_EIO, "%s: read failed", path);
	if (!rc && EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		rc = eg_fail(e, EG_EINTERNAL, "SHA-256 failed");
	if (!rc)
		to_hex(md, mdlen, hex);
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return rc;
}

eg_err
eg_sha256_mem(const void *p, size_t n, char hex[EG_SHA256_HEX], eg_error *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return eg_fail(e, EG_EINTERNAL, "SHA-256 failed");
	to_hex(md, mdlen, hex);
	return EG_OK;
}

eg_err
eg_sha256_begin(eg_sha256 **out, eg_error *e)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	*out = NULL;
	if (!ctx)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return eg_fail(e, EG_EINTERNAL, "SHA-256 is not available");
	}
	*out = (eg_sha256 *)ctx;
	return EG_OK;
}

eg_err
eg_sha256_update(eg_sha256 *s, const void *p, size_t n, eg_error *e)
{
	if (EVP_DigestUpdate((EVP_MD_CTX *)s, p, n) != 1)
		return eg_fail(e, EG_EINTERNAL, "SHA-256 failed");
	return EG_OK;
}

eg_err
eg_sha256_end(eg_sha256 *s, char hex[EG_SHA256_HEX], eg_error *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	eg_err rc = EG_OK;

	if (EVP_DigestFinal_ex((EVP_MD_CTX *)s, md, &mdlen) != 1)
		rc = eg_fail(e, EG_EINTERNAL, "SHA-256 failed");
	else
		to_hex(md, mdlen, hex);
	EVP_MD_CTX_free((EVP_MD_CTX *)s);
	return rc;
}

void
eg_sha256_free(eg_sha256 *s)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)s);
}
