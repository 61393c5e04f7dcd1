/*
 * i8042.h - the keyboard controller, for its reset line.
 *
 * No keyboard or mouse is attached.  The controller answers the
 * status/command port and the data port well enough for a driver to see
 * an idle controller with nothing attached, keeps its command byte, and
 * implements the two ways a guest pulses the CPU reset line:
 *   - command 0xFE (pulse output-port bit 0 low), which Linux's
 *     "reboot=k" path and emergency restart use;
 *   - command 0xD1 (write output port) followed by a data byte with
 *     bit 0 clear.
 * Either one asks the VM to end with MVM_EXIT_RESET.
 */
#ifndef MVM_DEVICES_I8042_H
#define MVM_DEVICES_I8042_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../exitcode.h"
#include "../iobus.h"

struct i8042 {
	pthread_mutex_t lock;
	uint8_t status;
	uint8_t cmd_byte;
	uint8_t out_buf;       /* valid while status has OBF */
	uint8_t pending_cmd;   /* command waiting for its data byte, or 0 */
	uint8_t output_port;
	struct vm_exit_notifier exit;
};

/*
 * Port-I/O callbacks: register i8042_data_ops at port 0x60 and
 * i8042_cmd_ops (status on read, command on write) at 0x64, one byte
 * each, both with the device as the opaque pointer.
 */
extern const struct iobus_ops i8042_data_ops;
extern const struct iobus_ops i8042_cmd_ops;

void i8042_init(struct i8042 *k, struct vm_exit_notifier exit);
void i8042_destroy(struct i8042 *k);

#endif
