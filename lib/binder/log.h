/*
 * log.h - the library's messages, for what happens on its own threads
 * (binder_set_logger() in binder/binder_log.h chooses where they go).
 */
#ifndef BINDER_LOG_H
#define BINDER_LOG_H

#include <binder/binder_log.h>

/* Format one message and hand it to the logger (one line, no newline). */
void binder_log(enum binder_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define binder_err(...) binder_log(BINDER_LOG_ERROR, __VA_ARGS__)
#define binder_warn(...) binder_log(BINDER_LOG_WARN, __VA_ARGS__)
#define binder_info(...) binder_log(BINDER_LOG_INFO, __VA_ARGS__)

#endif
