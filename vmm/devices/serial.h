/*
 * serial.h - a 16550A UART (the guest's ttyS0 on COM1).
 *
 * The model covers what Linux's 8250 driver uses: the divisor latch, the
 * 16-byte-deep-enough receive FIFO (64 bytes here), FIFO control and
 * identification (so the driver detects a 16550A), the interrupt enable,
 * identification and priority logic, line and modem status, loopback
 * mode and the scratch register.  Transmission is instantaneous: a byte
 * written to THR goes straight to the output fd and THR is empty again.
 *
 * The interrupt line is level-computed from the register state and
 * reported through the @set_irq callback whenever it changes; with the
 * edge-triggered ISA IRQ this gives the guest one interrupt per rising
 * edge, as on real hardware.
 *
 * Thread safety: all entry points take the device lock; @set_irq and the
 * output write are called with it held.
 */
#ifndef MVM_DEVICES_SERIAL_H
#define MVM_DEVICES_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../iobus.h"

#define SERIAL_RX_FIFO 64
#define SERIAL_NR_REGS 8

struct serial {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint8_t dll, dlm;
	bool thr_irq;  /* THR-empty interrupt pending (cleared by IIR read/THR write) */
	uint8_t rx[SERIAL_RX_FIFO];
	unsigned int rx_head, rx_count;
	bool irq_level;
	int out_fd; /* -1: output discarded */
	void (*set_irq)(void *opaque, bool level);
	void *irq_opaque;
};

/* Port-I/O callbacks for an 8-port range at the UART's base. */
extern const struct iobus_ops serial_ops;

/* Reset @s to power-on state.  Guest output goes to @out_fd. */
void serial_init(struct serial *s, int out_fd, void (*set_irq)(void *opaque, bool level),
		 void *irq_opaque);

void serial_destroy(struct serial *s);

/*
 * Queue host input for the guest.  Returns how many bytes of @buf were
 * taken (fewer than @len when the FIFO is full).
 */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

/* Free space in the receive FIFO. */
size_t serial_rx_space(struct serial *s);

/*
 * One line on @out with the registers and interrupt state (for SIGQUIT):
 * enough to tell a guest waiting for a THR-empty interrupt that the line
 * is up (delivered or lost on the way) from one whose driver never asked.
 */
void serial_dump(struct serial *s, const char *name, FILE *out);

#endif
