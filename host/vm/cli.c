/* cli.c - see cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void vprint(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "vm: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
}

int vm_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(cmd, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return VM_EXIT_ERROR;
}

int vm_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'vm %s --help')\n", cmd);
	return VM_EXIT_USAGE;
}

int vm_bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		return vm_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
	return vm_usage(cmd, "unknown option '%s'", argv[optind - 1]);
}
