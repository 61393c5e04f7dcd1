/*
 * console.c - virtio-console (virtio 1.x, 5.3) with multiport: parsing
 * --console-port, checking the ports, opening their output files, the
 * configuration space (max_nr_ports, emergency write), activation, reset
 * and which queue does what.  See console_device.h for the layout of the
 * code, devices.h for the interface.
 *
 * Output files are opened without truncating them, so that a VM that
 * fails to start leaves existing files as they were; ops->start truncates
 * them, and destroy removes the files it created if start never ran.
 *
 * Only one port reads the terminal: the lowest-numbered port whose backend
 * is "-".  The other "-" ports only write to it.
 */
#include "console_device.h"

#include "../../sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIT64(n) (1ULL << (n))

/*
 * Highest port number whose queues still fit in VIRTIO_MAX_QUEUES: ports 0
 * to N need 2 * (N + 2) queues (the control queues included).
 */
#define CONSOLE_PORT_LIMIT (VIRTIO_MAX_QUEUES / 2 - 2)

static struct virtio_console *console_of(struct virtio_device *d)
{
	return (struct virtio_console *)((char *)d - offsetof(struct virtio_console, dev));
}

/* A port name: 1 to CONSOLE_NAME_MAX of [A-Za-z0-9._-]. */
static bool console_name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > CONSOLE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Parse a decimal port number below VIRTIO_CONSOLE_MAX_PORTS. */
static bool console_parse_nr(const char *s, unsigned int *nr)
{
	unsigned int v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v >= VIRTIO_CONSOLE_MAX_PORTS)
			return false;
	}
	*nr = v;
	return true;
}

int virtio_console_parse_port(const char *arg, struct virtio_console_port_params *p, char *storage,
			      size_t storage_len, struct error *e)
{
	size_t len = strlen(arg);
	char *eq, *opt, *next;
	const char *name = NULL;

	if (len >= storage_len)
		return error_set(e, -ENAMETOOLONG, "console port '%s' is too long", arg);
	memcpy(storage, arg, len + 1);
	eq = strchr(storage, '=');
	if (!eq)
		return error_set(e, -EINVAL, "console port '%s': expected N=FILE or N=-", arg);
	*eq = '\0';
	if (!console_parse_nr(storage, &p->nr))
		return error_set(e, -EINVAL,
				 "console port '%s': bad port number '%s': expected 0 to %u", arg,
				 storage, VIRTIO_CONSOLE_MAX_PORTS - 1);
	opt = strchr(eq + 1, ',');
	if (opt)
		*opt++ = '\0';
	if (!eq[1])
		return error_set(e, -EINVAL, "console port '%s': no file (or '-') after '='", arg);
	for (; opt; opt = next) {
		next = strchr(opt, ',');
		if (next)
			*next++ = '\0';
		if (strncmp(opt, "name=", 5) != 0)
			return error_set(e, -EINVAL,
					 "console port '%s': unknown option '%s' (only name=NAME)",
					 arg, opt);
		if (name)
			return error_set(e, -EINVAL, "console port '%s': name given twice", arg);
		name = opt + 5;
		if (!console_name_ok(name))
			return error_set(e, -EINVAL,
					 "console port '%s': bad name '%s': 1 to %u characters of "
					 "A-Z a-z 0-9 . _ -",
					 arg, name, CONSOLE_NAME_MAX);
	}
	p->path = strcmp(eq + 1, "-") ? eq + 1 : NULL;
	p->name = name;
	return 0;
}

/* Check the ports of @p; on success *max is the highest port number + 1. */
static int console_check_params(const struct virtio_console_params *p, uint32_t *max,
				struct error *e)
{
	const struct virtio_console_port_params *seen[VIRTIO_CONSOLE_MAX_PORTS] = {0};
	unsigned int i, k, highest = 0;

	if (p->nr_ports == 0)
		return error_set(e, -EINVAL, "virtio-console: no ports");
	if (p->nr_ports > VIRTIO_CONSOLE_MAX_PORTS)
		return error_set(e, -EINVAL, "virtio-console: %u ports, at most %u", p->nr_ports,
				 VIRTIO_CONSOLE_MAX_PORTS);
	for (i = 0; i < p->nr_ports; i++) {
		const struct virtio_console_port_params *pp = &p->port[i];

		if (pp->nr >= VIRTIO_CONSOLE_MAX_PORTS)
			return error_set(e, -EINVAL,
					 "virtio-console: port %u: port numbers go from 0 to %u",
					 pp->nr, VIRTIO_CONSOLE_MAX_PORTS - 1);
		if (seen[pp->nr])
			return error_set(e, -EINVAL, "virtio-console: port %u is given twice",
					 pp->nr);
		seen[pp->nr] = pp;
		if (pp->name && !console_name_ok(pp->name))
			return error_set(e, -EINVAL,
					 "virtio-console: port %u: bad name '%s': 1 to %u "
					 "characters of A-Z a-z 0-9 . _ -",
					 pp->nr, pp->name, CONSOLE_NAME_MAX);
		if (!pp->path && p->term_out_fd < 0)
			return error_set(e, -EINVAL,
					 "virtio-console: port %u is the terminal, but there is no "
					 "terminal output",
					 pp->nr);
		for (k = 0; k < i; k++) {
			const struct virtio_console_port_params *o = &p->port[k];

			if (pp->name && o->name && !strcmp(pp->name, o->name))
				return error_set(e, -EINVAL,
						 "virtio-console: ports %u and %u have the same "
						 "name '%s'",
						 o->nr, pp->nr, pp->name);
			if (pp->path && o->path && !strcmp(pp->path, o->path))
				return error_set(e, -EINVAL,
						 "virtio-console: ports %u and %u write to '%s'",
						 o->nr, pp->nr, pp->path);
		}
		if (pp->nr > highest)
			highest = pp->nr;
	}
	if (!seen[0])
		return error_set(e, -EINVAL, "virtio-console: there is no port 0 (the console)");
	if (highest > CONSOLE_PORT_LIMIT)
		return error_set(e, -EINVAL,
				 "virtio-console: port %u needs %u virtqueues, but a virtio device "
				 "has at most %u here: use port numbers up to %u",
				 highest, 2 * (highest + 2), VIRTIO_MAX_QUEUES, CONSOLE_PORT_LIMIT);
	*max = highest + 1;
	return 0;
}

/*
 * Open port @nr's output file for writing, creating it if needed but
 * never truncating it (ops->start does that).
 */
static int console_open_output(struct console_port *port, unsigned int nr, struct error *e)
{
	int tries, fd = -1;

	for (tries = 0; tries < 3 && fd < 0; tries++) {
		fd = open(port->path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0644);
		if (fd >= 0) {
			port->created = true;
			break;
		}
		if (errno != EEXIST)
			break;
		/* It exists: open it as it is.  If it vanished meanwhile, try again. */
		fd = open(port->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT)
			break;
	}
	if (fd < 0)
		return error_set(e, -errno, "virtio-console: port %u: cannot open '%s': %s", nr,
				 port->path, strerror(errno));
	port->out_fd = fd;
	port->owns_fd = true;
	return 0;
}

/* Refuse two ports writing to one file under different names. */
static int console_check_files(struct virtio_console *con, struct error *e)
{
	struct stat st[VIRTIO_CONSOLE_MAX_PORTS];
	unsigned int i, k;

	for (i = 0; i < con->max_nr_ports; i++) {
		if (!con->port[i].owns_fd)
			continue;
		if (fstat(con->port[i].out_fd, &st[i]) < 0)
			return error_set(e, -errno, "virtio-console: port %u: '%s': %s", i,
					 con->port[i].path, strerror(errno));
		for (k = 0; k < i && S_ISREG(st[i].st_mode); k++)
			if (con->port[k].owns_fd && st[k].st_dev == st[i].st_dev &&
			    st[k].st_ino == st[i].st_ino)
				return error_set(e, -EINVAL,
						 "virtio-console: ports %u and %u write to one file: "
						 "'%s' is '%s'",
						 k, i, con->port[k].path, con->port[i].path);
	}
	return 0;
}

/*
 * Choose the port that reads the terminal, and find out whether epoll
 * works on the terminal's input (not on regular files: those are read
 * whenever the guest has buffers).
 */
static int console_setup_input(struct virtio_console *con, struct error *e)
{
	unsigned int i;
	int err;

	con->input_port = -1;
	if (con->term_in_fd < 0)
		return 0;
	for (i = 0; i < con->max_nr_ports && con->input_port < 0; i++)
		if (con->port[i].configured && !con->port[i].path)
			con->input_port = (int)i;
	if (con->input_port < 0)
		return 0;
	err = virtio_watch(&con->dev, con->term_in_fd, EPOLLIN, NULL, NULL);
	if (err == -EPERM) {
		con->input_pollable = false;
		return 0;
	}
	if (err)
		return error_set(e, err, "virtio-console: cannot watch the terminal input: %s",
				 strerror(-err));
	virtio_unwatch(&con->dev, con->term_in_fd);
	con->input_pollable = true;
	return 0;
}

/* Remove the file port @p created, if its path still names that file. */
static void console_remove_created(const struct console_port *p)
{
	struct stat a, b;

	if (fstat(p->out_fd, &a) == 0 && stat(p->path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		unlink(p->path);
}

static void console_free(struct virtio_console *con)
{
	unsigned int i;

	virtio_device_destroy(&con->dev);
	for (i = 0; i < VIRTIO_CONSOLE_MAX_PORTS; i++) {
		struct console_port *p = &con->port[i];

		if (p->owns_fd) {
			if (p->created && !con->started)
				console_remove_created(p);
			close(p->out_fd);
		}
		free(p->path);
		free(p->name);
		free(p->tx);
	}
	free(con);
}

bool console_queue_live(const struct virtio_console *con, unsigned int q)
{
	const struct virtio_device *d = &con->dev;

	return q < d->ops->nr_queues && d->active && !d->failed && d->qreg[q].ready;
}

static void console_config_read(struct virtio_device *d, uint32_t off, uint8_t *data,
				unsigned int size)
{
	struct virtio_console *con = console_of(d);
	uint8_t cfg[CONSOLE_CFG_LEN] = {0}; /* cols, rows: 0 (no F_SIZE); emerg_wr reads 0 */
	uint32_t max = con->max_nr_ports;
	unsigned int k;

	for (k = 0; k < 4; k++)
		cfg[CONSOLE_CFG_MAX_NR_PORTS + k] = (uint8_t)(max >> (8 * k));
	memcpy(data, cfg + off, size);
}

static void console_config_write(struct virtio_device *d, uint32_t off, const uint8_t *data,
				 unsigned int size)
{
	/* emerg_wr: the driver writes a character to it (little-endian, so data[0]). */
	if (off == CONSOLE_CFG_EMERG_WR && size >= 1)
		console_emergency_write(console_of(d), data[0]);
}

static int console_activate(struct virtio_device *d)
{
	struct virtio_console *con = console_of(d);
	unsigned int i;

	con->multiport = virtio_has_feature(d, VIRTIO_CONSOLE_F_MULTIPORT);
	/* Without multiport, port 0 is simply there; with it, the driver opens ports. */
	for (i = 0; i < VIRTIO_CONSOLE_MAX_PORTS; i++)
		con->port[i].guest_open = !con->multiport && i == 0;
	console_update_watches(con);
	return 0;
}

/* vCPU thread (a Status write of 0), lock held: no system calls here. */
static void console_reset(struct virtio_device *d)
{
	struct virtio_console *con = console_of(d);
	unsigned int i;

	for (i = 0; i < VIRTIO_CONSOLE_MAX_PORTS; i++) {
		struct console_port *p = &con->port[i];

		p->guest_open = false;
		p->tx_busy = false;
		p->tx_blocked = false;
		p->tx_done = 0;
	}
	con->multiport = false;
	con->in_off = con->in_len = 0;
	con->esc = (struct console_escape){0};
	console_ctrl_reset(con);
	/* Watches left behind are dropped by the worker when they next fire. */
}

static void console_queue_notify(struct virtio_device *d, unsigned int q)
{
	struct virtio_console *con = console_of(d);
	unsigned int nr = q < 2 ? 0 : q / 2 - 1;

	if (q == CONSOLE_QUEUE_CTRL_RX || q == CONSOLE_QUEUE_CTRL_TX) {
		if (!con->multiport)
			return;
		if (q == CONSOLE_QUEUE_CTRL_TX)
			console_ctrl_tx(con);
		console_ctrl_rx(con);
		console_input_pump(con, !con->input_pollable);
	} else if (q >= 4 && !con->multiport) {
		return;
	} else if (q == console_rx_queue(nr)) {
		if ((int)nr == con->input_port)
			console_input_pump(con, !con->input_pollable);
	} else {
		console_port_tx(con, nr);
	}
	console_update_watches(con);
}

/* The VM really starts: the output files become the VM's, truncated. */
static int console_start(struct virtio_device *d)
{
	struct virtio_console *con = console_of(d);
	unsigned int i;
	struct stat st;

	for (i = 0; i < VIRTIO_CONSOLE_MAX_PORTS; i++) {
		const struct console_port *p = &con->port[i];

		if (!p->owns_fd)
			continue;
		if (fstat(p->out_fd, &st) < 0)
			return -errno;
		if (S_ISREG(st.st_mode) && ftruncate(p->out_fd, 0) < 0)
			return -errno;
	}
	con->started = true;
	return 0;
}

/* Copy port @pp into @con; open its file. */
static int console_add_port(struct virtio_console *con, const struct virtio_console_port_params *pp,
			    struct error *e)
{
	struct console_port *port = &con->port[pp->nr];

	port->configured = true;
	port->out_fd = con->term_out_fd;
	port->tx = malloc(sizeof(*port->tx));
	if (!port->tx || (pp->path && !(port->path = strdup(pp->path))) ||
	    (pp->name && !(port->name = strdup(pp->name))))
		return error_set(e, -ENOMEM, "virtio-console: out of memory");
	if (port->path)
		return console_open_output(port, pp->nr, e);
	return 0;
}

int virtio_console_create(struct virtio_device **out, const struct guest_mem *mem,
			  struct virtio_irq irq, const struct virtio_console_params *p,
			  struct error *e)
{
	struct virtio_console *con;
	uint32_t max = 0;
	unsigned int i;
	int err;

	err = console_check_params(p, &max, e);
	if (err)
		return err;
	con = calloc(1, sizeof(*con));
	if (!con)
		return error_set(e, -ENOMEM, "virtio-console: out of memory");
	con->ops = (struct virtio_device_ops){
		.name = "virtio-console",
		.device_id = VIRTIO_ID_CONSOLE,
		.features = BIT64(VIRTIO_CONSOLE_F_MULTIPORT) | BIT64(VIRTIO_CONSOLE_F_EMERG_WRITE),
		.nr_queues = 2 * (max + 1),
		.queue_max = 128,
		.config_len = CONSOLE_CFG_LEN,
		.sandbox = SANDBOX_DEVICE_BASIC,
		.config_read = console_config_read,
		.config_write = console_config_write,
		.activate = console_activate,
		.reset = console_reset,
		.queue_notify = console_queue_notify,
		.start = console_start,
	};
	con->max_nr_ports = max;
	con->term_in_fd = p->term_in_fd;
	con->term_out_fd = p->term_out_fd;
	con->escape = p->escape;
	con->exit = p->exit;
	for (i = 0; i < VIRTIO_CONSOLE_MAX_PORTS; i++)
		con->port[i].out_fd = -1;
	err = virtio_device_init(&con->dev, &con->ops, con, mem, irq);
	if (err) {
		console_free(con);
		return error_set(e, err, "virtio-console: %s", strerror(-err));
	}
	for (i = 0; i < p->nr_ports && !err; i++)
		err = console_add_port(con, &p->port[i], e);
	if (!err)
		err = console_check_files(con, e);
	if (!err)
		err = console_setup_input(con, e);
	if (err) {
		console_free(con);
		return err;
	}
	*out = &con->dev;
	return 0;
}

void virtio_console_destroy(struct virtio_device *d)
{
	if (d)
		console_free(console_of(d));
}
