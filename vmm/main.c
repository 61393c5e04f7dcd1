/*
 * main.c - the mvm command line: parse flags, build the VM, run it, and
 * turn how it ended into mvm's exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/common/parse.h"
#include "console.h"
#include "exitcode.h"
#include "vm.h"
#include "x86/acpi.h"

#ifndef MVM_VERSION
#define MVM_VERSION "0.1.0"
#endif

static const char usage_text[] =
	"Usage: mvm --kernel PATH [options]\n"
	"\n"
	"Run one Linux virtual machine on KVM.\n"
	"\n"
	"Options:\n"
	"  -k, --kernel PATH     kernel to boot: an x86-64 bzImage (boot protocol 2.10+)\n"
	"                        or an ELF vmlinux with a PVH entry note\n"
	"  -i, --initrd PATH     initial ramdisk\n"
	"  -c, --cmdline STR     kernel command line (default: \"console=ttyS0\")\n"
	"  -m, --mem MiB         guest memory in MiB (default 256, at least 16)\n"
	"  -p, --cpus N          number of vCPUs (default 1, at most 254)\n"
	"      --console FILE|-  where the serial console (ttyS0) goes: '-' is this\n"
	"                        terminal, input included (default); FILE receives\n"
	"                        output only and is replaced\n"
	"      --disk PATH[,ro][,id=NAME]\n"
	"                        add a virtio-blk disk on the raw image PATH (repeatable);\n"
	"                        ro: read-only; id: its serial id in the guest (1-20 of\n"
	"                        A-Z a-z 0-9 . _ -), which /sys/block/vdX/serial shows\n"
	"      --console-port N=FILE|-[,name=NAME]\n"
	"                        add port N (0-15) of a virtio-console (repeatable):\n"
	"                        FILE receives its output (replaced when the VM starts),\n"
	"                        '-' is the console above; NAME names it in the guest\n"
	"                        (/sys/class/virtio-ports/*/name).  Port 0 is the guest's\n"
	"                        hvc0, added as '-' when not given.  The terminal's input\n"
	"                        goes to hvc0 when the kernel command line's last\n"
	"                        console= is hvc0, else to ttyS0\n"
	"      --cid N           with --vsock-uds: the guest's vsock CID (3 to 4294967294)\n"
	"      --vsock-uds PATH  add a virtio-vsock device bridged to Unix sockets: a host\n"
	"                        program connects to PATH and writes \"CONNECT <port>\\n\" to\n"
	"                        reach a guest port (answer: \"OK <host port>\\n\"); a guest\n"
	"                        connecting to CID 2, port P reaches PATH_P\n"
	"      --rng             add a virtio-rng device (entropy from the host)\n"
	"      --virtio-cmdline  announce virtio devices with virtio_mmio.device= on the\n"
	"                        kernel command line instead of in ACPI (for kernels\n"
	"                        built with CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES)\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n"
	"\n"
	"On a terminal, the console is in raw mode: Ctrl-C goes to the guest.\n"
	"Type Ctrl-A x to end the VM, Ctrl-A Ctrl-A to send Ctrl-A.\n"
	"\n"
	"Exit status:\n"
	"  0    the guest powered off\n"
	"  1    mvm failed (bad kernel or initrd, no KVM, host error)\n"
	"  2    bad command line\n"
	"  3    the guest reset itself (reboot, panic with panic=-1)\n"
	"  4    the guest triple-faulted\n"
	"  5    KVM internal error or unexpected exit (registers on stderr)\n"
	"  130  interrupted (SIGINT or Ctrl-A x);  143  terminated (SIGTERM, SIGHUP)\n"
	"\n"
	"SIGQUIT makes every vCPU print its registers, run state and pending events,\n"
	"and the virtio devices and the serial port their state, on stderr; the VM\n"
	"goes on.\n";

enum {
	OPT_CONSOLE = 256,
	OPT_RNG,
	OPT_VIRTIO_CMDLINE,
	OPT_DISK,
	OPT_CONSOLE_PORT,
	OPT_CID,
	OPT_VSOCK_UDS,
};

static const struct option long_options[] = {
	{"kernel", required_argument, NULL, 'k'},
	{"initrd", required_argument, NULL, 'i'},
	{"cmdline", required_argument, NULL, 'c'},
	{"mem", required_argument, NULL, 'm'},
	{"cpus", required_argument, NULL, 'p'},
	{"console", required_argument, NULL, OPT_CONSOLE},
	{"rng", no_argument, NULL, OPT_RNG},
	{"disk", required_argument, NULL, OPT_DISK},
	{"console-port", required_argument, NULL, OPT_CONSOLE_PORT},
	{"cid", required_argument, NULL, OPT_CID},
	{"vsock-uds", required_argument, NULL, OPT_VSOCK_UDS},
	{"virtio-cmdline", no_argument, NULL, OPT_VIRTIO_CMDLINE},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mvm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mvm --help' for more information.\n");
	return MVM_EXIT_USAGE;
}

struct console_target {
	const char *path; /* NULL: the terminal */
	int fd;
	bool created; /* the file did not exist before: remove it on failure */
};

/* Open the console file without truncating yet: nothing is lost if startup fails. */
static int console_open(struct console_target *c)
{
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (c->fd >= 0) {
		c->created = true;
		return 0;
	}
	if (errno == EEXIST)
		c->fd = open(c->path, O_WRONLY | O_CLOEXEC);
	if (c->fd < 0) {
		fprintf(stderr, "mvm: console file '%s': %s\n", c->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* What --disk and --console-port are parsed into (the parsed params point here). */
static char disk_storage[VM_MAX_VIRTIO][4096];
static char port_storage[VIRTIO_CONSOLE_MAX_PORTS][4096];

int main(int argc, char **argv)
{
	struct vm_config cfg = {
		.mem_mib = VM_DEFAULT_MEM_MIB,
		.nr_cpus = 1,
		.cmdline = "console=ttyS0",
		.console_in_fd = STDIN_FILENO,
		.console_out_fd = STDOUT_FILENO,
	};
	struct console_target con = {.fd = -1};
	struct error err = {{0}};
	struct vm vm;
	uint64_t v;
	int opt, code;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":k:i:c:m:p:hV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			cfg.kernel_path = optarg;
			break;
		case 'i':
			cfg.initrd_path = optarg;
			break;
		case 'c':
			cfg.cmdline = optarg;
			break;
		case 'm':
			if (!parse_uint(optarg, 1, UINT64_MAX >> 20, &v))
				return usage_error("--mem wants a whole number of MiB, not '%s'",
						   optarg);
			cfg.mem_mib = v;
			break;
		case 'p':
			if (!parse_uint(optarg, 1, ACPI_MAX_CPUS, &v))
				return usage_error("--cpus wants a number from 1 to 254, not '%s'",
						   optarg);
			cfg.nr_cpus = (unsigned int)v;
			break;
		case OPT_CONSOLE:
			con.path = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case OPT_RNG:
			cfg.rng = true;
			break;
		case OPT_CID:
			if (!parse_uint(optarg, 3, 0xfffffffe, &v))
				return usage_error("--cid wants a number from 3 to 4294967294, not '%s' "
						   "(0-2 are reserved: 2 is the host)", optarg);
			cfg.vsock.guest_cid = v;
			break;
		case OPT_VSOCK_UDS:
			if (!*optarg)
				return usage_error("%s", "--vsock-uds needs a path");
			cfg.vsock.uds_path = optarg;
			break;
		case OPT_CONSOLE_PORT:
			if (cfg.nr_console_ports == VIRTIO_CONSOLE_MAX_PORTS)
				return usage_error("too many --console-port options: at most %u",
						   VIRTIO_CONSOLE_MAX_PORTS);
			if (virtio_console_parse_port(optarg, &cfg.console_ports[cfg.nr_console_ports],
						      port_storage[cfg.nr_console_ports],
						      sizeof(port_storage[0]), &err) < 0)
				return usage_error("--console-port: %s", err.msg);
			cfg.nr_console_ports++;
			break;
		case OPT_DISK:
			if (cfg.nr_disks == VM_MAX_VIRTIO)
				return usage_error("too many --disk options: at most %u", VM_MAX_VIRTIO);
			if (virtio_blk_parse(optarg, &cfg.disks[cfg.nr_disks],
					     disk_storage[cfg.nr_disks], sizeof(disk_storage[0]),
					     &err) < 0)
				return usage_error("--disk: %s", err.msg);
			cfg.nr_disks++;
			break;
		case OPT_VIRTIO_CMDLINE:
			cfg.virtio_cmdline = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("mvm %s\n", MVM_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg.kernel_path)
		return usage_error("%s", "no kernel given: use --kernel PATH");
	if (cfg.vsock.uds_path && !cfg.vsock.guest_cid)
		return usage_error("%s", "--vsock-uds needs --cid N (the guest's vsock address)");
	if (cfg.vsock.guest_cid && !cfg.vsock.uds_path)
		return usage_error("%s", "--cid needs --vsock-uds PATH (where the host side listens)");

	if (con.path) {
		if (console_open(&con) < 0)
			return MVM_EXIT_ERROR;
		cfg.console_out_fd = con.fd;
		cfg.console_in_fd = -1;
	} else {
		/* Raw mode (and the Ctrl-A x escape) is for a terminal. */
		cfg.console_escape = isatty(STDIN_FILENO);
	}

	if (vm_create(&vm, &cfg, &err) < 0) {
		fprintf(stderr, "mvm: %s\n", err.msg);
		vm_destroy(&vm);
		if (con.created)
			unlink(con.path);
		return MVM_EXIT_ERROR;
	}
	if (con.path && ftruncate(con.fd, 0) < 0) {
		fprintf(stderr, "mvm: console file '%s': %s\n", con.path, strerror(errno));
		vm_destroy(&vm);
		return MVM_EXIT_ERROR;
	}
	if (!con.path && console_raw_enter(STDIN_FILENO) == 0)
		vm.console_escape = true;

	if (vm_start(&vm, &err) < 0) {
		console_raw_restore();
		fprintf(stderr, "mvm: %s\n", err.msg);
		vm_destroy(&vm);
		return MVM_EXIT_ERROR;
	}
	code = vm_run(&vm);
	console_raw_restore();
	if (code != MVM_EXIT_POWEROFF)
		fprintf(stderr, "%smvm: %s\n", vm.console_escape ? "\r\n" : "", vm_exit_reason(&vm));
	vm_destroy(&vm);
	if (con.fd >= 0)
		close(con.fd);
	return code;
}
