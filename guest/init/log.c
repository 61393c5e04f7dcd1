/* log.c - init's log; see log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

struct log_sink {
	char *path;
	int fd;
};

static struct log_sink kmsg = {NULL, -1};
static struct log_sink console = {NULL, -1};
static int init_level = LOG_LEVEL_INFO;
/* Lines with a level below this reach the console through the kernel. */
static int kernel_echo_below;

static void sink_set(struct log_sink *s, const char *path)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->path);
	s->path = path ? strdup(path) : NULL;
}

static bool sink_ready(struct log_sink *s)
{
	if (s->fd < 0 && s->path)
		s->fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644);
	return s->fd >= 0;
}

/* The kernel's console_loglevel, the first number in /proc/sys/kernel/printk. */
static int read_console_loglevel(void)
{
	char buf[64] = {0};
	int fd = open("/proc/sys/kernel/printk", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : 0;
}

void log_open(const char *kmsg_path, const char *console_path)
{
	sink_set(&kmsg, kmsg_path);
	sink_set(&console, console_path);
	kernel_echo_below = 0;
	if (kmsg_path && strcmp(kmsg_path, "/dev/kmsg") == 0 && sink_ready(&kmsg))
		kernel_echo_below = read_console_loglevel();
}

void log_close(void)
{
	sink_set(&kmsg, NULL);
	sink_set(&console, NULL);
}

void log_flush(void)
{
	if (console.fd >= 0)
		tcdrain(console.fd);
}

void log_set_level(int level)
{
	init_level = level < 0 ? 0 : level > 7 ? 7 : level;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void log_tagged(int level, const char *tag, bool kmsg_only, const char *text, size_t len)
{
	char line[LOG_LINE_MAX + 8];
	int n;

	if (len > LOG_LINE_MAX - 80)
		len = LOG_LINE_MAX - 80;
	if (sink_ready(&kmsg)) {
		n = snprintf(line, sizeof(line), "<%d>%.64s: %.*s\n", level, tag, (int)len, text);
		if (n > 0)
			write_all(kmsg.fd, line,
				  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	if (kmsg_only || (kmsg.fd >= 0 && level < kernel_echo_below) || !sink_ready(&console))
		return;
	n = snprintf(line, sizeof(line), "%.64s: %.*s\n", tag, (int)len, text);
	if (n > 0)
		write_all(console.fd, line,
			  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void log_msg(int level, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;
	int n;

	if (level > init_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log_tagged(level, "init", false, text, strlen(text));
}
