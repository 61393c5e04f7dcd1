/* host_conn.c - microdroid_manager's calls to the host; see manager.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

#include "lib/aidl/ivirtualmachineservice.h"
#include "manager.h"

int host_local_cid(const char *dev, unsigned int *cid, struct error *e)
{
	unsigned int c = VMADDR_CID_ANY;
	int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_set(e, -errno, "%s: %s", dev, strerror(errno));
	if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &c) < 0) {
		int err = -errno;

		close(fd);
		return error_set(e, err, "%s: IOCTL_VM_SOCKETS_GET_LOCAL_CID: %s", dev,
				 strerror(-err));
	}
	close(fd);
	if (c == VMADDR_CID_ANY || c <= VMADDR_CID_HOST)
		return error_set(e, -ENODEV, "%s: the VM has no vsock CID (no vsock device?)", dev);
	*cid = c;
	return 0;
}

/* The client side of IVirtualMachineService: only its descriptor matters. */
static void *ivms_create(void *args)
{
	return args;
}

static void ivms_destroy(void *data)
{
	(void)data;
}

static binder_status_t ivms_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				     AParcel *out)
{
	(void)b, (void)code, (void)in, (void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

static pthread_once_t ivms_once = PTHREAD_ONCE_INIT;
static AIBinder_Class *ivms_class;

static void ivms_define(void)
{
	ivms_class = AIBinder_Class_define(IVIRTUALMACHINESERVICE_DESCRIPTOR, ivms_create,
					   ivms_destroy, ivms_transact);
}

int host_conn_init(struct host_conn *h, AIBinder *service, struct error *e)
{
	pthread_once(&ivms_once, ivms_define);
	if (!ivms_class)
		return error_set(e, -ENOMEM, "out of memory");
	if (!AIBinder_associateClass(service, ivms_class))
		return error_set(e, -EPROTO, "the host's root object is not %s",
				 IVIRTUALMACHINESERVICE_DESCRIPTOR);
	h->session = NULL;
	h->service = service;
	AIBinder_incStrong(service);
	pthread_mutex_init(&h->lock, NULL);
	h->ready_sent = false;
	return 0;
}

int host_connect(struct host_conn *h, unsigned int host_cid, unsigned int port, int timeout_ms,
		 struct error *e)
{
	struct timespec tick = {0, 100 * 1000 * 1000};
	int tries = timeout_ms / 100 + 1, r = -ETIMEDOUT;

	for (int i = 0; i < tries; i++) {
		RpcSession *s = RpcSession_new();
		AIBinder *root = NULL;

		if (!s)
			return error_set(e, -ENOMEM, "out of memory");
		r = RpcSession_setupVsockClient(s, host_cid, port);
		if (r == 0)
			r = RpcSession_getRootObject(s, &root);
		if (r == 0) {
			r = host_conn_init(h, root, e);
			AIBinder_decStrong(root);
			if (r < 0) {
				RpcSession_free(s);
				return r;
			}
			h->session = s;
			return 0;
		}
		RpcSession_free(s);
		if (i + 1 < tries)
			nanosleep(&tick, NULL);
	}
	return error_set(e, r, "cannot reach IVirtualMachineService at vsock %u:%u: %s", host_cid,
			 port, strerror(-r));
}

void host_close(struct host_conn *h)
{
	if (h->service)
		AIBinder_decStrong(h->service);
	h->service = NULL;
	if (h->session)
		RpcSession_free(h->session);
	h->session = NULL;
	pthread_mutex_destroy(&h->lock);
}

/* The length of the valid UTF-8 sequence at @s (strict: no overlong
 * forms, surrogates or code points above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned int c = s[0], n, cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t utf8_clean(const char *in, char *out, size_t max)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = 0;

	while (*s) {
		size_t n = utf8_seq(s);

		if (n == 0) {
			if (len + 1 > max)
				break;
			out[len++] = '?';
			s++;
			continue;
		}
		if (len + n > max)
			break;
		memcpy(out + len, s, n);
		len += n;
		s += n;
	}
	out[len] = '\0';
	return len;
}

static const char *call_name(transaction_code_t code)
{
	switch (code) {
	case IVMS_NOTIFY_PAYLOAD_STARTED:
		return "notifyPayloadStarted";
	case IVMS_NOTIFY_PAYLOAD_READY:
		return "notifyPayloadReady";
	case IVMS_NOTIFY_PAYLOAD_FINISHED:
		return "notifyPayloadFinished";
	case IVMS_NOTIFY_ERROR:
		return "notifyError";
	default:
		return "notifyPayloadCrashed";
	}
}

/* One call: token, the int32 @arg if @has_arg, the string @msg if not NULL. */
static int call(struct host_conn *h, transaction_code_t code, bool has_arg, int32_t arg,
		const char *msg, struct error *e)
{
	AParcel *in = NULL, *out = NULL;
	AStatus *st = NULL;
	binder_status_t r;
	int err = 0;

	r = AIBinder_prepareTransaction(h->service, &in);
	if (r == STATUS_OK && has_arg)
		r = AParcel_writeInt32(in, arg);
	if (r == STATUS_OK && msg) {
		char clean[IVMS_MESSAGE_MAX + 1];
		size_t len = utf8_clean(msg, clean, IVMS_MESSAGE_MAX);

		r = AParcel_writeString(in, clean, (int32_t)len);
	}
	if (r == STATUS_OK)
		r = AIBinder_transact(h->service, code, &in, &out, 0);
	if (r == STATUS_OK)
		r = AParcel_readStatusHeader(out, &st);
	if (r != STATUS_OK) {
		err = error_set(e, r < 0 ? r : -EPROTO, "%s: binder status %d", call_name(code),
				(int)r);
	} else if (!AStatus_isOk(st)) {
		const char *m = AStatus_getMessage(st);

		err = error_set(e, -EREMOTEIO, "%s: the host answered exception %d%s%s",
				call_name(code), (int)AStatus_getExceptionCode(st),
				m && *m ? ": " : "", m ? m : "");
	}
	AStatus_delete(st);
	AParcel_delete(in);
	AParcel_delete(out);
	return err;
}

static int locked_call(struct host_conn *h, transaction_code_t code, bool has_arg, int32_t arg,
		       const char *msg, struct error *e)
{
	int r;

	pthread_mutex_lock(&h->lock);
	r = call(h, code, has_arg, arg, msg, e);
	pthread_mutex_unlock(&h->lock);
	return r;
}

int host_notify_started(struct host_conn *h, struct error *e)
{
	return locked_call(h, IVMS_NOTIFY_PAYLOAD_STARTED, false, 0, NULL, e);
}

int host_notify_ready(struct host_conn *h, struct error *e)
{
	int r = 0;

	pthread_mutex_lock(&h->lock);
	if (!h->ready_sent) {
		h->ready_sent = true;
		r = call(h, IVMS_NOTIFY_PAYLOAD_READY, false, 0, NULL, e);
	}
	pthread_mutex_unlock(&h->lock);
	return r;
}

int host_notify_finished(struct host_conn *h, int exit_code, struct error *e)
{
	return locked_call(h, IVMS_NOTIFY_PAYLOAD_FINISHED, true, exit_code, NULL, e);
}

int host_notify_error(struct host_conn *h, int error_code, const char *message, struct error *e)
{
	return locked_call(h, IVMS_NOTIFY_ERROR, true, error_code, message ? message : "", e);
}

int host_notify_crashed(struct host_conn *h, int signal, struct error *e)
{
	return locked_call(h, IVMS_NOTIFY_PAYLOAD_CRASHED, true, signal, NULL, e);
}
