/*
 * kbinder_cmds.c - the driver's BR_* return stream, parsed from bytes:
 * each command is a u32 code whose _IOC_SIZE says how many payload bytes
 * follow.  Pure (no driver, no globals), so that it is unit-tested and
 * fuzzed (tests/fuzz/fuzz_binder_driver_cmds.c).  See kbinder.h.
 */
#include <errno.h>
#include <string.h>

#include <android/binder_parcel.h>

#include "kbinder.h"

static const struct {
	uint32_t cmd;
	const char *name;
} known[] = {
    {BR_ERROR, "BR_ERROR"},
    {BR_OK, "BR_OK"},
    {BR_TRANSACTION, "BR_TRANSACTION"},
    {BR_REPLY, "BR_REPLY"},
    {BR_DEAD_REPLY, "BR_DEAD_REPLY"},
    {BR_TRANSACTION_COMPLETE, "BR_TRANSACTION_COMPLETE"},
    {BR_INCREFS, "BR_INCREFS"},
    {BR_ACQUIRE, "BR_ACQUIRE"},
    {BR_RELEASE, "BR_RELEASE"},
    {BR_DECREFS, "BR_DECREFS"},
    {BR_NOOP, "BR_NOOP"},
    {BR_SPAWN_LOOPER, "BR_SPAWN_LOOPER"},
    {BR_FINISHED, "BR_FINISHED"},
    {BR_DEAD_BINDER, "BR_DEAD_BINDER"},
    {BR_CLEAR_DEATH_NOTIFICATION_DONE, "BR_CLEAR_DEATH_NOTIFICATION_DONE"},
    {BR_FAILED_REPLY, "BR_FAILED_REPLY"},
    {BR_FROZEN_REPLY, "BR_FROZEN_REPLY"},
    {BR_ONEWAY_SPAM_SUSPECT, "BR_ONEWAY_SPAM_SUSPECT"},
};

const char *kbinder_cmd_name(uint32_t cmd)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].cmd == cmd)
			return known[i].name;
	return "BR_?";
}

int kbinder_next_cmd(const uint8_t *buf, size_t len, size_t *pos, struct kbinder_cmd *out)
{
	uint32_t cmd;
	size_t size;

	if (*pos >= len)
		return -ENODATA;
	if (len - *pos < sizeof(cmd))
		return -EPROTO;
	memcpy(&cmd, buf + *pos, sizeof(cmd));
	if (strcmp(kbinder_cmd_name(cmd), "BR_?") == 0)
		return -EPROTO; /* includes BR_TRANSACTION_SEC_CTX, never asked for */
	size = _IOC_SIZE(cmd);
	if (size > sizeof(out->u) || len - *pos - sizeof(cmd) < size)
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	out->cmd = cmd;
	memcpy(&out->u, buf + *pos + sizeof(cmd), size);
	*pos += sizeof(cmd) + size;
	return 0;
}

/* [@start, @start + @len) inside [@map, @map + @map_size)? */
static bool in_map(uintptr_t map, size_t map_size, uint64_t start, uint64_t len)
{
	return start >= map && start - map <= map_size && len <= map_size - (start - map);
}

int kbinder_check_buffer(uintptr_t map, size_t map_size, const struct binder_transaction_data *tr)
{
	const size_t max_objects = BINDER_PARCEL_MAX_BINDERS + BINDER_PARCEL_MAX_FDS;

	if (tr->data_size > BINDER_PARCEL_MAX_SIZE ||
	    !in_map(map, map_size, tr->data.ptr.buffer, tr->data_size))
		return -EPROTO;
	if (tr->offsets_size % sizeof(binder_size_t) ||
	    tr->offsets_size / sizeof(binder_size_t) > max_objects)
		return -EPROTO;
	if (tr->offsets_size && (!in_map(map, map_size, tr->data.ptr.offsets, tr->offsets_size) ||
				 tr->data.ptr.offsets % sizeof(binder_size_t)))
		return -EPROTO;
	return 0;
}
