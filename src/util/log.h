/*
 * util/log — leveled logging through a caller-supplied sink. No global state:
 * whoever owns a client owns its logger and passes it down. A NULL logger
 * discards everything. Lines are sanitised; never pass secrets (private keys,
 * HMAC keys, cloud secrets) to these functions.
 *
 * write() may be called from other threads (the standalone http-01
 * responder answers on libmicrohttpd's thread), so it must be thread-safe;
 * one fprintf per line, as the CLI does, is.
 */
#ifndef CP_UTIL_LOG_H
#define CP_UTIL_LOG_H

#include "util/err.h"

/* Levels are the public enum cp_log_level (include/certpilot/certpilot.h). */
struct logger {
    int level;  /* messages above this level are dropped */
    void (*write)(void *ud, int level, const char *line);
    void *ud;
};

void log_msg(const struct logger *lg, int level, const char *fmt, ...) CP_PRINTF(3, 4);

#define log_error(lg, ...) log_msg((lg), CP_LOG_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) log_msg((lg), CP_LOG_WARN, __VA_ARGS__)
#define log_info(lg, ...) log_msg((lg), CP_LOG_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg((lg), CP_LOG_DEBUG, __VA_ARGS__)

#endif
