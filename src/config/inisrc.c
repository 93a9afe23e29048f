#include "config/inisrc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/str.h"

void ini_src_init(struct ini_src *s, const char *text, size_t len, const char *path,
                  struct err *err)
{
    memset(s, 0, sizeof(*s));
    if (text == NULL)
        text = "", len = 0; /* NULL + 0 is undefined behaviour */
    s->p = text;
    s->end = text + len;
    s->path = path;
    s->err = err;
}

/* format(printf, 4, 0): callers' formats are checked, and clang's -Wformat-nonliteral accepts fmt here */
static int src_vfail(struct ini_src *s, int line, int code, const char *fmt, va_list ap) CP_PRINTF(4, 0);

static int src_vfail(struct ini_src *s, int line, int code, const char *fmt, va_list ap)
{
    char msg[900];

    if (s->stop)
        return 0;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    err_set(s->err, code, "%s:%d: %s", s->path, line, msg);
    s->stop = true;
    s->err_line = line;
    s->err_code = code;
    return 0;
}

int ini_src_fail(struct ini_src *s, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    src_vfail(s, s->line, code, fmt, ap);
    va_end(ap);
    return 0;
}

int ini_src_fail_at(struct ini_src *s, int line, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    src_vfail(s, line, code, fmt, ap);
    va_end(ap);
    return 0;
}

/* A [section] header: the text up to the first ']' is the name; after it
 * only a comment may follow (inih would drop anything else unseen). */
static void header(struct ini_src *s, const char *start)
{
    const char *close = strchr(start, ']'), *rest;
    char *name;

    s->prev_key = false;
    if (close == NULL)
        return; /* inih reports the line */
    for (rest = close + 1; isspace((unsigned char)*rest); rest++)
        ;
    if (*rest != '\0' && *rest != ';' && *rest != '#') {
        ini_src_fail(s, CP_EUSAGE, "text after the section header [%.*s]",
                     (int)(close - start - 1), start + 1);
        return;
    }
    if ((name = strndup(start + 1, (size_t)(close - start - 1))) == NULL) {
        ini_src_fail(s, CP_ENOMEM, "out of memory");
        return;
    }
    if (s->section != NULL)
        s->section(s->user, name);
    free(name);
}

/* Decide what inih will make of the line, the way inih decides it:
 * comment, continuation (indented, after a key), [section], or key line. */
static void classify(struct ini_src *s, const char *str)
{
    const char *start = str;

    s->cont = false;
    while (isspace((unsigned char)*start))
        start++;
    if (*start == '\0' || *start == ';' || *start == '#')
        return;
    if (s->prev_key && start > str) {
        s->cont = true;
        return;
    }
    if (*start == '[') {
        header(s, start);
        return;
    }
    if (strpbrk(start, "=:") != NULL)
        s->prev_key = true;
}

/* Cut the next line off the text; NULL at the end. */
static const char *next_line(struct ini_src *s, size_t *len)
{
    const char *line = s->p, *nl;

    if (s->p >= s->end)
        return NULL;
    nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
    *len = nl != NULL ? (size_t)(nl - s->p) : (size_t)(s->end - s->p);
    s->p += *len + (nl != NULL);
    if (*len > 0 && line[*len - 1] == '\r')
        (*len)--;
    return line;
}

char *ini_src_read(char *str, int num, void *stream)
{
    struct ini_src *s = stream;
    const char *line;
    size_t len = 0;

    if (s->stop || (line = next_line(s, &len)) == NULL)
        return NULL;
    s->line++;
    /* A UTF-8 byte order mark some editors write; inih skips it too. */
    if (s->line == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    s->raw = line;
    s->raw_len = len;
    if (memchr(line, '\0', len) != NULL) {
        ini_src_fail(s, CP_EUSAGE, "the line holds a NUL byte");
        return NULL;
    }
    if (num < 2 || len > (size_t)num - 1) {
        ini_src_fail(s, CP_EUSAGE, "the line is longer than %d characters", num - 1);
        return NULL;
    }
    memcpy(str, line, len);
    str[len] = '\0';
    classify(s, str);
    return s->stop ? NULL : str;
}

int ini_src_finish(struct ini_src *s, int inih_rc)
{
    if (inih_rc == -2)
        return err_nomem(s->err);
    if (inih_rc != 0 && (s->err_line == 0 || inih_rc < s->err_line))
        return err_set(s->err, CP_EUSAGE,
                       "%s:%d: not a [section] header or a \"key = value\" line", s->path,
                       inih_rc);
    if (s->err_line != 0)
        return s->err_code;
    return CP_OK;
}

static int read_fd(int fd, size_t size, char **text, size_t *len)
{
    char *buf = malloc(size + 1);
    size_t got = 0;

    if (buf == NULL)
        return CP_ENOMEM;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    return CP_OK;
}

/* Like sshd's StrictModes: a file that tells us what to run must be changeable only by
 * root or by us. Checked on the open descriptor, so a rename in between changes nothing. */
static int check_writers(const char *path, const char *what, const struct stat *st, struct err *err)
{
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return err_set(err, CP_EUSAGE, "%s %s may be written by group or others (mode %03o); run: "
                       "chmod go-w %s", what, path, (unsigned)(st->st_mode & 0777), path);
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return err_set(err, CP_EUSAGE, "%s %s belongs to uid %ld, neither root nor the user running "
                       "certpilot (uid %ld); run: chown %ld %s", what, path, (long)st->st_uid,
                       (long)geteuid(), (long)geteuid(), path);
    return CP_OK;
}

int ini_file_read(const char *path, const char *what, size_t max, char **text, size_t *len,
                  mode_t *mode, struct err *err)
{
    return ini_file_read_as(path, what, max, false, text, len, mode, err);
}

/* What may be read from the open file: a regular file, small enough, and with trusted
 * changeable only by root or us. */
static int check_file(int fd, const char *path, const char *what, size_t max, bool trusted,
                      struct stat *st, struct err *err)
{
    if (fstat(fd, st) != 0)
        return err_set(err, CP_EIO, "%s %s: %s", what, path, strerror(errno));
    if (!S_ISREG(st->st_mode))
        return err_set(err, CP_EUSAGE, "%s %s is not a regular file", what, path);
    if (trusted && check_writers(path, what, st, err) != CP_OK)
        return CP_EUSAGE;
    if ((size_t)st->st_size > max)
        return err_set(err, CP_EINVALID, "%s %s is larger than %zu bytes", what, path, max);
    return CP_OK;
}

int ini_file_read_as(const char *path, const char *what, size_t max, bool trusted, char **text,
                     size_t *len, mode_t *mode, struct err *err)
{
    struct stat st;
    int fd, rc;

    *text = NULL;
    *len = 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
        return err_set(err, errno == ENOENT ? CP_ENOTFOUND : CP_EIO, "%s %s: %s", what, path,
                       strerror(errno));
    rc = check_file(fd, path, what, max, trusted, &st, err);
    if (rc == CP_OK && (rc = read_fd(fd, (size_t)st.st_size, text, len)) != CP_OK)
        err_nomem(err);
    if (rc == CP_OK)
        *mode = st.st_mode;
    close(fd);
    return rc;
}
