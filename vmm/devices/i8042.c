/* i8042.c - keyboard controller model (reset line); see i8042.h. */
#include "i8042.h"

#include <string.h>

#define STATUS_OBF 0x01 /* output buffer full: data for the guest at 0x60 */
#define STATUS_SYS 0x04 /* system flag: self-test passed */
#define STATUS_CMD 0x08 /* last write was to the command port */

#define CMD_READ_CMD_BYTE 0x20
#define CMD_WRITE_CMD_BYTE 0x60
#define CMD_DISABLE_AUX 0xa7
#define CMD_ENABLE_AUX 0xa8
#define CMD_TEST_AUX 0xa9
#define CMD_SELF_TEST 0xaa
#define CMD_TEST_KBD 0xab
#define CMD_DISABLE_KBD 0xad
#define CMD_ENABLE_KBD 0xae
#define CMD_READ_OUTPUT_PORT 0xd0
#define CMD_WRITE_OUTPUT_PORT 0xd1
#define CMD_PULSE_RESET 0xfe

#define OUTPUT_PORT_RESET 0x01 /* bit 0: CPU reset line, active low */

static void i8042_put(struct i8042 *k, uint8_t v)
{
	k->out_buf = v;
	k->status |= STATUS_OBF;
}

static void i8042_reset_cpu(struct i8042 *k)
{
	if (k->exit.request_exit)
		k->exit.request_exit(k->exit.opaque, MVM_EXIT_RESET, "guest reset (i8042 reset line)");
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	k->status |= STATUS_CMD;
	switch (cmd) {
	case CMD_READ_CMD_BYTE:
		i8042_put(k, k->cmd_byte);
		break;
	case CMD_WRITE_CMD_BYTE:
	case CMD_WRITE_OUTPUT_PORT:
		k->pending_cmd = cmd;
		break;
	case CMD_SELF_TEST:
		i8042_put(k, 0x55);
		break;
	case CMD_TEST_KBD:
	case CMD_TEST_AUX:
		i8042_put(k, 0x00);
		break;
	case CMD_READ_OUTPUT_PORT:
		i8042_put(k, k->output_port);
		break;
	case CMD_PULSE_RESET:
		i8042_reset_cpu(k);
		break;
	default: /* enable/disable ports and the rest: accepted, no effect */
		if ((cmd & 0xf0) == 0xf0 && !(cmd & OUTPUT_PORT_RESET))
			i8042_reset_cpu(k); /* 0xF0-0xFF pulse bits whose mask is 0 */
		break;
	}
}

static void i8042_data_write(struct i8042 *k, uint8_t v)
{
	k->status &= ~STATUS_CMD;
	switch (k->pending_cmd) {
	case CMD_WRITE_CMD_BYTE:
		k->cmd_byte = v;
		break;
	case CMD_WRITE_OUTPUT_PORT:
		k->output_port = v;
		if (!(v & OUTPUT_PORT_RESET))
			i8042_reset_cpu(k);
		break;
	default:
		/* A byte for the (absent) keyboard: answer "no device" timeout-free. */
		break;
	}
	k->pending_cmd = 0;
}

static void i8042_data_read(void *opaque, uint64_t off, uint8_t *data, unsigned int size)
{
	struct i8042 *k = opaque;

	(void)off;
	memset(data, 0, size);
	pthread_mutex_lock(&k->lock);
	data[0] = k->out_buf;
	k->status &= ~STATUS_OBF;
	pthread_mutex_unlock(&k->lock);
}

static void i8042_data_io_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int size)
{
	struct i8042 *k = opaque;

	(void)off;
	(void)size;
	pthread_mutex_lock(&k->lock);
	i8042_data_write(k, data[0]);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_status_read(void *opaque, uint64_t off, uint8_t *data, unsigned int size)
{
	struct i8042 *k = opaque;

	(void)off;
	memset(data, 0, size);
	pthread_mutex_lock(&k->lock);
	data[0] = k->status;
	pthread_mutex_unlock(&k->lock);
}

static void i8042_cmd_io_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int size)
{
	struct i8042 *k = opaque;

	(void)off;
	(void)size;
	pthread_mutex_lock(&k->lock);
	i8042_command(k, data[0]);
	pthread_mutex_unlock(&k->lock);
}

const struct iobus_ops i8042_data_ops = {
	.read = i8042_data_read,
	.write = i8042_data_io_write,
};

const struct iobus_ops i8042_cmd_ops = {
	.read = i8042_status_read,
	.write = i8042_cmd_io_write,
};

void i8042_init(struct i8042 *k, struct vm_exit_notifier exit)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->status = STATUS_SYS;
	k->cmd_byte = 0x30; /* both ports' clocks disabled: nothing attached */
	k->output_port = OUTPUT_PORT_RESET | 0x02; /* reset line high, A20 on */
	k->exit = exit;
}

void i8042_destroy(struct i8042 *k)
{
	pthread_mutex_destroy(&k->lock);
}
