/*
 * demo_key.c - the demo's Ed25519 key pair, made inside the VM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "demo_server.h"

struct demo_key {
	EVP_PKEY *pkey;
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];
};

/* Fill @buf from the kernel's RNG, waiting for it to be seeded. */
static int kernel_random(uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

int demo_key_generate(struct demo_key **out, struct error *e)
{
	uint8_t seed[32];
	size_t publen = DEMO_PUBLIC_KEY_SIZE;
	struct demo_key *key;
	int err;

	err = kernel_random(seed, sizeof(seed));
	if (err)
		return error_set(e, err, "getrandom: %s", strerror(-err));
	key = calloc(1, sizeof(*key));
	if (!key) {
		explicit_bzero(seed, sizeof(seed));
		return error_set(e, -ENOMEM, "out of memory");
	}
	/* An Ed25519 private key is its 32-byte seed (RFC 8032). */
	key->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	explicit_bzero(seed, sizeof(seed));
	if (!key->pkey) {
		free(key);
		return error_set(e, -EIO, "libcrypto cannot make an Ed25519 key");
	}
	if (EVP_PKEY_get_raw_public_key(key->pkey, key->pub, &publen) != 1 ||
	    publen != DEMO_PUBLIC_KEY_SIZE) {
		demo_key_free(key);
		return error_set(e, -EIO, "libcrypto cannot give the Ed25519 public key");
	}
	*out = key;
	return 0;
}

void demo_key_free(struct demo_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey); /* OpenSSL wipes the private key */
	free(key);
}

void demo_key_public(const struct demo_key *key, uint8_t pub[DEMO_PUBLIC_KEY_SIZE])
{
	memcpy(pub, key->pub, DEMO_PUBLIC_KEY_SIZE);
}

int demo_key_sign(const struct demo_key *key, const void *msg, size_t len,
		  uint8_t sig[DEMO_SIGNATURE_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = DEMO_SIGNATURE_SIZE;
	int ok;

	if (!ctx)
		return -EIO;
	/* Ed25519 signs the message itself: no digest, one-shot. */
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == DEMO_SIGNATURE_SIZE;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}
