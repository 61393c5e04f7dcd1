/* dm_verity.c - dm-verity through device-mapper ioctls; see dm_verity.h. */
#include "dm_verity.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static bool is_hex(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 || n > VERITY_HEX_MAX)
		return false;
	return strspn(s, "0123456789abcdefABCDEF") == n;
}

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Apply one "key=value" field of the spec. */
static int parse_field(struct verity_config *c, char *field, bool *have_offset, struct error *e)
{
	char *eq = strchr(field, '=');
	const char *key = field, *val;
	uint64_t v;

	if (!eq)
		return error_set(e, -EINVAL, "field '%s' is not key=value", field);
	*eq = '\0';
	val = eq + 1;
	if (strcmp(key, "blocks") == 0) {
		if (parse_u64(val, &c->data_blocks) < 0 || c->data_blocks == 0)
			return error_set(e, -EINVAL, "bad blocks '%s'", val);
	} else if (strcmp(key, "root") == 0) {
		if (!is_hex(val))
			return error_set(e, -EINVAL, "root digest '%s' is not hex", val);
		strcpy(c->root, val);
	} else if (strcmp(key, "salt") == 0) {
		if (strcmp(val, "-") != 0 && !is_hex(val))
			return error_set(e, -EINVAL, "salt '%s' is not hex or '-'", val);
		strcpy(c->salt, val);
	} else if (strcmp(key, "alg") == 0) {
		if (!*val || strlen(val) >= sizeof(c->algorithm) ||
		    strspn(val, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(val))
			return error_set(e, -EINVAL, "bad algorithm '%s'", val);
		strcpy(c->algorithm, val);
	} else if (strcmp(key, "block_size") == 0) {
		if (parse_u64(val, &v) < 0 || v < 512 || v > 65536 || (v & (v - 1)))
			return error_set(e, -EINVAL,
					 "bad block_size '%s' (a power of 2, 512 to 65536)", val);
		c->block_size = (uint32_t)v;
	} else if (strcmp(key, "hash_offset") == 0) {
		if (parse_u64(val, &c->hash_offset) < 0)
			return error_set(e, -EINVAL, "bad hash_offset '%s'", val);
		*have_offset = true;
	} else {
		return error_set(e, -EINVAL, "unknown field '%s'", key);
	}
	return 0;
}

int verity_parse(const char *spec, struct verity_config *c, struct error *e)
{
	bool have_offset = false;
	char *copy, *field, *save = NULL;
	int r = 0;

	memset(c, 0, sizeof(*c));
	strcpy(c->algorithm, "sha256");
	c->block_size = 4096;
	if (strcmp(spec, "off") == 0) {
		c->off = true;
		return 0;
	}
	copy = strdup(spec);
	if (!copy)
		return error_set(e, -ENOMEM, "out of memory");
	for (field = strtok_r(copy, ",", &save); field && r == 0;
	     field = strtok_r(NULL, ",", &save))
		r = parse_field(c, field, &have_offset, e);
	free(copy);
	if (r < 0)
		return r;
	if (!c->data_blocks || !c->root[0] || !c->salt[0])
		return error_set(e, -EINVAL, "needs blocks=, root= and salt= (got '%s')", spec);
	if (c->data_blocks > UINT64_MAX / c->block_size)
		return error_set(e, -EINVAL, "blocks=%llu is too large",
				 (unsigned long long)c->data_blocks);
	if (!have_offset)
		c->hash_offset = c->data_blocks * c->block_size;
	if (c->hash_offset % c->block_size)
		return error_set(e, -EINVAL, "hash_offset %llu is not a multiple of block_size %u",
				 (unsigned long long)c->hash_offset, c->block_size);
	if (c->hash_offset < c->data_blocks * c->block_size)
		return error_set(e, -EINVAL, "hash_offset %llu overlaps the %llu data bytes",
				 (unsigned long long)c->hash_offset,
				 (unsigned long long)(c->data_blocks * c->block_size));
	return 0;
}

int verity_target_params(const struct verity_config *c, unsigned major, unsigned minor, char *out,
			 size_t cap)
{
	int n = snprintf(out, cap, "1 %u:%u %u:%u %u %u %llu %llu %s %s %s", major, minor, major,
			 minor, c->block_size, c->block_size, (unsigned long long)c->data_blocks,
			 (unsigned long long)(c->hash_offset / c->block_size), c->algorithm,
			 c->root, c->salt);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}

int verity_check_disk(const struct verity_config *c, uint64_t disk_sectors, struct error *e)
{
	uint64_t disk_bytes = disk_sectors * 512;

	if (c->hash_offset >= disk_bytes)
		return error_set(e, -ENOSPC,
				 "the disk has %llu bytes: no room for data of %llu blocks of %u "
				 "and the hash tree at %llu",
				 (unsigned long long)disk_bytes, (unsigned long long)c->data_blocks,
				 c->block_size, (unsigned long long)c->hash_offset);
	return 0;
}

static void dm_init(struct dm_ioctl *io, size_t size, const char *name)
{
	memset(io, 0, sizeof(*io));
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = (uint32_t)size;
	io->data_start = sizeof(*io);
	snprintf(io->name, sizeof(io->name), "%s", name);
}

int dm_table_load_request(void *buf, size_t cap, const char *name, uint64_t sectors,
			  const char *target, const char *params)
{
	struct dm_ioctl *io = buf;
	struct dm_target_spec *ts;
	size_t spec = sizeof(*ts) + strlen(params) + 1, total;

	if (strlen(name) >= sizeof(io->name) || strlen(target) >= sizeof(ts->target_type))
		return -ENAMETOOLONG;
	spec = (spec + 7) & ~(size_t)7;
	total = sizeof(*io) + spec;
	if (total > cap)
		return -ENOSPC;
	memset(buf, 0, total);
	dm_init(io, total, name);
	io->target_count = 1;
	io->flags = DM_READONLY_FLAG;
	ts = (struct dm_target_spec *)((char *)buf + sizeof(*io));
	ts->sector_start = 0;
	ts->length = sectors;
	ts->next = (uint32_t)spec;
	snprintf(ts->target_type, sizeof(ts->target_type), "%s", target);
	strcpy((char *)(ts + 1), params);
	return (int)total;
}

static int dm_simple(int fd, unsigned long cmd, const char *name, uint32_t flags,
		     struct dm_ioctl *out)
{
	struct dm_ioctl io;

	dm_init(&io, sizeof(io), name);
	io.flags = flags;
	if (ioctl(fd, cmd, &io) < 0)
		return -errno;
	if (out)
		*out = io;
	return 0;
}

int dm_verity_create(const char *control, const char *name, const struct verity_config *c,
		     unsigned major, unsigned minor, dev_t *dev, struct error *e)
{
	char params[512];
	union {
		struct dm_ioctl io;
		char bytes[sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec) + 520];
	} req;
	struct dm_ioctl reply;
	const char *step;
	int fd, r;

	r = verity_target_params(c, major, minor, params, sizeof(params));
	if (r < 0)
		return error_set(e, r, "verity parameters too long");
	r = dm_table_load_request(&req, sizeof(req), name, c->data_blocks * (c->block_size / 512),
				  "verity", params);
	if (r < 0)
		return error_set(e, r, "table too large");
	fd = open(control, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return error_set(e, r, "%s: %s (is device-mapper, dm-mod, loaded?)", control,
				 strerror(-r));
	}
	step = "DM_DEV_CREATE";
	r = dm_simple(fd, DM_DEV_CREATE, name, 0, NULL);
	if (r == 0) {
		step = "DM_TABLE_LOAD";
		r = ioctl(fd, DM_TABLE_LOAD, &req) < 0 ? -errno : 0;
		if (r == 0) {
			step = "DM_DEV_SUSPEND (resume)";
			r = dm_simple(fd, DM_DEV_SUSPEND, name, 0, &reply);
		}
		if (r < 0)
			dm_simple(fd, DM_DEV_REMOVE, name, 0, NULL);
	}
	close(fd);
	if (r < 0)
		return error_set(e, r,
				 "%s of '%s' over %u:%u: %s (the kernel log says more; is "
				 "dm-verity loaded?)",
				 step, name, major, minor, strerror(-r));
	/* The kernel's "huge" encoding: minor bits 0-7 and 20-31, major 8-19. */
	*dev = makedev((unsigned)((reply.dev >> 8) & 0xfff),
		       (unsigned)((reply.dev & 0xff) | ((reply.dev >> 12) & 0xfff00)));
	return 0;
}
