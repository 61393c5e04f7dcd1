/* test_vm_config.c - vm_config_parse() on good and bad payload configs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/payload/vm_config.h"

static struct vm_payload_config cfg;
static struct error err;

static int parse(const char *json)
{
	memset(&err, 0, sizeof(err));
	return vm_config_parse(json, strlen(json), &cfg, &err);
}

/* @json must fail with @want and a message containing @msg. */
static void bad(const char *json, int want, const char *msg)
{
	int r = parse(json);

	if (r != want || !strstr(err.msg, msg))
		fail_msg("%s: got %d '%s', wanted %d '...%s...'", json, r, err.msg, want, msg);
}

static void test_launcher(void **state)
{
	char path[64];

	(void)state;
	assert_int_equal(parse("{\"task\": {\"type\": \"microdroid_launcher\", "
			       "\"command\": \"libdemo.so\"}}"),
			 0);
	assert_int_equal(cfg.task_type, PAYLOAD_TASK_MICRODROID_LAUNCHER);
	assert_string_equal(cfg.command, "libdemo.so");
	assert_false(cfg.export_tombstones_set);
	assert_int_equal(vm_config_library_path(&cfg, path, sizeof(path)), 0);
	assert_string_equal(path, "lib/x86_64/libdemo.so");
	assert_int_equal(vm_config_library_path(&cfg, path, 10), -ENAMETOOLONG);
	assert_string_equal(payload_task_type_name(cfg.task_type), "microdroid_launcher");
}

static void test_executable(void **state)
{
	char path[64];

	(void)state;
	assert_int_equal(parse("{\"task\": {\"type\": \"executable\", \"command\": \"/bin/sh\"}}"),
			 0);
	assert_int_equal(cfg.task_type, PAYLOAD_TASK_EXECUTABLE);
	assert_string_equal(cfg.command, "/bin/sh");
	assert_int_equal(vm_config_library_path(&cfg, path, sizeof(path)), -EINVAL);
	/* As in AVF, the type defaults to executable. */
	assert_int_equal(parse("{\"task\": {\"command\": \"/apex/bin/x\"}}"), 0);
	assert_int_equal(cfg.task_type, PAYLOAD_TASK_EXECUTABLE);
}

static void test_all_keys(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("{\n"
		  "  \"os\": {\"name\": \"microdroid\"},\n"
		  "  \"task\": {\"type\": \"microdroid_launcher\", \"command\": \"a.so\"},\n"
		  "  \"apexes\": [{\"name\": \"com.android.art\"}, {\"name\": \"x\"}],\n"
		  "  \"extra_apks\": [{\"path\": \"/data/x.apk\"}],\n"
		  "  \"prefer_staged\": true,\n"
		  "  \"export_tombstones\": false,\n"
		  "  \"enable_authfs\": true,\n"
		  "  \"hugepages\": true\n"
		  "}\n"),
	    0);
	assert_int_equal(cfg.nr_apexes, 2);
	assert_int_equal(cfg.nr_extra_apks, 1);
	assert_true(cfg.prefer_staged);
	assert_true(cfg.export_tombstones_set);
	assert_false(cfg.export_tombstones);
	assert_true(cfg.enable_authfs);
	assert_true(cfg.hugepages);
	assert_int_equal(parse("{\"task\": {\"command\": \"/x\"}, \"apexes\": []}"), 0);
	assert_int_equal(cfg.nr_apexes, 0);
}

static void test_structure_errors(void **state)
{
	(void)state;
	bad("{}", -EINVAL, "task: missing (it is required)");
	bad("{\"task\": {\"type\": \"executable\"}}", -EINVAL, "task.command: missing");
	bad("{\"task\": {\"command\": \"/x\"}, \"taks\": 1}", -EINVAL, "taks: unknown key");
	bad("{\"task\": {\"command\": \"/x\", \"args\": []}}", -EINVAL, "task.args: unknown key");
	bad("{\"task\": {\"command\": \"/x\"}, \"task\": {\"command\": \"/y\"}}", -EINVAL,
	    "task: given twice");
	bad("{\"task\": []}", -EINVAL, "task: want an object, not an array");
	bad("{\"task\": {\"command\": \"/x\", \"type\": 3}}", -EINVAL,
	    "task.type: want a string, not a number");
	bad("{\"task\": {\"command\": \"/x\", \"type\": \"script\"}}", -EINVAL,
	    "'script' is not a task type");
	bad("{\"task\": {\"command\": \"/x\"}, \"hugepages\": 1}", -EINVAL,
	    "hugepages: want true or false, not a number");
	bad("{\"task\": {\"command\": \"/x\"}, \"export_tombstones\": null}", -EINVAL,
	    "export_tombstones: want true or false, not null");
	bad("{\"task\": {\"command\": \"/x\"}, \"apexes\": {}}", -EINVAL,
	    "apexes: want an array, not an object");
	bad("{\"task\": {\"command\": \"/x\"}, \"apexes\": [\"a\"]}", -EINVAL,
	    "apexes[0]: want an object, not a string");
	bad("{\"task\": {\"command\": \"/x\"}, \"apexes\": [{\"name\": \"a\"}, {}]}", -EINVAL,
	    "apexes[1].name: missing");
	bad("{\"task\": {\"command\": \"/x\"}, \"extra_apks\": [{\"path\": \"p\", \"x\": 1}]}",
	    -EINVAL, "extra_apks[0].x: unknown key");
	bad("{\"task\": {\"command\": \"/x\"}, \"os\": {\"name\": \"android\"}}", -EINVAL,
	    "os.name: 'android' is not supported");
	bad("{\"task\": {\"command\": \"/x\"}, \"os\": {}}", -EINVAL, "os.name: missing");
}

static void test_launcher_names(void **state)
{
	(void)state;
	bad("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"lib/libx.so\"}}",
	    -EINVAL, "task.command: library 'lib/libx.so' must be a file name");
	bad("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"../libx.so\"}}", -EINVAL,
	    "without '/'");
	bad("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"..\"}}", -EINVAL,
	    "'..' is not a file name");
	bad("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \".\"}}", -EINVAL,
	    "is not a file name");
	bad("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"\"}}", -EINVAL,
	    "task.command: must not be empty");
	bad("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"a\\tb.so\"}}", -EINVAL,
	    "control character");
}

static void test_long_names(void **state)
{
	char json[6000], name[PAYLOAD_PATH_MAX + 2];

	(void)state;
	memset(name, 'a', 256);
	name[256] = '\0';
	snprintf(json, sizeof(json),
		 "{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"%s\"}}", name);
	bad(json, -EINVAL, "too long");
	name[255] = '\0';
	snprintf(json, sizeof(json),
		 "{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"%s\"}}", name);
	assert_int_equal(parse(json), 0);

	memset(name, 'a', sizeof(name) - 1);
	name[0] = '/';
	name[PAYLOAD_PATH_MAX + 1] = '\0';
	snprintf(json, sizeof(json), "{\"task\": {\"command\": \"%s\"}}", name);
	bad(json, -EINVAL, "too long");
	name[PAYLOAD_PATH_MAX] = '\0';
	snprintf(json, sizeof(json), "{\"task\": {\"command\": \"%s\"}}", name);
	assert_int_equal(parse(json), 0);
}

static void test_executable_paths(void **state)
{
	(void)state;
	bad("{\"task\": {\"command\": \"bin/sh\"}}", -EINVAL, "must be an absolute path");
	bad("{\"task\": {\"command\": \"/bin//sh\"}}", -EINVAL, "'.' or '..' component");
	bad("{\"task\": {\"command\": \"/bin/../sh\"}}", -EINVAL, "'.' or '..' component");
	bad("{\"task\": {\"command\": \"/bin/./sh\"}}", -EINVAL, "'.' or '..' component");
	bad("{\"task\": {\"command\": \"/bin/\"}}", -EINVAL, "'.' or '..' component");
	bad("{\"task\": {\"command\": \"/\"}}", -EINVAL, "'.' or '..' component");
	assert_int_equal(parse("{\"task\": {\"command\": \"/bin/.hidden/..x\"}}"), 0);
}

static void test_json_errors(void **state)
{
	static const char nul[] = "{\"task\": {\"command\": \"/x\0y\"}}";
	char *big;

	(void)state;
	bad("", -EINVAL, "invalid JSON at line 1, column 1");
	bad("{\"task\": {\"command\": \"/x\"},\n  oops}", -EINVAL, "invalid JSON at line 2");
	bad("{\"task\": {\"command\": \"/x\"}} {}", -EINVAL, "text after the JSON object");
	assert_int_equal(parse("  {\"task\": {\"command\": \"/x\"}}\n\t "), 0);
	bad("[1]", -EINVAL, "want a JSON object, not an array");
	bad("\"task\"", -EINVAL, "want a JSON object, not a string");
	bad("{\"task\": {\"command\": \"/x\\u0000y\"}}", -EINVAL, "\\u0000 in a string");
	/* An escaped backslash followed by "u0000" is text, not a NUL. */
	assert_int_equal(parse("{\"task\": {\"command\": \"/x\\\\u0000\"}}"), 0);
	bad("{\"task\": {\"command\": \"/\xff\"}}", -EINVAL, "not valid UTF-8 at byte 23");
	bad("{\"task\": {\"command\": \"/\xc0\xaf\"}}", -EINVAL, "not valid UTF-8");
	bad("{\"task\": {\"command\": \"/\xed\xa0\x80\"}}", -EINVAL, "not valid UTF-8");
	assert_int_equal(parse("{\"task\": {\"command\": \"/caf\xc3\xa9\"}}"), 0);

	memset(&err, 0, sizeof(err));
	assert_int_equal(vm_config_parse(nul, sizeof(nul) - 1, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NUL byte"));

	big = malloc(VM_CONFIG_MAX_SIZE + 2);
	assert_non_null(big);
	memset(big, ' ', VM_CONFIG_MAX_SIZE + 1);
	big[VM_CONFIG_MAX_SIZE + 1] = '\0';
	bad(big, -EFBIG, "too large");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_launcher),	     cmocka_unit_test(test_executable),
	    cmocka_unit_test(test_all_keys),	     cmocka_unit_test(test_structure_errors),
	    cmocka_unit_test(test_launcher_names),   cmocka_unit_test(test_long_names),
	    cmocka_unit_test(test_executable_paths), cmocka_unit_test(test_json_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
