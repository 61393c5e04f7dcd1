/*
 * log.h - init's log: every line goes to the kernel log (/dev/kmsg) and
 * to the console.
 *
 * A line is "<tag>: <text>"; init's own lines have the tag "init", a
 * service's output lines the service's name.  In /dev/kmsg the line
 * carries its level ("<6>init: ...").  The kernel itself echoes kmsg
 * lines whose level is below its console_loglevel to the console, so for
 * those the direct console write is skipped and each line shows there
 * once (console_loglevel is read from /proc/sys/kernel/printk when the
 * kernel log is the real /dev/kmsg).
 *
 * init's own lines above its level (the `loglevel` command; INFO by
 * default) are dropped; services' output is not filtered.  The log is
 * process-global: init is one process and logs from everywhere.  Writes are unbuffered; a sink that
 * cannot be opened is retried at the next line (the console may appear late, e.g. hvc0).
 */
#ifndef MICRODROID_INIT_LOG_H
#define MICRODROID_INIT_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Kernel log levels. */
enum {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* The longest line written; longer text is cut. */
#define LOG_LINE_MAX 1000

/*
 * Set the sinks: @kmsg_path (normally "/dev/kmsg") and @console_path
 * (normally "/dev/console"); either may be NULL for none.  Regular files
 * are appended to (tests).  The paths are copied.
 */
void log_open(const char *kmsg_path, const char *console_path);

/* Close both sinks. */
void log_close(void);

/* Wait until the console has sent what was written (before a poweroff). */
void log_flush(void);

/* Init's level: its lines with a level above it are dropped. */
void log_set_level(int level);

/* Log an init line ("init: ..."). */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Log @len bytes of @text (one line, no newline) under @tag at @level,
 * whatever init's level; to the console too unless @kmsg_only.
 */
void log_tagged(int level, const char *tag, bool kmsg_only, const char *text, size_t len);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
