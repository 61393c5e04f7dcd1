/*
 * console_device.h - the state of the virtio-console device model (virtio
 * 1.x, 5.3), shared by its three files:
 *   console.c          parsing --console-port, creation, configuration
 *                      space, activation, reset and queue dispatch;
 *   console_control.c  the multiport control protocol (control queues);
 *   console_io.c       port output to files and the terminal, terminal
 *                      input to the guest, and the descriptors the worker
 *                      watches for both.
 * Other code uses the device through devices.h only.
 *
 * Queues (5.3.2): 0 and 1 are port 0's receiveq and transmitq, 2 and 3
 * the control receiveq and transmitq, then 4 and 5 for port 1, 6 and 7 for
 * port 2, and so on up to max_nr_ports - 1.
 */
#ifndef MVM_VIRTIO_CONSOLE_DEVICE_H
#define MVM_VIRTIO_CONSOLE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../console.h"
#include "devices.h"

/* Feature bits (5.3.3). */
#define VIRTIO_CONSOLE_F_SIZE 0
#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

/* Configuration space (5.3.4): le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr. */
#define CONSOLE_CFG_MAX_NR_PORTS 4
#define CONSOLE_CFG_EMERG_WR 8
#define CONSOLE_CFG_LEN 12

/* The control queues. */
#define CONSOLE_QUEUE_CTRL_RX 2
#define CONSOLE_QUEUE_CTRL_TX 3

/* Control message events (5.3.6.2). */
enum console_ctrl_event {
	CONSOLE_DEVICE_READY = 0,
	CONSOLE_PORT_ADD = 1,
	CONSOLE_PORT_REMOVE = 2,
	CONSOLE_PORT_READY = 3,
	CONSOLE_CONSOLE_PORT = 4,
	CONSOLE_RESIZE = 5,
	CONSOLE_PORT_OPEN = 6,
	CONSOLE_PORT_NAME = 7,
};

/* A control message: le32 id, le16 event, le16 value, then (PORT_NAME) the name. */
#define CONSOLE_CTRL_HDR_LEN 8
#define CONSOLE_NAME_MAX 63

/* Control messages waiting for control receiveq buffers, at most. */
#define CONSOLE_CTRL_PENDING_MAX 128

/* Terminal input read at once (one byte short of the buffer: see console_io.c). */
#define CONSOLE_INPUT_BUF 4096

/* Descriptors watched at once: the terminal's input and each port's output. */
#define CONSOLE_MAX_WATCHES (VIRTIO_CONSOLE_MAX_PORTS + 1)

struct console_port {
	bool configured;
	char *path;       /* output file (our copy), NULL: the terminal */
	char *name;       /* our copy, NULL: no name */
	int out_fd;       /* where output goes: a file we opened, or term_out_fd */
	bool owns_fd;     /* out_fd is a file we opened */
	bool created;     /* we created that file: remove it if the VM never starts */
	bool out_failed;  /* writing failed: output is dropped from now on */
	bool guest_open;  /* the guest has the port open */
	bool tx_busy;     /* tx holds a chain that is partly written */
	bool tx_blocked;  /* out_fd is full (EAGAIN): wait until it is writable */
	uint64_t tx_done; /* bytes of tx written so far */
	struct virtq_chain *tx;
};

/* A control message for the driver, waiting for a control receiveq buffer. */
struct console_ctrl_msg {
	uint32_t id;
	uint16_t event, value;
	const char *name; /* PORT_NAME: the port's name */
};

/* A descriptor the worker watches for the device, and for what. */
struct console_watch {
	int fd;
	uint32_t events;
};

struct virtio_console {
	struct virtio_device dev;
	struct virtio_device_ops ops; /* per device: nr_queues follows max_nr_ports */
	struct console_port port[VIRTIO_CONSOLE_MAX_PORTS];
	uint32_t max_nr_ports; /* highest configured port number + 1 */
	bool multiport;        /* VIRTIO_CONSOLE_F_MULTIPORT negotiated */
	bool started;          /* ops->start ran: the output files are the VM's */

	/* The terminal. */
	int term_in_fd, term_out_fd;
	int input_port;      /* the port that reads term_in_fd, -1: none */
	bool input_pollable; /* epoll works on term_in_fd (not a regular file) */
	bool input_ended;    /* end of file or a read error: no more input */
	bool escape;
	struct console_escape esc;
	struct vm_exit_notifier exit;
	uint8_t in_buf[CONSOLE_INPUT_BUF]; /* read, not yet given to the guest */
	size_t in_off, in_len;

	/* Control messages not yet delivered: a ring. */
	struct console_ctrl_msg ctrl[CONSOLE_CTRL_PENDING_MAX];
	unsigned int ctrl_head, ctrl_count;
	bool ctrl_overflow_logged;

	struct console_watch watch[CONSOLE_MAX_WATCHES];
	unsigned int nr_watches;

	struct virtq_chain chain; /* scratch: control and input chains, pushed at once */
};

/* Queue numbers of port @nr's receiveq; its transmitq follows it. */
static inline unsigned int console_rx_queue(unsigned int nr)
{
	return nr == 0 ? 0 : 2 * nr + 2;
}

/* True if queue @q of the device is set up and the device is working. */
bool console_queue_live(const struct virtio_console *con, unsigned int q);

/*
 * Control protocol (console_control.c), worker thread, lock held.
 * console_ctrl_tx() handles the driver's messages; console_ctrl_rx()
 * delivers queued messages into control receiveq buffers;
 * console_ctrl_reset() drops the queued ones (device reset: any thread, no
 * system calls).
 */
void console_ctrl_tx(struct virtio_console *con);
void console_ctrl_rx(struct virtio_console *con);
void console_ctrl_reset(struct virtio_console *con);

/*
 * Output and input (console_io.c), worker thread, lock held unless said.
 * console_port_tx() writes port @nr's transmitq to its backend (or
 * discards it), until the queue is empty or the backend is full.
 * console_input_pump() moves terminal input into the input port's
 * receiveq: pending bytes first, then, if @readable, what it reads (one
 * read for a terminal or pipe, as long as buffers last for a file).
 * console_update_watches() makes the worker's watches match what the
 * device waits for.
 */
void console_port_tx(struct virtio_console *con, unsigned int nr);
void console_input_pump(struct virtio_console *con, bool readable);
void console_update_watches(struct virtio_console *con);

/* An emergency write (config space, vCPU thread, lock held): byte @c to port 0's output. */
void console_emergency_write(struct virtio_console *con, uint8_t c);

#endif
