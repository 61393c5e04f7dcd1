/* serial.c - 16550A UART model; see serial.h. */
#include "serial.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Register offsets. */
enum {
	UART_RBR_THR = 0, /* DLL when DLAB */
	UART_IER = 1,     /* DLM when DLAB */
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define IER_RDI 0x01  /* received data available */
#define IER_THRI 0x02 /* THR empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI 0x08  /* modem status */

#define IIR_NONE 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_FIFO_ENABLED 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_DELTA (MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD)

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t serial_pending(const struct serial *s)
{
	if ((s->ier & IER_RLSI) && (s->lsr & LSR_OE))
		return IIR_RLSI;
	if ((s->ier & IER_RDI) && s->rx_count)
		return IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_irq)
		return IIR_THRI;
	if ((s->ier & IER_MSI) && (s->msr & MSR_DELTA))
		return IIR_MSI;
	return IIR_NONE;
}

static void serial_update_irq(struct serial *s)
{
	bool level = serial_pending(s) != IIR_NONE;

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->set_irq)
			s->set_irq(s->irq_opaque, level);
	}
}

static void serial_rx_put(struct serial *s, uint8_t byte)
{
	if (s->rx_count == SERIAL_RX_FIFO) {
		s->lsr |= LSR_OE;
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_FIFO] = byte;
	s->rx_count++;
	s->lsr |= LSR_DR;
}

static uint8_t serial_rx_get(struct serial *s)
{
	uint8_t byte;

	if (!s->rx_count)
		return 0;
	byte = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_RX_FIFO;
	if (--s->rx_count == 0)
		s->lsr &= ~LSR_DR;
	return byte;
}

/* Modem status: in loopback the outputs of MCR feed the inputs of MSR. */
static void serial_set_modem_inputs(struct serial *s)
{
	uint8_t in;

	if (s->mcr & MCR_LOOP)
		in = ((s->mcr & MCR_RTS) ? MSR_CTS : 0) | ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
		     ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
	else
		in = MSR_DCD | MSR_DSR | MSR_CTS;
	if ((in ^ s->msr) & MSR_CTS)
		s->msr |= MSR_DCTS;
	if ((in ^ s->msr) & MSR_DSR)
		s->msr |= MSR_DDSR;
	if ((in ^ s->msr) & MSR_DCD)
		s->msr |= MSR_DDCD;
	if ((s->msr & MSR_RI) && !(in & MSR_RI))
		s->msr |= MSR_TERI;
	s->msr = (s->msr & MSR_DELTA) | in;
}

static void serial_transmit(struct serial *s, uint8_t byte)
{
	if (s->mcr & MCR_LOOP) {
		serial_rx_put(s, byte);
	} else if (s->out_fd >= 0) {
		ssize_t n;

		do
			n = write(s->out_fd, &byte, 1);
		while (n < 0 && errno == EINTR);
		/* A host output error must not stop the guest; the byte is lost. */
	}
	s->thr_irq = true;
}

static uint8_t serial_read_reg(struct serial *s, unsigned int reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		return serial_rx_get(s);
	case UART_IER:
		if (s->lcr & LCR_DLAB)
			return s->dlm;
		return s->ier;
	case UART_IIR_FCR:
		v = serial_pending(s);
		if (v == IIR_THRI)
			s->thr_irq = false; /* reading IIR acknowledges THRE */
		return v | ((s->fcr & FCR_ENABLE) ? IIR_FIFO_ENABLED : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		v = s->lsr | LSR_THRE | LSR_TEMT;
		s->lsr &= ~LSR_OE;
		return v;
	case UART_MSR:
		v = s->msr;
		s->msr &= ~MSR_DELTA;
		return v;
	default:
		return s->scr;
	}
}

static void serial_write_reg(struct serial *s, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR_THR:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			serial_transmit(s, v);
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI while THR is empty raises the interrupt at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thr_irq = true;
		s->ier = v & 0x0f;
		break;
	case UART_IIR_FCR:
		if (v & FCR_CLEAR_RX) {
			s->rx_head = s->rx_count = 0;
			s->lsr &= ~LSR_DR;
		}
		s->fcr = v & 0xc9; /* enable, DMA mode, trigger level */
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		serial_set_modem_inputs(s);
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

static void serial_io_read(void *opaque, uint64_t off, uint8_t *data, unsigned int size)
{
	struct serial *s = opaque;

	memset(data, 0, size);
	if (off >= SERIAL_NR_REGS)
		return;
	pthread_mutex_lock(&s->lock);
	data[0] = serial_read_reg(s, (unsigned int)off);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_io_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int size)
{
	struct serial *s = opaque;

	(void)size; /* wider accesses write their low byte, like an ISA bus */
	if (off >= SERIAL_NR_REGS)
		return;
	pthread_mutex_lock(&s->lock);
	serial_write_reg(s, (unsigned int)off, data[0]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

const struct iobus_ops serial_ops = {
	.read = serial_io_read,
	.write = serial_io_write,
};

void serial_init(struct serial *s, int out_fd, void (*set_irq)(void *opaque, bool level),
		 void *irq_opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = out_fd;
	s->set_irq = set_irq;
	s->irq_opaque = irq_opaque;
	s->lcr = 0x03; /* 8N1 */
	s->mcr = MCR_OUT2;
	s->dll = 0x0c; /* 9600 baud */
	serial_set_modem_inputs(s);
	s->msr &= ~MSR_DELTA;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_count < SERIAL_RX_FIFO)
		serial_rx_put(s, buf[n++]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t serial_rx_space(struct serial *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = SERIAL_RX_FIFO - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static const char *serial_pending_name(uint8_t iir)
{
	switch (iir) {
	case IIR_RLSI:
		return "LSR";
	case IIR_RDI:
		return "RX";
	case IIR_THRI:
		return "THRE";
	case IIR_MSI:
		return "MSR";
	default:
		return "none";
	}
}

void serial_dump(struct serial *s, const char *name, FILE *out)
{
	pthread_mutex_lock(&s->lock);
	fprintf(out, "mvm: %s: ier=%02x lcr=%02x mcr=%02x lsr=%02x msr=%02x fcr=%02x rx=%u "
		"thr_irq=%d pending=%s line=%s\n", name, s->ier, s->lcr, s->mcr, s->lsr, s->msr,
		s->fcr, s->rx_count, s->thr_irq, serial_pending_name(serial_pending(s)),
		s->irq_level ? "high" : "low");
	pthread_mutex_unlock(&s->lock);
}
