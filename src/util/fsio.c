#include "util/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/str.h"

int fs_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

int fs_mkdirs(const char *path, mode_t mode, struct err *err)
{
    char *p = strdup(path);
    int rc = CP_OK;

    if (p == NULL)
        return err_nomem(err);
    for (char *s = p + 1; rc == CP_OK; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST)
            rc = err_set(err, CP_EIO, "cannot create directory %s: %s", p, strerror(errno));
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* The directory part of path, malloc'd. */
static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    char *d = copy ? strdup(dirname(copy)) : NULL;

    free(copy);
    return d;
}

int fs_fsync_dir(const char *dir, struct err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = CP_OK;

    if (fd < 0)
        return err_set(err, CP_EIO, "cannot open directory %s: %s", dir, strerror(errno));
    if (fsync(fd) != 0)
        rc = err_set(err, CP_EIO, "cannot sync directory %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Owner first: chown may clear mode bits, and the content is written after both. */
static int set_attrs(int fd, const struct fs_attrs *a)
{
    if ((a->uid != (uid_t)-1 || a->gid != (gid_t)-1) && fchown(fd, a->uid, a->gid) != 0)
        return -1;
    return fchmod(fd, a->mode);
}

/* A synced temp file next to path holding data; *tmp gets its name. */
static int write_temp(const char *path, const void *data, size_t len, const struct fs_attrs *a,
                      char **tmp, struct err *err)
{
    int fd, rc = CP_OK;

    *tmp = str_printf("%s.tmp-XXXXXX", path);
    if (*tmp == NULL)
        return err_nomem(err);
    fd = mkstemp(*tmp);
    if (fd < 0) {
        rc = err_set(err, CP_EIO, "cannot create a file next to %s: %s", path, strerror(errno));
        str_free(tmp);
        return rc;
    }
    if (set_attrs(fd, a) != 0)
        rc = err_set(err, CP_EIO, "cannot set the owner or mode of %s: %s", path, strerror(errno));
    else if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
        rc = err_set(err, CP_EIO, "cannot write %s: %s", *tmp, strerror(errno));
    if (close(fd) != 0 && rc == CP_OK)
        rc = err_set(err, CP_EIO, "cannot write %s: %s", *tmp, strerror(errno));
    if (rc != CP_OK) {
        unlink(*tmp);
        str_free(tmp);
    }
    return rc;
}

static int sync_parent(const char *path, struct err *err)
{
    char *dir = dir_of(path);
    int rc = dir ? fs_fsync_dir(dir, err) : err_nomem(err);

    free(dir);
    return rc;
}

int fs_write_new(const char *path, const void *data, size_t len, mode_t mode, struct err *err)
{
    const struct fs_attrs a = {mode, (uid_t)-1, (gid_t)-1};
    char *tmp = NULL;
    int rc = write_temp(path, data, len, &a, &tmp, err);

    if (rc != CP_OK)
        return rc;
    if (link(tmp, path) != 0)
        rc = errno == EEXIST ? err_set(err, CP_EEXIST, "%s already exists; not overwriting it", path)
                             : err_set(err, CP_EIO, "cannot create %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return rc == CP_OK ? sync_parent(path, err) : rc;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *err)
{
    const struct fs_attrs a = {mode, (uid_t)-1, (gid_t)-1};

    return fs_write_atomic_as(path, data, len, &a, err);
}

int fs_write_atomic_as(const char *path, const void *data, size_t len, const struct fs_attrs *a,
                       struct err *err)
{
    char *tmp = NULL;
    int rc = write_temp(path, data, len, a, &tmp, err);

    if (rc != CP_OK)
        return rc;
    if (rename(tmp, path) != 0) {
        rc = err_set(err, CP_EIO, "cannot replace %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc == CP_OK ? sync_parent(path, err) : rc;
}

int fs_symlink_atomic(const char *target, const char *path, struct err *err)
{
    char *tmp = str_printf("%s.tmp-%ld", path, (long)getpid());
    int rc = CP_OK;

    if (tmp == NULL)
        return err_nomem(err);
    unlink(tmp);
    if (symlink(target, tmp) != 0)
        rc = err_set(err, CP_EIO, "cannot create link %s: %s", tmp, strerror(errno));
    else if (rename(tmp, path) != 0) {
        rc = err_set(err, CP_EIO, "cannot replace %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc == CP_OK ? sync_parent(path, err) : rc;
}

static int read_fd(int fd, const char *path, size_t max, char **out, size_t *len, struct err *err)
{
    struct buf b = BUF_INIT;
    char chunk[4096];
    ssize_t r;

    for (;;) {
        r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            buf_free(&b);
            return err_set(err, CP_EIO, "cannot read %s: %s", path, strerror(errno));
        }
        if (r == 0)
            break;
        if (b.len + (size_t)r > max) {
            buf_free(&b);
            return err_set(err, CP_EINVALID, "%s is larger than %zu bytes", path, max);
        }
        if (buf_append(&b, chunk, (size_t)r) != CP_OK) {
            buf_free(&b);
            return err_nomem(err);
        }
    }
    *len = b.len;
    *out = b.data ? buf_steal(&b) : strdup("");
    return *out ? CP_OK : err_nomem(err);
}

int fs_read(const char *path, size_t max, char **out, size_t *len, struct err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return err_set(err, errno == ENOENT ? CP_ENOTFOUND : CP_EIO, "cannot read %s: %s", path,
                       strerror(errno));
    rc = read_fd(fd, path, max, out, len, err);
    close(fd);
    return rc;
}
