/* log.c - see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

typedef void (*binder_logger_fn)(enum binder_log_level level, const char *message);

static void log_to_stderr(enum binder_log_level level, const char *message)
{
	if (level >= BINDER_LOG_WARN)
		fprintf(stderr, "binder: %s\n", message);
}

static void log_nowhere(enum binder_log_level level, const char *message)
{
	(void)level;
	(void)message;
}

static _Atomic(binder_logger_fn) logger = log_to_stderr;

void binder_set_logger(void (*fn)(enum binder_log_level level, const char *message))
{
	atomic_store(&logger, fn ? fn : log_nowhere);
}

void binder_log(enum binder_log_level level, const char *fmt, ...)
{
	binder_logger_fn fn = atomic_load(&logger);
	char msg[256];
	va_list ap;

	if (fn == log_nowhere)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(level, msg);
}
