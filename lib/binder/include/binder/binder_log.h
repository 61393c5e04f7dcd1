/*
 * binder/binder_log.h - where libbinder's messages go.
 *
 * Library functions report errors by their return values.  What happens
 * on the library's own threads (mostly: why an RPC session ended, what a
 * misbehaving peer sent) has nobody to return to, so it is told to a
 * logger.  The default one prints warnings and errors on stderr as
 * "binder: ...".
 */
#ifndef BINDER_BINDER_LOG_H
#define BINDER_BINDER_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

enum binder_log_level { BINDER_LOG_DEBUG, BINDER_LOG_INFO, BINDER_LOG_WARN, BINDER_LOG_ERROR };

/* Send the library's messages (one line each, no newline) to @fn; NULL
 * silences it. */
void binder_set_logger(void (*fn)(enum binder_log_level level, const char *message));

#ifdef __cplusplus
}
#endif

#endif
