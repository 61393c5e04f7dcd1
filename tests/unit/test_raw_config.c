/* test_raw_config.c - raw_config_parse() and the mvm command line built from it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/virtmgr/mvm_args.h"
#include "host/virtmgr/raw_config.h"
#include "vmm/vm.h"

static struct raw_config cfg;
static struct error err;

static int parse_in(const char *json, const char *base)
{
	memset(&err, 0, sizeof(err));
	return raw_config_parse(json, strlen(json), base, &cfg, &err);
}

static int parse(const char *json)
{
	return parse_in(json, NULL);
}

static int teardown(void **state)
{
	(void)state;
	raw_config_free(&cfg);
	return 0;
}

static void bad(const char *json, int want, const char *msg)
{
	int r = parse(json);

	if (r != want || !strstr(err.msg, msg))
		fail_msg("%s: got %d '%s', wanted %d '...%s...'", json, r, err.msg, want, msg);
}

/* The argv for @launch, joined with spaces. */
static char *command(const struct mvm_launch *launch)
{
	static char line[8192];
	char **argv;

	assert_int_equal(mvm_args_build(&cfg, launch, &argv, &err), 0);
	line[0] = '\0';
	for (char **a = argv; *a; a++) {
		if (a != argv)
			strcat(line, " ");
		strcat(line, *a);
	}
	mvm_args_free(argv);
	return line;
}

static const struct mvm_launch plain = {.mvm = "mvm", .host_cpus = 8};

static void test_limits_match_mvm(void **state)
{
	(void)state;
	assert_true(RAW_CONFIG_MAX_DISKS <= VM_MAX_VIRTIO);
	assert_int_equal(RAW_CONFIG_MAX_MEM_MIB, VM_MAX_MEM_MIB);
	assert_int_equal(RAW_CONFIG_DEFAULT_MEM_MIB, VM_DEFAULT_MEM_MIB);
}

static void test_minimal(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"kernel\": \"/k/bzImage\"}"), 0);
	assert_string_equal(cfg.kernel, "/k/bzImage");
	assert_null(cfg.initrd);
	assert_int_equal(cfg.nr_disks, 0);
	assert_int_equal(cfg.cpu_topology, CPU_TOPOLOGY_ONE_CPU);
	assert_string_equal(command(&plain), "mvm --kernel /k/bzImage --mem 256 --cpus 1");
}

static void test_full(void **state)
{
	const struct mvm_launch launch = {.mvm = "/b/mvm", .console = "con.txt", .host_cpus = 3};

	(void)state;
	assert_int_equal(parse_in("{\n"
				  "  \"name\": \"debian\",\n"
				  "  \"kernel\": \"bzImage\",\n"
				  "  \"initrd\": \"/abs/initrd.img\",\n"
				  "  \"params\": \"console=ttyS0 root=/dev/vda\",\n"
				  "  \"disks\": [{\"image\": \"root.img\", \"writable\": true,\n"
				  "              \"partitions\": []},\n"
				  "            {\"image\": \"/data/ro.img\"}],\n"
				  "  \"protected\": false,\n"
				  "  \"memory_mib\": 1024,\n"
				  "  \"cpu_topology\": \"match_host\",\n"
				  "  \"platform_version\": \"~1.0\",\n"
				  "  \"devices\": []\n"
				  "}",
				  "/vms/"),
			 0);
	assert_string_equal(cfg.name, "debian");
	assert_string_equal(cfg.platform_version, "~1.0");
	assert_string_equal(command(&launch),
			    "/b/mvm --kernel /vms/bzImage --initrd /abs/initrd.img "
			    "--cmdline console=ttyS0 root=/dev/vda --mem 1024 --cpus 3 "
			    "--disk /vms/root.img --disk /data/ro.img,ro --console con.txt");
}

static void test_relative_paths(void **state)
{
	(void)state;
	assert_int_equal(parse_in("{\"kernel\": \"k\", \"disks\": [{\"image\": \"d\"}]}", "/x"), 0);
	assert_string_equal(cfg.kernel, "/x/k");
	assert_string_equal(cfg.disks[0].image, "/x/d");
	raw_config_free(&cfg);
	assert_int_equal(parse_in("{\"kernel\": \"k\"}", ""), 0);
	assert_string_equal(cfg.kernel, "k");
	raw_config_free(&cfg);
	assert_int_equal(parse("{\"kernel\": \"../k\"}"), 0);
	assert_string_equal(cfg.kernel, "../k");
}

static void test_cpus(void **state)
{
	struct mvm_launch launch = plain;

	(void)state;
	assert_int_equal(parse("{\"kernel\": \"k\", \"cpu_topology\": \"match_host\"}"), 0);
	launch.host_cpus = 1000;
	assert_non_null(strstr(command(&launch), "--cpus 254"));
	launch.host_cpus = 0;
	assert_non_null(strstr(command(&launch), "--cpus 1"));
	cfg.cpu_topology = CPU_TOPOLOGY_ONE_CPU;
	launch.host_cpus = 64;
	assert_non_null(strstr(command(&launch), "--cpus 1"));
	assert_string_equal(cpu_topology_name(CPU_TOPOLOGY_MATCH_HOST), "match_host");
	assert_string_equal(cpu_topology_name(CPU_TOPOLOGY_ONE_CPU), "one_cpu");
}

static void test_unsupported(void **state)
{
	(void)state;
	bad("{\"bootloader\": \"/u-boot\"}", -EOPNOTSUPP, "bootloader: not supported");
	bad("{\"kernel\": \"k\", \"protected\": true}", -EOPNOTSUPP, "protected VMs are not");
	bad("{\"kernel\": \"k\", \"disks\": [{\"partitions\": [{\"label\": \"a\", \"path\": "
	    "\"b\"}]}]}",
	    -EOPNOTSUPP, "disks[0].partitions: composite disks are not supported");
	bad("{\"kernel\": \"k\", \"devices\": [\"/sys/bus/x\"]}", -EOPNOTSUPP, "device assignment");
	bad("{\"kernel\": \"k\", \"console_input_device\": \"hvc0\"}", -EOPNOTSUPP,
	    "console_input_device: not supported");
}

static void test_errors(void **state)
{
	char json[256];

	(void)state;
	bad("{}", -EINVAL, "kernel: missing (it is required)");
	bad("{\"kernel\": \"k\", \"kernal\": \"k\"}", -EINVAL, "kernal: unknown key");
	bad("{\"kernel\": 7}", -EINVAL, "kernel: want a string, not a number");
	bad("{\"kernel\": \"\"}", -EINVAL, "kernel: must not be empty");
	bad("{\"kernel\": \"k\", \"memory_mib\": \"512\"}", -EINVAL,
	    "memory_mib: want a number, not a string");
	bad("{\"kernel\": \"k\", \"memory_mib\": 15}", -EINVAL,
	    "memory_mib: want a whole number from 16 to 1048576");
	bad("{\"kernel\": \"k\", \"memory_mib\": 1048577}", -EINVAL, "memory_mib");
	bad("{\"kernel\": \"k\", \"memory_mib\": 256.5}", -EINVAL, "memory_mib");
	bad("{\"kernel\": \"k\", \"memory_mib\": -256}", -EINVAL, "memory_mib");
	bad("{\"kernel\": \"k\", \"memory_mib\": 1e300}", -EINVAL, "memory_mib");
	bad("{\"kernel\": \"k\", \"memory_mib\": 18446744073709551616}", -EINVAL, "memory_mib");
	bad("{\"kernel\": \"k\", \"cpu_topology\": \"two\"}", -EINVAL,
	    "cpu_topology: 'two' is not one_cpu or match_host");
	bad("{\"kernel\": \"k\", \"platform_version\": \"~2.0\"}", -EINVAL,
	    "platform_version: '~2.0' is not met");
	bad("{\"kernel\": \"k\", \"protected\": \"no\"}", -EINVAL, "protected: want true or false");
	bad("{\"kernel\": \"k\", \"disks\": {}}", -EINVAL, "disks: want an array");
	bad("{\"kernel\": \"k\", \"disks\": [7]}", -EINVAL, "disks[0]: want an object");
	bad("{\"kernel\": \"k\", \"disks\": [{\"image\": \"a\"}, {\"writable\": true}]}", -EINVAL,
	    "disks[1].image: missing");
	bad("{\"kernel\": \"k\", \"disks\": [{\"image\": \"a\", \"writable\": 1}]}", -EINVAL,
	    "disks[0].writable: want true or false, not a number");
	bad("{\"kernel\": \"k\", \"disks\": [{\"image\": \"a,ro\"}]}", -EINVAL, "contains a comma");
	bad("{\"kernel\": \"k\", \"disks\": [{\"image\": \"a\", \"size\": 1}]}", -EINVAL,
	    "disks[0].size: unknown key");
	snprintf(json, sizeof(json), "{\"kernel\": \"k\", \"disks\": [%s]}",
		 "{\"image\":\"a\"},{\"image\":\"a\"},{\"image\":\"a\"},{\"image\":\"a\"},"
		 "{\"image\":\"a\"},{\"image\":\"a\"},{\"image\":\"a\"},{\"image\":\"a\"},"
		 "{\"image\":\"a\"},{\"image\":\"a\"},{\"image\":\"a\"}");
	bad(json, -E2BIG, "disks: 11 disks, at most 10");
	bad("{\"kernel\": \"k\", \"name\": \"\"}", -EINVAL, "name: must not be empty");
}

static void test_platform_versions(void **state)
{
	static const char *const ok[] = {"~1.0", "^1.0", "=1.0.0", "1", "1.0", "*", "~1"};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char json[128];

		snprintf(json, sizeof(json), "{\"kernel\": \"k\", \"platform_version\": \"%s\"}",
			 ok[i]);
		assert_int_equal(parse(json), 0);
		raw_config_free(&cfg);
	}
	bad("{\"kernel\": \"k\", \"platform_version\": \"~1.1\"}", -EINVAL, "not met");
	bad("{\"kernel\": \"k\", \"platform_version\": \">=0.9\"}", -EINVAL, "not met");
}

static void test_long_values(void **state)
{
	size_t n = RAW_CONFIG_PATH_MAX + 100;
	char *json = malloc(n + 64), *p;

	(void)state;
	assert_non_null(json);
	p = json + sprintf(json, "{\"kernel\": \"/");
	memset(p, 'k', RAW_CONFIG_PATH_MAX);
	strcpy(p + RAW_CONFIG_PATH_MAX, "\"}");
	bad(json, -ENAMETOOLONG, "kernel: path too long");
	/* Relative, it fits alone but not behind the base directory. */
	p[-1] = 'k';
	p[RAW_CONFIG_PATH_MAX - 1] = '"';
	p[RAW_CONFIG_PATH_MAX] = '}';
	p[RAW_CONFIG_PATH_MAX + 1] = '\0';
	assert_int_equal(parse(json), 0);
	raw_config_free(&cfg);
	assert_int_equal(parse_in(json, "/base"), -ENAMETOOLONG);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limits_match_mvm),
	    cmocka_unit_test_teardown(test_minimal, teardown),
	    cmocka_unit_test_teardown(test_full, teardown),
	    cmocka_unit_test_teardown(test_relative_paths, teardown),
	    cmocka_unit_test_teardown(test_cpus, teardown),
	    cmocka_unit_test_teardown(test_unsupported, teardown),
	    cmocka_unit_test_teardown(test_errors, teardown),
	    cmocka_unit_test_teardown(test_platform_versions, teardown),
	    cmocka_unit_test_teardown(test_long_values, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
