/*
 * microdroid-demo.c - the demo: a host program that runs the demo payload
 * (payloads/demo) in a Microdroid VM through libvmclient, and uses the
 * service it serves on vsock.  The payload makes an Ed25519 key inside
 * the VM; the host gets the public key, has a message signed, checks the
 * signature itself, has a message hashed, then stops the VM and checks
 * that virtmgr cleaned up after it.
 *
 *   microdroid-demo [PACKAGE]     (default: demo.pkg in the payload directory)
 *   microdroid-demo --vm CID|NAME  use the demo service of a running VM
 *
 * The second form starts and stops nothing: it calls the service of a demo
 * VM that another client runs (the tests use it to check that each VM
 * answers on its own CID with its own key).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <binder/binder_log.h>

#include "host/client/vmclient.h"
#include "host/virtmgr/paths.h"
#include "payloads/demo/demo_client.h"
#include "payloads/demo/demo_service.h"

#define READY_TIMEOUT_MS 180000 /* emulated guests boot slowly */
#define DEAD_TIMEOUT_MS 20000

static void hex(const char *label, const uint8_t *p, size_t n)
{
	printf("  %-22s ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static int fail(const char *what, const struct error *e)
{
	fprintf(stderr, "microdroid-demo: %s: %s\n", what, e->msg);
	return 1;
}

/* Talk to the demo service; 0 or 1. */
static int use_service(AIBinder *demo)
{
	static const char msg[] = "Hello from the host!";
	static const char data[] = "The quick brown fox jumps over the lazy dog";
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE], sig[DEMO_SIGNATURE_SIZE], md[DEMO_SHA256_SIZE];
	struct error e = {{0}};

	if (demo_attach(demo, &e) < 0)
		return fail("demo service", &e);
	if (demo_get_public_key(demo, pub, &e) < 0)
		return fail("GET_PUBLIC_KEY", &e);
	hex("public key (Ed25519):", pub, sizeof(pub));
	if (demo_sign(demo, msg, strlen(msg), sig, &e) < 0)
		return fail("SIGN", &e);
	printf("  message:               \"%s\"\n", msg);
	hex("signature (by the VM):", sig, sizeof(sig));
	if (demo_verify(pub, msg, strlen(msg), sig, &e) < 0)
		return fail("checking the signature on the host", &e);
	printf("  signature check on the host: good\n");
	sig[0] ^= 1;
	if (demo_verify(pub, msg, strlen(msg), sig, &e) != -EBADMSG) {
		fprintf(stderr, "microdroid-demo: a tampered signature was accepted\n");
		return 1;
	}
	printf("  a tampered signature is refused: good\n");
	if (demo_sha256(demo, data, strlen(data), md, &e) < 0)
		return fail("SHA256", &e);
	printf("  data:                  \"%s\"\n", data);
	hex("SHA-256 (by the VM):", md, sizeof(md));
	return 0;
}

static int run(const char *package)
{
	struct vmclient_options opts = {0};
	struct vmclient_vm_config cfg;
	struct vm_info_parcel info = {0};
	struct vmclient_vm *vm = NULL;
	struct vmclient *c = NULL;
	struct error e = {{0}};
	AIBinder *demo = NULL;
	int st = 1, r;

	printf("1. Connecting to virtmgr (it is started if it is not running)\n");
	if (vmclient_connect(&opts, &c, &e) < 0)
		return fail("virtmgr", &e);
	printf("   %s\n", opts.started ? "started virtmgr" : "virtmgr was running");

	printf("2. Starting a Microdroid VM with %s\n", package);
	vmclient_vm_config_init(&cfg);
	cfg.package = package;
	cfg.name = "demo";
	if (vmclient_create_vm(c, &cfg, NULL, &vm, &e) < 0) {
		fail("starting the VM", &e);
		goto out;
	}
	printf("   VM 'demo' has CID %d; waiting for the payload to be ready\n",
	       vmclient_vm_cid(vm));
	r = vmclient_vm_wait_state(vm, VM_STATE_READY, READY_TIMEOUT_MS);
	if (r < 0) {
		fprintf(stderr, "microdroid-demo: the payload did not become ready: %s\n",
			r == -ETIMEDOUT ? "timed out"
			: r == -ESRCH	? "the VM died"
					: strerror(-r));
		goto out;
	}
	if (vmclient_vm_info(vm, &info, &e) < 0) {
		fail("vm info", &e);
		goto out;
	}
	printf("   READY (work directory %s)\n", info.work_dir);

	printf("3. Connecting to the payload's service on vsock port %d\n", DEMO_PORT);
	if (vmclient_vm_connect_service(vm, DEMO_PORT, &demo, &e) < 0) {
		fail("demo service", &e);
		goto out;
	}
	printf("4. Using it: the private key never leaves the VM\n");
	if (use_service(demo))
		goto out;
	AIBinder_decStrong(demo);
	demo = NULL;

	printf("5. Stopping the VM\n");
	if (vmclient_vm_stop(vm, &e) < 0) {
		fail("stop", &e);
		goto out;
	}
	if (vmclient_vm_wait_state(vm, VM_STATE_DEAD, DEAD_TIMEOUT_MS) < 0) {
		fprintf(stderr, "microdroid-demo: the VM is not DEAD %d s after stop\n",
			DEAD_TIMEOUT_MS / 1000);
		goto out;
	}
	printf("   DEAD\n");
	vmclient_vm_release(vm);
	vm = NULL;
	if (access(info.work_dir, F_OK) == 0) {
		fprintf(stderr, "microdroid-demo: %s is still there after the VM died\n",
			info.work_dir);
		goto out;
	}
	printf("   its work directory is gone: virtmgr cleaned up\n");
	printf("Demo done: all good.\n");
	st = 0;
out:
	if (demo)
		AIBinder_decStrong(demo);
	vmclient_vm_release(vm);
	vm_info_parcel_clear(&info);
	vmclient_close(c);
	return st;
}

/* Use the service of the running VM @what (a CID or a name); 0 or 1. */
static int use_running(const char *what)
{
	struct vmclient_options opts = {.no_start = true};
	struct vm_info_parcel info = {0};
	struct vmclient_vm *vm = NULL;
	struct vmclient *c = NULL;
	struct error e = {{0}};
	AIBinder *demo = NULL;
	int st = 1;

	if (vmclient_connect(&opts, &c, &e) < 0)
		return fail("virtmgr", &e);
	if (vmclient_find_vm(c, what, true, &info, &e) < 0 ||
	    vmclient_get_vm(c, info.cid, NULL, &vm, &e) < 0) {
		fail(what, &e);
		goto out;
	}
	printf("VM '%s' (CID %d):\n", info.name, info.cid);
	if (vmclient_vm_connect_service(vm, DEMO_PORT, &demo, &e) < 0) {
		fail("demo service", &e);
		goto out;
	}
	st = use_service(demo);
out:
	if (demo)
		AIBinder_decStrong(demo);
	vmclient_vm_release(vm);
	vm_info_parcel_clear(&info);
	vmclient_close(c);
	return st;
}

int main(int argc, char **argv)
{
	char package[PATH_MAX];
	struct error e = {{0}};

	if (argc == 3 && !strcmp(argv[1], "--vm")) {
		binder_set_logger(NULL);
		setvbuf(stdout, NULL, _IOLBF, 0);
		return use_running(argv[2]);
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fputs("Usage: microdroid-demo [PACKAGE]\n"
		      "       microdroid-demo --vm CID|NAME\n"
		      "Run the demo payload (default: demo.pkg in the payload directory) in a\n"
		      "Microdroid VM and use its signing service from the host; with --vm, use\n"
		      "the service of a demo VM that is already running, and leave it running.\n",
		      argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	binder_set_logger(NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2) {
		snprintf(package, sizeof(package), "%s", argv[1]);
	} else {
		if (paths_payload_dir(package, sizeof(package), &e) < 0)
			return fail("payloads", &e);
		strncat(package, "/demo.pkg", sizeof(package) - strlen(package) - 1);
	}
	return run(package);
}
