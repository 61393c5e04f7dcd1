/* list.c - the running VMs: listing them, finding one by CID or name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/client/internal.h"
#include "lib/common/parse.h"

/* LIST_VMS holds at most this many (virtmgr's --max-vms is far below). */
#define LIST_MAX 4096

void vmclient_free_infos(struct vm_info_parcel *infos, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vm_info_parcel_clear(&infos[i]);
	free(infos);
}

static int read_list(const AParcel *reply, struct vm_info_parcel **infos, size_t *n)
{
	struct vm_info_parcel *v;
	int32_t count;
	bool present;
	size_t got = 0;

	if (AParcel_readInt32(reply, &count) || count < 0 || count > LIST_MAX)
		return -EPROTO;
	v = calloc(count ? (size_t)count : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (; got < (size_t)count; got++) {
		if (AParcel_readNullableFlag(reply, &present) || !present ||
		    vm_info_parcel_read(reply, &v[got])) {
			vmclient_free_infos(v, got);
			return -EPROTO;
		}
	}
	*infos = v;
	*n = got;
	return 0;
}

int vmclient_list_vms(struct vmclient *c, struct vm_info_parcel **infos, size_t *n, struct error *e)
{
	AParcel *reply;
	int r = vmclient_call(c->service, IVS_LIST_VMS, NULL, NULL, &reply, "listing VMs", e);

	if (r)
		return r;
	r = read_list(reply, infos, n);
	AParcel_delete(reply);
	if (r == -ENOMEM)
		return error_set(e, r, "out of memory");
	if (r)
		return error_set(e, r, "listing VMs: malformed reply from virtmgr");
	return 0;
}

int vmclient_find_vm(struct vmclient *c, const char *what, struct vm_info_parcel *info,
		     struct error *e)
{
	struct vm_info_parcel *infos;
	uint64_t cid = 0;
	bool by_cid = parse_uint(what, 0, INT32_MAX, &cid);
	size_t n;
	int r = vmclient_list_vms(c, &infos, &n, e);

	if (r)
		return r;
	if (by_cid)
		r = error_set(e, -ENOENT, "no running VM with CID %s", what);
	else
		r = error_set(e, -ENOENT, "no running VM named '%s'", what);
	for (size_t i = 0; i < n; i++) {
		if (by_cid ? infos[i].cid == (int32_t)cid : !strcmp(infos[i].name, what)) {
			*info = infos[i];
			memset(&infos[i], 0, sizeof(infos[i]));
			r = 0;
			break;
		}
	}
	vmclient_free_infos(infos, n);
	return r;
}
