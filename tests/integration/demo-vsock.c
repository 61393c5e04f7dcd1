/*
 * demo-vsock - the demo payload's service (payloads/demo) in a real guest,
 * served with AVmPayload_runVsockRpcServer() over mvm's virtio-vsock, and
 * called from the host with the host's helpers (demo_client.h).
 * tests/integration/suite.sh, case demo-vsock.
 *
 *   demo-vsock serve             in the guest: make the key, print
 *                                "demo-vsock: public key HEX", serve
 *                                IDemoService on DEMO_PORT; "demo-vsock:
 *                                serving" once listening (on_ready)
 *   demo-vsock client UDS HEX    on the host: reach DEMO_PORT through mvm's
 *                                socket UDS; check the public key is HEX,
 *                                a signature verifies, SHA-256 matches and
 *                                an oversized message is refused
 *
 * The test guest has no microdroid_manager, so on_ready only prints (a
 * payload would call AVmPayload_notifyPayloadReady() there).  Prints
 * "demo-vsock: PASS ..." lines and exits 0, or one "demo-vsock: FAIL ..."
 * line and exits 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <binder/rpc.h>
#include <openssl/evp.h>

#include "mvm_connect.h"
#include "payloads/demo/demo_client.h"
#include "payloads/demo/demo_server.h"
#include "vm_payload.h"

static const char *uds_path;

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	printf("demo-vsock: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void on_ready(void *param)
{
	(void)param;
	printf("demo-vsock: serving %s on vsock port %u\n", DEMO_SERVICE_DESCRIPTOR, DEMO_PORT);
	fflush(stdout);
}

static int serve(void)
{
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];
	char pubhex[2 * DEMO_PUBLIC_KEY_SIZE + 1];
	struct demo_key *key;
	struct error e;
	AIBinder *service;

	if (demo_key_generate(&key, &e))
		fail("%s", e.msg);
	demo_key_public(key, pub);
	hex(pubhex, pub, sizeof(pub));
	printf("demo-vsock: public key %s\n", pubhex);
	fflush(stdout);
	service = demo_server_new(key);
	if (!service)
		fail("out of memory");
	AVmPayload_runVsockRpcServer(service, DEMO_PORT, on_ready, NULL);
}

static int connect_demo(void *arg)
{
	(void)arg;
	return mvm_vsock_connect(uds_path, DEMO_PORT);
}

static int client(const char *want_pub)
{
	static const char msg[] = "signed inside the VM, checked on the host";
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE], sig[DEMO_SIGNATURE_SIZE], md[DEMO_SHA256_SIZE],
	    want_md[DEMO_SHA256_SIZE];
	char pubhex[2 * DEMO_PUBLIC_KEY_SIZE + 1];
	RpcSession *session = RpcSession_new();
	AIBinder *demo = NULL;
	uint8_t *big;
	struct error e;
	int fd, r, i;

	/* The guest's server may still be starting: retry for a while. */
	for (i = 0; (fd = connect_demo(NULL)) < 0 && i < 100; i++)
		usleep(100000);
	if (fd < 0)
		fail("cannot reach guest port %u: %s", DEMO_PORT, strerror(-fd));
	if (!session)
		fail("out of memory");
	r = RpcSession_setupPreconnectedClient(session, fd, connect_demo, NULL);
	if (r == 0)
		r = RpcSession_getRootObject(session, &demo);
	if (r)
		fail("RPC session: %s", strerror(-r));
	if (demo_attach(demo, &e))
		fail("%s", e.msg);

	if (demo_get_public_key(demo, pub, &e))
		fail("%s", e.msg);
	hex(pubhex, pub, sizeof(pub));
	if (strcmp(pubhex, want_pub) != 0)
		fail("public key %s, the guest printed %s", pubhex, want_pub);
	printf("demo-vsock: PASS public key %s\n", pubhex);

	if (demo_sign(demo, msg, strlen(msg), sig, &e) ||
	    demo_verify(pub, msg, strlen(msg), sig, &e))
		fail("%s", e.msg);
	if (demo_verify(pub, msg, strlen(msg) - 1, sig, &e) != -EBADMSG)
		fail("a signature verified for another message");
	printf("demo-vsock: PASS signature verified\n");

	if (demo_sha256(demo, msg, strlen(msg), md, &e))
		fail("%s", e.msg);
	if (EVP_Digest(msg, strlen(msg), want_md, NULL, EVP_sha256(), NULL) != 1 ||
	    memcmp(md, want_md, sizeof(md)) != 0)
		fail("the guest's SHA-256 differs from the host's");
	printf("demo-vsock: PASS sha256\n");

	big = calloc(1, DEMO_SIGN_MAX + 1);
	if (!big)
		fail("out of memory");
	if (demo_sign(demo, big, DEMO_SIGN_MAX + 1, sig, &e) != -EREMOTEIO)
		fail("an oversized message was not refused");
	if (demo_sign(demo, big, DEMO_SIGN_MAX, sig, &e) ||
	    demo_verify(pub, big, DEMO_SIGN_MAX, sig, &e))
		fail("64 KiB message: %s", e.msg);
	free(big);
	printf("demo-vsock: PASS limits\n");

	AIBinder_decStrong(demo);
	RpcSession_free(session);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return serve();
	if (argc == 4 && strcmp(argv[1], "client") == 0) {
		uds_path = argv[2];
		return client(argv[3]);
	}
	fprintf(stderr, "usage: demo-vsock serve | demo-vsock client UDS PUBKEY_HEX\n");
	return 2;
}
