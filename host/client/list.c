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

/* LIST_VMS or LIST_ENDED_VMS (@code). */
static int list_call(struct vmclient *c, transaction_code_t code, const char *what,
		     struct vm_info_parcel **infos, size_t *n, struct error *e)
{
	AParcel *reply;
	int r = vmclient_call(c->service, code, NULL, NULL, &reply, what, e);

	if (r)
		return r;
	r = read_list(reply, infos, n);
	AParcel_delete(reply);
	if (r == -ENOMEM)
		return error_set(e, r, "out of memory");
	if (r)
		return error_set(e, r, "%s: malformed reply from virtmgr", what);
	return 0;
}

int vmclient_list_vms(struct vmclient *c, struct vm_info_parcel **infos, size_t *n, struct error *e)
{
	return list_call(c, IVS_LIST_VMS, "listing VMs", infos, n, e);
}

int vmclient_list_ended_vms(struct vmclient *c, struct vm_info_parcel **infos, size_t *n,
			    struct error *e)
{
	return list_call(c, IVS_LIST_ENDED_VMS, "listing ended VMs", infos, n, e);
}

/* Take the first of @infos that @what (a CID if @by_cid) names into *@info. */
static bool take_match(struct vm_info_parcel *infos, size_t n, const char *what, bool by_cid,
		       int32_t cid, struct vm_info_parcel *info)
{
	for (size_t i = 0; i < n; i++) {
		if (by_cid ? infos[i].cid == cid : !strcmp(infos[i].name, what)) {
			*info = infos[i];
			memset(&infos[i], 0, sizeof(infos[i]));
			return true;
		}
	}
	return false;
}

int vmclient_find_vm(struct vmclient *c, const char *what, bool only_running,
		     struct vm_info_parcel *info, struct error *e)
{
	struct vm_info_parcel *infos;
	uint64_t cid = 0;
	bool by_cid = parse_uint(what, 0, INT32_MAX, &cid), found;
	size_t n;
	int r = vmclient_list_vms(c, &infos, &n, e);

	if (r)
		return r;
	found = take_match(infos, n, what, by_cid, (int32_t)cid, info);
	vmclient_free_infos(infos, n);
	if (found)
		return 0;
	/* A virtmgr without the history (or out of memory) just has no match. */
	if (!only_running && vmclient_list_ended_vms(c, &infos, &n, NULL) == 0) {
		found = take_match(infos, n, what, by_cid, (int32_t)cid, info);
		vmclient_free_infos(infos, n);
		if (found)
			return 0;
	}
	if (by_cid)
		return error_set(e, -ENOENT, "no %sVM with CID %s", only_running ? "running " : "",
				 what);
	return error_set(e, -ENOENT, "no %sVM named '%s'", only_running ? "running " : "", what);
}
