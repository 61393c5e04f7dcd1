/*
 * demo_main.c - the demo payload: make an Ed25519 key inside the VM, serve
 * IDemoService to the host on vsock port DEMO_PORT, and say "ready" once
 * the server listens.  Its output goes to the VM's log port.
 */
#include <stdio.h>

#include "demo_server.h"
#include "vm_payload.h"

static void on_ready(void *param)
{
	(void)param;
	printf("demo: listening on vsock port %u\n", DEMO_PORT);
	fflush(stdout);
	AVmPayload_notifyPayloadReady();
}

int AVmPayload_main(void)
{
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];
	struct demo_key *key;
	struct error e;
	AIBinder *service;

	if (demo_key_generate(&key, &e)) {
		fprintf(stderr, "demo: %s\n", e.msg);
		return 1;
	}
	/* The public half only, so that a host can check what it is given. */
	demo_key_public(key, pub);
	printf("demo: public key ");
	for (size_t i = 0; i < sizeof(pub); i++)
		printf("%02x", pub[i]);
	printf("\n");
	fflush(stdout);
	service = demo_server_new(key);
	if (!service) {
		fprintf(stderr, "demo: out of memory\n");
		return 1;
	}
	AVmPayload_runVsockRpcServer(service, DEMO_PORT, on_ready, NULL);
}
