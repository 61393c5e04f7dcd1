/* Unit tests for the i8042 reset line and the ACPI sleep register. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vmm/devices/acpi_pm.h"
#include "vmm/devices/i8042.h"

static int exits;
static enum mvm_exit last_code;

static void on_exit_request(void *opaque, enum mvm_exit code, const char *why)
{
	(void)opaque;
	assert_non_null(why);
	exits++;
	last_code = code;
}

static const struct vm_exit_notifier notifier = {on_exit_request, NULL};

static int reset_counts(void **state)
{
	(void)state;
	exits = 0;
	last_code = -1;
	return 0;
}

static void cmd(struct i8042 *k, uint8_t v)
{
	i8042_cmd_ops.write(k, 0, &v, 1);
}

static void data_w(struct i8042 *k, uint8_t v)
{
	i8042_data_ops.write(k, 0, &v, 1);
}

static uint8_t status(struct i8042 *k)
{
	uint8_t v;

	i8042_cmd_ops.read(k, 0, &v, 1);
	return v;
}

static uint8_t data_r(struct i8042 *k)
{
	uint8_t v;

	i8042_data_ops.read(k, 0, &v, 1);
	return v;
}

static void test_pulse_reset(void **state)
{
	struct i8042 k;

	(void)state;
	i8042_init(&k, notifier);
	assert_int_equal(status(&k) & 0x03, 0); /* idle: nothing to read, ready for input */
	cmd(&k, 0xfe);
	assert_int_equal(exits, 1);
	assert_int_equal(last_code, MVM_EXIT_RESET);
	i8042_destroy(&k);
}

static void test_output_port_reset(void **state)
{
	struct i8042 k;

	(void)state;
	i8042_init(&k, notifier);
	cmd(&k, 0xd1);
	data_w(&k, 0x03); /* reset line stays high: nothing happens */
	assert_int_equal(exits, 0);
	cmd(&k, 0xd0);
	assert_int_equal(status(&k) & 0x01, 0x01);
	assert_int_equal(data_r(&k), 0x03);
	cmd(&k, 0xd1);
	data_w(&k, 0x02); /* bit 0 low: reset */
	assert_int_equal(exits, 1);
	assert_int_equal(last_code, MVM_EXIT_RESET);
	i8042_destroy(&k);
}

static void test_command_byte_and_self_test(void **state)
{
	struct i8042 k;

	(void)state;
	i8042_init(&k, notifier);
	cmd(&k, 0x60);
	data_w(&k, 0x45);
	cmd(&k, 0x20);
	assert_int_equal(data_r(&k), 0x45);
	assert_int_equal(status(&k) & 0x01, 0);
	cmd(&k, 0xaa);
	assert_int_equal(data_r(&k), 0x55);
	cmd(&k, 0xad); /* no effect, no exit */
	data_w(&k, 0xff); /* a byte for the absent keyboard */
	assert_int_equal(exits, 0);
	i8042_destroy(&k);
}

static void test_acpi_poweroff(void **state)
{
	struct acpi_pm pm;
	uint8_t v;

	(void)state;
	acpi_pm_init(&pm, notifier);
	v = (3 << 2) | 0x20; /* SLP_EN with an S-state we do not offer */
	acpi_pm_ops.write(&pm, 0, &v, 1);
	v = 5 << 2; /* S5 type without SLP_EN */
	acpi_pm_ops.write(&pm, 0, &v, 1);
	v = (5 << 2) | 0x20;
	acpi_pm_ops.write(&pm, 1, &v, 1); /* status register: ignored */
	assert_int_equal(exits, 0);
	acpi_pm_ops.write(&pm, 0, &v, 1);
	assert_int_equal(exits, 1);
	assert_int_equal(last_code, MVM_EXIT_POWEROFF);
	v = 0xff;
	acpi_pm_ops.read(&pm, 1, &v, 1);
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pulse_reset, reset_counts),
		cmocka_unit_test_setup(test_output_port_reset, reset_counts),
		cmocka_unit_test_setup(test_command_byte_and_self_test, reset_counts),
		cmocka_unit_test_setup(test_acpi_poweroff, reset_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
