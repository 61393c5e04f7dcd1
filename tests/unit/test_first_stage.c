/*
 * Unit tests for the first stage's parts that run without a VM: the
 * kernel command line (guest/init/cmdline.c), module names, parameters
 * and modules.load (modules.c), disks by serial in a fake sysfs
 * (disks.c), the microdroid.verity= scheme and the device-mapper request
 * layout (dm_verity.c), and sys.powerctl values (power.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/init/cmdline.h"
#include "guest/init/disks.h"
#include "guest/init/dm_verity.h"
#include "guest/init/modules.h"
#include "guest/init/power.h"

/* ---- the command line ---- */

struct words {
	char text[512];
};

static int collect_word(void *ctx, const char *key, const char *value)
{
	struct words *w = ctx;
	size_t n = strlen(w->text);

	snprintf(w->text + n, sizeof(w->text) - n, "[%s%s%s]", key, value ? "=" : "",
		 value ? value : "");
	return 0;
}

static void test_cmdline_words(void **state)
{
	struct words w = {""};
	char out[32];

	(void)state;
	assert_int_equal(cmdline_foreach("  console=hvc0 quiet\ta=\"b c\" \"d=e f\" x=y=z k= \n",
					 collect_word, &w),
			 0);
	assert_string_equal(w.text, "[console=hvc0][quiet][a=b c][d=e f][x=y=z][k=]");
	assert_int_equal(cmdline_get("a=1 b=2 a=3", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "3");
	assert_int_equal(cmdline_get("a=1 flag", "flag", out, sizeof(out)), -ENOENT);
	assert_int_equal(cmdline_get("a=1", "b", out, sizeof(out)), -ENOENT);
	assert_int_equal(cmdline_get("a=0123456789", "a", out, 5), -ENAMETOOLONG);
}

/* ---- modules ---- */

static void test_module_names(void **state)
{
	char name[64];
	int compressed;

	(void)state;
	assert_int_equal(
	    module_name("kernel/drivers/virtio/virtio_mmio.ko", name, sizeof(name), &compressed),
	    0);
	assert_string_equal(name, "virtio_mmio");
	assert_false(compressed);
	assert_int_equal(module_name("dm-verity.ko.xz", name, sizeof(name), &compressed), 0);
	assert_string_equal(name, "dm_verity");
	assert_true(compressed);
	assert_int_equal(module_name("a/b/virtio-blk.ko.zst", name, sizeof(name), &compressed), 0);
	assert_string_equal(name, "virtio_blk");
	assert_int_equal(module_name("x.ko.gz", name, sizeof(name), &compressed), 0);
	assert_int_equal(module_name("notes.txt", name, sizeof(name), &compressed), -EINVAL);
	assert_int_equal(module_name(".ko", name, sizeof(name), &compressed), -EINVAL);
	assert_int_equal(module_name("ko", name, sizeof(name), &compressed), -EINVAL);
}

static void test_module_params(void **state)
{
	static const char cmdline[] = "console=hvc0 virtio_mmio.device=4K@0xd0000000:5 "
				      "virtio-mmio.device=4K@0xd0001000:6 virtio_mmiox.device=no "
				      "dm_verity.flag loop.max_loop=\"a b\" virtio_mmio.=bad";
	char out[256];

	(void)state;
	assert_int_equal(module_params(cmdline, "virtio_mmio", out, sizeof(out)),
			 (int)strlen("device=4K@0xd0000000:5 device=4K@0xd0001000:6"));
	assert_string_equal(out, "device=4K@0xd0000000:5 device=4K@0xd0001000:6");
	assert_int_equal(module_params(cmdline, "dm_verity", out, sizeof(out)), 4);
	assert_string_equal(out, "flag");
	assert_int_equal(module_params(cmdline, "loop", out, sizeof(out)), 14);
	assert_string_equal(out, "max_loop=\"a b\"");
	assert_int_equal(module_params(cmdline, "virtio_blk", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(module_params(cmdline, "virtio_mmio", out, 10), -ENAMETOOLONG);
}

static char tmp[64];

static void make_tmp(void)
{
	strcpy(tmp, "/tmp/first-stage-XXXXXX");
	assert_non_null(mkdtemp(tmp));
}

static void remove_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_modules_load_errors(void **state)
{
	struct error e;

	(void)state;
	make_tmp();
	/* No modules.load: nothing to do. */
	assert_int_equal(modules_load_all(tmp, "", &e), 0);
	/* Comments and blank lines only. */
	put("modules.load", "# nothing\n\n   \n");
	assert_int_equal(modules_load_all(tmp, "", &e), 0);
	/* A missing module stops the list with its name. */
	put("modules.load", "# deps first\nkernel/virtio_blk.ko.xz\nother.ko\n");
	assert_int_equal(modules_load_all(tmp, "", &e), -ENOENT);
	assert_non_null(strstr(e.msg, "module 'virtio_blk': cannot open '"));
	assert_non_null(strstr(e.msg, "/kernel/virtio_blk.ko.xz': No such file or directory"));
	put("modules.load", "readme.txt\n");
	assert_int_equal(modules_load_all(tmp, "", &e), -EINVAL);
	assert_string_equal(e.msg, "modules.load: 'readme.txt' is not a .ko file");
	remove_tmp();
}

/* ---- disks by serial, in a fake /sys/block ---- */

static void fake_disk(const char *name, const char *serial, const char *dev, const char *size)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "%s/%s", tmp, name);
	assert_int_equal(mkdir(rel, 0755), 0);
	snprintf(rel, sizeof(rel), "%s/serial", name);
	if (serial)
		put(rel, serial);
	snprintf(rel, sizeof(rel), "%s/dev", name);
	put(rel, dev);
	snprintf(rel, sizeof(rel), "%s/size", name);
	put(rel, size);
}

static void test_disks_by_serial(void **state)
{
	char name[DISK_NAME_MAX];
	unsigned maj, min;
	uint64_t sectors;
	struct error e;

	(void)state;
	make_tmp();
	fake_disk("vda", "data\n", "254:0\n", "2048\n");
	fake_disk("vdb", "system\n", "254:16\n", "131072\n");
	fake_disk("vdc", NULL, "254:32\n", "8\n");
	fake_disk("sda", "system\n", "8:0\n", "8\n"); /* not a virtio disk */
	assert_int_equal(disk_find(tmp, "system", name), 0);
	assert_string_equal(name, "vdb");
	assert_int_equal(disk_find(tmp, "data", name), 0);
	assert_string_equal(name, "vda");
	assert_int_equal(disk_find(tmp, "sys", name), -ENOENT);
	assert_int_equal(disk_info(tmp, "vdb", &maj, &min, &sectors, &e), 0);
	assert_int_equal(maj, 254);
	assert_int_equal(min, 16);
	assert_int_equal(sectors, 131072);
	assert_int_equal(disk_wait(tmp, "system", 1000, name, &e), 0);
	/* A disk that never comes: a bounded wait and a list of what was there. */
	assert_int_equal(disk_wait(tmp, "missing", 50, name, &e), -ETIMEDOUT);
	assert_non_null(strstr(e.msg, "no virtio disk with serial 'missing' after 50 ms"));
	assert_non_null(strstr(e.msg, "vdb=system"));
	assert_non_null(strstr(e.msg, "vdc=?"));
	assert_null(strstr(e.msg, "sda"));
	assert_int_equal(disk_info(tmp, "vdz", &maj, &min, &sectors, &e), -ENOENT);
	remove_tmp();
}

/* ---- dm-verity ---- */

#define ROOT "4392d1fd1b2b4f1a8cef8a2e2a1d5d8c0f5b1f5a7c5f0c5d1e4b3a2f1e0d9c8b"
#define SALT "a1b2c3d4"

static void test_verity_parse(void **state)
{
	struct verity_config c;
	struct error e;
	char params[512];

	(void)state;
	assert_int_equal(verity_parse("blocks=1000,root=" ROOT ",salt=" SALT, &c, &e), 0);
	assert_false(c.off);
	assert_string_equal(c.algorithm, "sha256");
	assert_int_equal(c.block_size, 4096);
	assert_int_equal(c.data_blocks, 1000);
	assert_int_equal(c.hash_offset, 1000 * 4096);
	assert_string_equal(c.root, ROOT);
	assert_true(verity_target_params(&c, 254, 16, params, sizeof(params)) > 0);
	assert_string_equal(params, "1 254:16 254:16 4096 4096 1000 1000 sha256 " ROOT " " SALT);
	/* The veritysetup superblock case, another algorithm, no salt. */
	assert_int_equal(verity_parse("salt=-,alg=sha1,blocks=10,hash_offset=45056,root=abcd,"
				      "block_size=4096",
				      &c, &e),
			 0);
	assert_true(verity_target_params(&c, 8, 0, params, sizeof(params)) > 0);
	assert_string_equal(params, "1 8:0 8:0 4096 4096 10 11 sha1 abcd -");
	assert_int_equal(verity_parse("off", &c, &e), 0);
	assert_true(c.off);
	assert_int_equal(verity_target_params(&c, 1, 2, params, 8), -ENAMETOOLONG);
}

static void expect_bad(const char *spec, const char *msg)
{
	struct verity_config c;
	struct error e;

	assert_int_equal(verity_parse(spec, &c, &e), -EINVAL);
	assert_string_equal(e.msg, msg);
}

static void test_verity_parse_errors(void **state)
{
	(void)state;
	expect_bad("", "needs blocks=, root= and salt= (got '')");
	expect_bad("blocks=10,root=abcd",
		   "needs blocks=, root= and salt= (got 'blocks=10,root=abcd')");
	expect_bad("blocks=0,root=ab,salt=-", "bad blocks '0'");
	expect_bad("blocks=x,root=ab,salt=-", "bad blocks 'x'");
	expect_bad("blocks=99999999999999999999,root=ab,salt=-",
		   "bad blocks '99999999999999999999'");
	expect_bad("blocks=1,root=abc,salt=-", "root digest 'abc' is not hex");
	expect_bad("blocks=1,root=zz,salt=-", "root digest 'zz' is not hex");
	expect_bad("blocks=1,root=ab,salt=xy", "salt 'xy' is not hex or '-'");
	expect_bad("blocks=1,root=ab,salt=-,alg=SHA 256", "bad algorithm 'SHA 256'");
	expect_bad("blocks=1,root=ab,salt=-,block_size=1000",
		   "bad block_size '1000' (a power of 2, 512 to 65536)");
	expect_bad("blocks=1,root=ab,salt=-,hash_offset=100",
		   "hash_offset 100 is not a multiple of block_size 4096");
	expect_bad("blocks=2,root=ab,salt=-,hash_offset=4096",
		   "hash_offset 4096 overlaps the 8192 data bytes");
	expect_bad("blocks=1,root=ab,salt=-,colour=red", "unknown field 'colour'");
	expect_bad("blocks=1,root=ab,salt", "field 'salt' is not key=value");
	expect_bad("blocks=4503599627370496,root=ab,salt=-",
		   "blocks=4503599627370496 is too large");
}

static void test_verity_disk_size(void **state)
{
	struct verity_config c;
	struct error e;

	(void)state;
	assert_int_equal(verity_parse("blocks=100,root=ab,salt=-", &c, &e), 0);
	/* 100 data blocks of 4096 = 800 sectors; the tree needs at least one more block. */
	assert_int_equal(verity_check_disk(&c, 808, &e), 0);
	assert_int_equal(verity_check_disk(&c, 800, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "the disk has 409600 bytes"));
}

static void test_dm_table_load_layout(void **state)
{
	union {
		struct dm_ioctl io;
		char bytes[1024];
	} buf;
	const struct dm_target_spec *ts;
	const char *params = "1 254:16 254:16 4096 4096 1000 1000 sha256 ab -";
	int n;

	(void)state;
	n = dm_table_load_request(&buf, sizeof(buf), "system", 8000, "verity", params);
	assert_true(n > 0);
	assert_int_equal(n % 8, 0);
	assert_int_equal(buf.io.version[0], DM_VERSION_MAJOR);
	assert_int_equal(buf.io.data_size, (uint32_t)n);
	assert_int_equal(buf.io.data_start, sizeof(struct dm_ioctl));
	assert_int_equal(buf.io.target_count, 1);
	assert_int_equal(buf.io.flags, DM_READONLY_FLAG);
	assert_string_equal(buf.io.name, "system");
	ts = (const struct dm_target_spec *)(buf.bytes + buf.io.data_start);
	assert_int_equal(ts->sector_start, 0);
	assert_int_equal(ts->length, 8000);
	assert_string_equal(ts->target_type, "verity");
	assert_string_equal((const char *)(ts + 1), params);
	assert_int_equal(ts->next, (uint32_t)n - sizeof(struct dm_ioctl));
	assert_int_equal(sizeof(struct dm_ioctl) + ts->next, (size_t)n);
	assert_int_equal(dm_table_load_request(&buf, 100, "system", 1, "verity", params), -ENOSPC);
	assert_int_equal(dm_table_load_request(&buf, sizeof(buf), "system", 1,
					       "a-target-type-name-too-long", params),
			 -ENAMETOOLONG);
}

static void test_dm_without_device_mapper(void **state)
{
	struct verity_config c;
	struct error e;
	dev_t dev;

	(void)state;
	assert_int_equal(verity_parse("blocks=100,root=ab,salt=-", &c, &e), 0);
	assert_int_equal(dm_verity_create("/nonexistent/control", "system", &c, 254, 0, &dev, &e),
			 -ENOENT);
	assert_string_equal(e.msg, "/nonexistent/control: No such file or directory (is "
				   "device-mapper, dm-mod, loaded?)");
}

static void test_powerctl(void **state)
{
	enum power_action a;
	char reason[32];

	(void)state;
	assert_int_equal(power_parse("shutdown", &a, reason, sizeof(reason)), 0);
	assert_int_equal(a, POWER_OFF);
	assert_string_equal(reason, "");
	assert_int_equal(power_parse("reboot,critical:x", &a, reason, sizeof(reason)), 0);
	assert_int_equal(a, POWER_REBOOT);
	assert_string_equal(reason, "critical:x");
	assert_int_equal(power_parse("shutdown,", &a, reason, sizeof(reason)), 0);
	assert_int_equal(power_parse("halt", &a, reason, sizeof(reason)), -EINVAL);
	assert_int_equal(power_parse("rebootx", &a, reason, sizeof(reason)), -EINVAL);
	assert_int_equal(power_parse("", &a, reason, sizeof(reason)), -EINVAL);
	assert_string_equal(power_action_name(POWER_OFF), "poweroff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_words),
		cmocka_unit_test(test_module_names),
		cmocka_unit_test(test_module_params),
		cmocka_unit_test(test_modules_load_errors),
		cmocka_unit_test(test_disks_by_serial),
		cmocka_unit_test(test_verity_parse),
		cmocka_unit_test(test_verity_parse_errors),
		cmocka_unit_test(test_verity_disk_size),
		cmocka_unit_test(test_dm_table_load_layout),
		cmocka_unit_test(test_dm_without_device_mapper),
		cmocka_unit_test(test_powerctl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
