/* Unit tests for the 16550A UART model (vmm/devices/serial.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vmm/devices/serial.h"

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

struct fixture {
	struct serial s;
	int pipe[2];
	int irq_changes;
	bool irq;
};

static void set_irq(void *opaque, bool level)
{
	struct fixture *f = opaque;

	f->irq = level;
	f->irq_changes++;
}

static uint8_t rd(struct fixture *f, unsigned int reg)
{
	uint8_t v[4];

	serial_ops.read(&f->s, reg, v, 1);
	return v[0];
}

static void wr(struct fixture *f, unsigned int reg, uint8_t v)
{
	serial_ops.write(&f->s, reg, &v, 1);
}

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (pipe2(f.pipe, O_NONBLOCK) < 0)
		return -1;
	serial_init(&f.s, f.pipe[1], set_irq, &f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	serial_destroy(&f->s);
	close(f->pipe[0]);
	close(f->pipe[1]);
	return 0;
}

static void test_transmit(void **state)
{
	struct fixture *f = *state;
	char out[8] = {0};

	wr(f, THR, 'h');
	wr(f, THR, 'i');
	assert_int_equal(read(f->pipe[0], out, sizeof(out)), 2);
	assert_string_equal(out, "hi");
	/* THR is always empty again: THRE and TEMT set, no data ready. */
	assert_int_equal(rd(f, LSR) & 0x61, 0x60);
	assert_false(f->irq); /* no interrupt while IER is 0 */
}

static void test_fifo_identifies_16550a(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, IIR), 0x01); /* FIFO off, nothing pending */
	wr(f, FCR, 0x07);
	assert_int_equal(rd(f, IIR) & 0xc0, 0xc0);
	wr(f, FCR, 0x00);
	assert_int_equal(rd(f, IIR) & 0xc0, 0x00);
}

static void test_divisor_latch(void **state)
{
	struct fixture *f = *state;

	wr(f, LCR, 0x83);
	wr(f, DLL, 0x01);
	wr(f, DLM, 0x00);
	assert_int_equal(rd(f, DLL), 0x01);
	assert_int_equal(rd(f, DLM), 0x00);
	wr(f, LCR, 0x03);
	assert_int_equal(rd(f, IER), 0x00); /* DLM did not leak into IER */
	assert_int_equal(rd(f, LCR), 0x03);
	wr(f, SCR, 0x5a);
	assert_int_equal(rd(f, SCR), 0x5a);
}

static void test_thre_interrupt(void **state)
{
	struct fixture *f = *state;

	/* Enabling THRI with THR empty raises the line at once. */
	wr(f, IER, 0x02);
	assert_true(f->irq);
	assert_int_equal(rd(f, IIR) & 0x0f, 0x02);
	/* Reading IIR acknowledged it. */
	assert_false(f->irq);
	assert_int_equal(rd(f, IIR) & 0x0f, 0x01);
	/* Each transmitted byte raises it again. */
	wr(f, THR, 'x');
	assert_true(f->irq);
	wr(f, IER, 0x00);
	assert_false(f->irq);
}

static void test_receive(void **state)
{
	struct fixture *f = *state;
	uint8_t big[SERIAL_RX_FIFO + 10];

	wr(f, IER, 0x01);
	assert_false(f->irq);
	assert_int_equal(serial_receive(&f->s, (const uint8_t *)"ok", 2), 2);
	assert_true(f->irq);
	assert_int_equal(rd(f, IIR) & 0x0f, 0x04);
	assert_int_equal(rd(f, LSR) & 0x01, 0x01);
	assert_int_equal(rd(f, RBR), 'o');
	assert_int_equal(rd(f, RBR), 'k');
	assert_int_equal(rd(f, LSR) & 0x01, 0x00);
	assert_false(f->irq);

	/* The FIFO takes what fits and reports the rest as not taken. */
	memset(big, 'z', sizeof(big));
	assert_int_equal(serial_receive(&f->s, big, sizeof(big)), SERIAL_RX_FIFO);
	assert_int_equal(serial_rx_space(&f->s), 0);
	wr(f, FCR, 0x03); /* clear RX */
	assert_int_equal(serial_rx_space(&f->s), SERIAL_RX_FIFO);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;
	char out[4];

	/* Linux's probe: MCR = LOOP | OUT2 | RTS must read back MSR[7:4] = 0x9. */
	wr(f, MCR, 0x1a);
	assert_int_equal(rd(f, MSR) & 0xf0, 0x90);
	wr(f, THR, 'L');
	assert_int_equal(read(f->pipe[0], out, sizeof(out)), -1); /* not sent out */
	assert_int_equal(rd(f, RBR), 'L');
	wr(f, MCR, 0x08);
	assert_int_equal(rd(f, MSR) & 0xf0, 0xb0); /* DCD, DSR, CTS */
}

static void test_overrun_and_priority(void **state)
{
	struct fixture *f = *state;
	uint8_t b[SERIAL_RX_FIFO];

	memset(b, 'a', sizeof(b));
	wr(f, MCR, 0x18); /* loopback so THR writes overflow the FIFO */
	serial_receive(&f->s, b, sizeof(b));
	wr(f, IER, 0x07);
	wr(f, THR, 'x'); /* FIFO full: overrun */
	assert_int_equal(rd(f, IIR) & 0x0f, 0x06); /* line status outranks data */
	assert_int_equal(rd(f, LSR) & 0x02, 0x02);
	assert_int_equal(rd(f, LSR) & 0x02, 0x00); /* cleared by reading LSR */
	assert_int_equal(rd(f, IIR) & 0x0f, 0x04);
}

static void test_wide_and_out_of_range(void **state)
{
	struct fixture *f = *state;
	uint8_t v[4] = {0xff, 0xff, 0xff, 0xff};

	serial_ops.read(&f->s, 8, v, 4);
	assert_int_equal(v[0], 0);
	serial_ops.read(&f->s, LSR, v, 2);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[0] & 0x60, 0x60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_identifies_16550a, setup, teardown),
		cmocka_unit_test_setup_teardown(test_divisor_latch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrun_and_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_and_out_of_range, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
