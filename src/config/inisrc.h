/*
 * config/inisrc — what the two INI readers (certpilot.ini, the seed
 * articles' acme.ini) share around inih: reading the file once with its
 * mode, and an ini_reader that feeds inih one line at a time from memory.
 *
 * inih reports neither line numbers (INI_HANDLER_LINENO is off in the
 * distribution's build) nor empty sections, and it cuts lines longer than
 * its buffer into pieces. Feeding it ourselves fixes all three: the reader
 * counts lines, refuses a line that does not fit (or holds a NUL byte), and
 * announces every [section] header, so an empty section is seen too.
 * Internal to src/config/.
 */
#ifndef CP_CONFIG_INISRC_H
#define CP_CONFIG_INISRC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

struct ini_src {
    const char *p, *end;  /* text not yet handed to inih */
    const char *path;     /* for messages, borrowed */
    int line;             /* the line inih is working on */
    bool cont;            /* that line continues the previous key's value */
    bool prev_key;        /* a key line was seen since the last [section] (inih's prev_name) */
    bool stop;            /* an error was recorded: hand inih no more lines */
    int err_line;         /* line of the first recorded error, 0 when none */
    int err_code;         /* its CP_E* code */
    const char *raw;      /* the current line as written (not NUL-terminated) */
    size_t raw_len;
    /* Called for every [section] header line with the text between the
     * brackets; returns CP_OK or records an error with ini_src_fail. */
    int (*section)(void *user, const char *name);
    void *user;
    struct err *err;      /* where ini_src_fail writes; may be NULL */
};

void ini_src_init(struct ini_src *s, const char *text, size_t len, const char *path,
                  struct err *err);

/* The ini_reader handed to ini_parse_stream (stream is a struct ini_src). */
char *ini_src_read(char *str, int num, void *stream);

/* Record "<path>:<line>: <message>" as the error of the current line and stop. Returns 0,
 * the value an inih handler returns for an error. */
int ini_src_fail(struct ini_src *s, int code, const char *fmt, ...) CP_PRINTF(3, 4);

/* Like ini_src_fail for an earlier line (a section with no names, seen at its end). */
int ini_src_fail_at(struct ini_src *s, int line, int code, const char *fmt, ...)
    CP_PRINTF(4, 5);

/* Turn inih's return value and the recorded error into CP_OK or a CP_E* code. */
int ini_src_finish(struct ini_src *s, int inih_rc);

/* Read a whole regular file of at most max bytes, NUL-terminated, with its mode.
 * what names the file in messages ("config file", "account key"). */
int ini_file_read(const char *path, const char *what, size_t max, char **text, size_t *len,
                  mode_t *mode, struct err *err) CP_WUR;

/* ini_file_read for a file whose content decides what runs (certpilot.ini, acme.ini): with
 * trusted, CP_EUSAGE "<what> <path> may be written by group or others (mode 664); run:
 * chmod go-w <path>" when group or others may write it, and a like line with the chown to run
 * when it belongs to neither root nor the effective uid. */
int ini_file_read_as(const char *path, const char *what, size_t max, bool trusted, char **text,
                     size_t *len, mode_t *mode, struct err *err) CP_WUR;

#endif
