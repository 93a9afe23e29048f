#define _GNU_SOURCE /* getrandom */
#include "util/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/str.h"

#define TEMP_TRIES 100

int fs_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

bool fs_is_symlink_at(int dirfd, const char *name)
{
    struct stat st;

    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
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

/* Six random file-name characters; temp names need to be unguessable only
 * enough not to collide, since O_EXCL and O_NOFOLLOW do the refusing. */
static void rand_suffix(char out[7])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[6];
    struct timespec ts;

    if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        for (size_t i = 0; i < sizeof(r); i++)
            r[i] = (unsigned char)((unsigned long)ts.tv_nsec >> (i * 5)) ^ (unsigned char)getpid();
    }
    for (size_t i = 0; i < 6; i++)
        out[i] = abc[r[i] % (sizeof(abc) - 1)];
    out[6] = '\0';
}

int fs_mkdtemp_at(int dirfd, const char *prefix, mode_t mode, const char *dirpath, char **name,
                  struct err *err)
{
    char sfx[7];

    for (int i = 0; i < TEMP_TRIES; i++) {
        rand_suffix(sfx);
        if ((*name = str_printf("%s%s", prefix, sfx)) == NULL)
            return err_nomem(err);
        if (mkdirat(dirfd, *name, mode) == 0)
            return CP_OK;
        str_free(name);
        if (errno != EEXIST)
            break;
    }
    return err_set(err, CP_EIO, "cannot create a directory in %s: %s", dirpath, strerror(errno));
}

int fs_fsync_fd(int fd, const char *path, struct err *err)
{
    if (fsync(fd) != 0)
        return err_set(err, CP_EIO, "cannot sync directory %s: %s", path, strerror(errno));
    return CP_OK;
}

int fs_fsync_dir(const char *dir, struct err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return err_set(err, CP_EIO, "cannot open directory %s: %s", dir, strerror(errno));
    rc = fs_fsync_fd(fd, dir, err);
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

/* A new file "<name>.tmp-XXXXXX" in dirfd; *tmp gets its name. -1 with errno on failure. */
static int open_temp(int dirfd, const char *name, char **tmp)
{
    char sfx[7];
    int fd;

    for (int i = 0; i < TEMP_TRIES; i++) {
        rand_suffix(sfx);
        if ((*tmp = str_printf("%s.tmp-%s", name, sfx)) == NULL) {
            errno = ENOMEM;
            return -1;
        }
        fd = openat(dirfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
            return fd;
        str_free(tmp);
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

/* Owner first: chown may clear mode bits, and the content is written after both. */
static int set_attrs(int fd, const struct fs_attrs *a)
{
    if ((a->uid != (uid_t)-1 || a->gid != (gid_t)-1) && fchown(fd, a->uid, a->gid) != 0)
        return -1;
    return fchmod(fd, a->mode);
}

/* A synced temp file next to name holding data; *tmp gets its name. */
static int write_temp(int dirfd, const char *name, const char *path, const void *data, size_t len,
                      const struct fs_attrs *a, char **tmp, struct err *err)
{
    int fd = open_temp(dirfd, name, tmp), rc = CP_OK;

    if (fd < 0)
        return err_set(err, errno == ENOMEM ? CP_ENOMEM : CP_EIO, "cannot create a file next to %s: %s",
                       path, strerror(errno));
    if (set_attrs(fd, a) != 0)
        rc = err_set(err, CP_EIO, "cannot set the owner or mode of %s: %s", path, strerror(errno));
    else if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
        rc = err_set(err, CP_EIO, "cannot write %s: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == CP_OK)
        rc = err_set(err, CP_EIO, "cannot write %s: %s", path, strerror(errno));
    if (rc != CP_OK) {
        unlinkat(dirfd, *tmp, 0);
        str_free(tmp);
    }
    return rc;
}

int fs_write_new_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                    mode_t mode, struct err *err)
{
    const struct fs_attrs a = {mode, (uid_t)-1, (gid_t)-1};
    char *tmp = NULL;
    int rc = write_temp(dirfd, name, path, data, len, &a, &tmp, err);

    if (rc != CP_OK)
        return rc;
    /* linkat without AT_SYMLINK_FOLLOW: an existing name, symlink or not, is EEXIST */
    if (linkat(dirfd, tmp, dirfd, name, 0) != 0)
        rc = errno == EEXIST ? err_set(err, CP_EEXIST, "%s already exists; not overwriting it", path)
                             : err_set(err, CP_EIO, "cannot create %s: %s", path, strerror(errno));
    unlinkat(dirfd, tmp, 0);
    free(tmp);
    return rc == CP_OK ? fs_fsync_fd(dirfd, path, err) : rc;
}

static int write_atomic_as_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                              const struct fs_attrs *a, struct err *err)
{
    char *tmp = NULL;
    int rc = write_temp(dirfd, name, path, data, len, a, &tmp, err);

    if (rc != CP_OK)
        return rc;
    if (renameat(dirfd, tmp, dirfd, name) != 0) {
        rc = err_set(err, CP_EIO, "cannot replace %s: %s", path, strerror(errno));
        unlinkat(dirfd, tmp, 0);
    }
    free(tmp);
    return rc == CP_OK ? fs_fsync_fd(dirfd, path, err) : rc;
}

int fs_symlink_atomic_at(int dirfd, const char *target, const char *name, const char *path,
                         struct err *err)
{
    char *tmp = str_printf("%s.tmp-%ld", name, (long)getpid());
    int rc = CP_OK;

    if (tmp == NULL)
        return err_nomem(err);
    unlinkat(dirfd, tmp, 0);
    if (symlinkat(target, dirfd, tmp) != 0)
        rc = err_set(err, CP_EIO, "cannot create link %s: %s", path, strerror(errno));
    else if (renameat(dirfd, tmp, dirfd, name) != 0) {
        rc = err_set(err, CP_EIO, "cannot replace %s: %s", path, strerror(errno));
        unlinkat(dirfd, tmp, 0);
    }
    free(tmp);
    return rc == CP_OK ? fs_fsync_fd(dirfd, path, err) : rc;
}

/*
 * The directories of a path a root process writes and chowns into (a `files`
 * target's tls/ directory, say) may belong to someone else: the owner= user may
 * own tls/'s parent and replace tls by a link to /etc (review 22, finding 4).
 * So a path is walked one name at a time, each directory opened with
 * O_NOFOLLOW, and a symbolic link on the way is followed only when nobody but
 * root or our own user could have put it there or changed it: the link belongs
 * to one of them, and so does the directory holding it, which nobody else
 * (group or others) can write. Root's own links (/var -> /data, /etc/ssl/...)
 * still work; a link a service user made, or one in a shared directory, is
 * refused with the path to give instead. Each step works on the directory
 * already open, so swapping a name afterwards cannot lead the walk elsewhere.
 */
#define MAX_LINKS 40 /* symbolic links in one path, the kernel's own limit */

struct walk {
    const char *path; /* the whole path, for messages */
    int fd;           /* the directory reached so far (O_PATH) */
    char *todo;       /* what is left to walk; replaced when a link is followed */
    bool followed;    /* todo was just replaced */
    int links;
    char shown[4096]; /* the directories walked, for messages */
};

static bool trusted_uid(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

/* May the link at name in w->fd (shown as w->shown) be followed? */
static int check_link(struct walk *w, const char *name, struct err *err)
{
    struct stat l, d;

    if (fstatat(w->fd, name, &l, AT_SYMLINK_NOFOLLOW) != 0 || fstat(w->fd, &d) != 0)
        return err_set(err, CP_EIO, "cannot create %s: %s: %s", w->path, w->shown, strerror(errno));
    if (!trusted_uid(l.st_uid))
        return err_set(err, CP_EINVALID, "refusing to write %s: %s is a symbolic link of uid %ld; "
                       "give the directory it points to", w->path, w->shown, (long)l.st_uid);
    if (!trusted_uid(d.st_uid) || (d.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return err_set(err, CP_EINVALID, "refusing to write %s: %s is a symbolic link in a directory others "
                       "can write; give the directory it points to", w->path, w->shown);
    if (++w->links > MAX_LINKS)
        return err_set(err, CP_EINVALID, "cannot create %s: too many symbolic links", w->path);
    return CP_OK;
}

/* Go on from the link at name: its target, then rest. */
static int follow(struct walk *w, const char *name, const char *rest, size_t shown_len, struct err *err)
{
    char target[4096];
    ssize_t n = readlinkat(w->fd, name, target, sizeof(target) - 1);
    char *todo = NULL;

    if (n < 0)
        return err_set(err, CP_EIO, "cannot create %s: %s: %s", w->path, w->shown, strerror(errno));
    target[n] = '\0';
    if ((todo = str_printf("%s/%s", target, rest)) == NULL)
        return err_nomem(err);
    w->shown[target[0] == '/' ? 0 : shown_len] = '\0';
    if (target[0] == '/') {
        close(w->fd);
        w->fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    free(w->todo);
    w->todo = todo;
    w->followed = true;
    return w->fd >= 0 ? CP_OK : err_set(err, CP_EIO, "cannot open /: %s", strerror(errno));
}

/* One name of the walk: a directory is entered, a link followed if trusted. */
static int step(struct walk *w, const char *name, const char *rest, struct err *err)
{
    size_t len = strlen(w->shown);
    int fd = openat(w->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e = errno;
    struct stat st;
    int rc;

    snprintf(w->shown + len, sizeof(w->shown) - len, "%s%s", len && w->shown[len - 1] == '/' ? "" : "/", name);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(w->fd);
        w->fd = fd;
        return CP_OK;
    }
    if (fd >= 0)
        close(fd);
    if (!fs_is_symlink_at(w->fd, name))
        return err_set(err, e == ENOENT ? CP_ENOTFOUND : CP_EIO, "cannot create %s: %s: %s", w->path, w->shown,
                       strerror(fd >= 0 ? ENOTDIR : e));
    if ((rc = check_link(w, name, err)) != CP_OK)
        return rc;
    return follow(w, name, rest, len, err);
}

static int walk_all(struct walk *w, struct err *err)
{
    char *p = w->todo;
    int rc = CP_OK;

    while (rc == CP_OK) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        char *end = strchrnul(p, '/'), save = *end;
        *end = '\0';
        w->followed = false;
        if (strcmp(p, ".") != 0)
            rc = step(w, p, save ? end + 1 : "", err);
        if (w->followed)
            p = w->todo;
        else
            p = save ? end + 1 : end;
    }
    return rc;
}

/* Open directory dir by the rule above; *fd can be read, written in and synced. */
static int open_dir_walked(const char *dir, const char *path, int *fd, struct err *err)
{
    struct walk w = {path, -1, strdup(dir), false, 0, ""};
    int rc = CP_OK;

    *fd = -1;
    if (w.todo == NULL)
        return err_nomem(err);
    if (dir[0] != '/')
        snprintf(w.shown, sizeof(w.shown), ".");
    if ((w.fd = open(dir[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        rc = err_set(err, CP_EIO, "cannot create %s: %s", path, strerror(errno));
    if (rc == CP_OK)
        rc = walk_all(&w, err);
    if (rc == CP_OK && (*fd = openat(w.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        rc = err_set(err, CP_EIO, "cannot create %s: %s", path, strerror(errno));
    if (w.fd >= 0)
        close(w.fd);
    free(w.todo);
    return rc;
}

/* Open the directory holding path by the rule above; *base is its last part. */
static int open_parent(const char *path, int *fd, char **base, struct err *err)
{
    char *c1 = strdup(path), *c2 = strdup(path);
    int rc = CP_OK;

    *fd = -1;
    *base = NULL;
    if (c1 == NULL || c2 == NULL || (*base = strdup(basename(c2))) == NULL)
        rc = err_nomem(err);
    else
        rc = open_dir_walked(dirname(c1), path, fd, err);
    if (rc != CP_OK)
        str_free(base);
    free(c1);
    free(c2);
    return rc;
}

int fs_check_parent(const char *path, struct err *err)
{
    char *base = NULL;
    int fd = -1, rc = open_parent(path, &fd, &base, err);

    if (fd >= 0)
        close(fd);
    free(base);
    return rc;
}

int fs_write_atomic_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                       mode_t mode, struct err *err)
{
    const struct fs_attrs a = {mode, (uid_t)-1, (gid_t)-1};

    return write_atomic_as_at(dirfd, name, path, data, len, &a, err);
}

int fs_write_new(const char *path, const void *data, size_t len, mode_t mode, struct err *err)
{
    char *base = NULL;
    int dfd = -1, rc = open_parent(path, &dfd, &base, err);

    if (rc != CP_OK)
        return rc;
    rc = fs_write_new_at(dfd, base, path, data, len, mode, err);
    close(dfd);
    free(base);
    return rc;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *err)
{
    char *base = NULL;
    int dfd = -1, rc = open_parent(path, &dfd, &base, err);

    if (rc != CP_OK)
        return rc;
    rc = fs_write_atomic_at(dfd, base, path, data, len, mode, err);
    close(dfd);
    free(base);
    return rc;
}

int fs_write_atomic_as(const char *path, const void *data, size_t len, const struct fs_attrs *a,
                       struct err *err)
{
    char *base = NULL;
    int dfd = -1, rc = open_parent(path, &dfd, &base, err);

    if (rc != CP_OK)
        return rc;
    rc = write_atomic_as_at(dfd, base, path, data, len, a, err);
    close(dfd);
    free(base);
    return rc;
}

int fs_symlink_atomic(const char *target, const char *path, struct err *err)
{
    char *base = NULL;
    int dfd = -1, rc = open_parent(path, &dfd, &base, err);

    if (rc != CP_OK)
        return rc;
    rc = fs_symlink_atomic_at(dfd, target, base, path, err);
    close(dfd);
    free(base);
    return rc;
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

/* Open name in dirfd for reading. strict: a symlink is refused, and anything but a
 * regular file (O_NONBLOCK, so a FIFO planted at the name cannot hang us first). */
static int open_file(int dirfd, const char *name, const char *path, bool strict, int *fd,
                     struct err *err)
{
    struct stat st;

    *fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | (strict ? O_NOFOLLOW | O_NONBLOCK : 0));
    if (*fd < 0 && strict && errno == ELOOP)
        return err_set(err, CP_EINVALID, "%s is a symbolic link; refusing to follow it", path);
    if (*fd < 0)
        return err_set(err, errno == ENOENT ? CP_ENOTFOUND : CP_EIO, "cannot read %s: %s", path,
                       strerror(errno));
    if (strict && (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(*fd);
        *fd = -1;
        return err_set(err, CP_EINVALID, "%s is not a regular file", path);
    }
    return CP_OK;
}

static int read_named(int dirfd, const char *name, const char *path, bool strict, size_t max,
                      char **out, size_t *len, struct err *err)
{
    int fd = -1;
    int rc = open_file(dirfd, name, path, strict, &fd, err);

    *out = NULL;
    *len = 0;
    if (rc != CP_OK)
        return rc;
    rc = read_fd(fd, path, max, out, len, err);
    close(fd);
    return rc;
}

int fs_read_at(int dirfd, const char *name, const char *path, size_t max, char **out, size_t *len,
               struct err *err)
{
    return read_named(dirfd, name, path, true, max, out, len, err);
}

int fs_read(const char *path, size_t max, char **out, size_t *len, struct err *err)
{
    return read_named(AT_FDCWD, path, path, false, max, out, len, err);
}

/* ssh's rule for private keys: nobody but the owner may read or change them. */
static int check_secret(int fd, const char *path, struct err *err)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return err_set(err, CP_EIO, "cannot read key file %s: %s", path, strerror(errno));
    if ((st.st_mode & 077) != 0)
        return err_set(err, CP_EINVALID, "key file %s is %s by group or others (chmod 600 %s)", path,
                       (st.st_mode & 044) ? "readable" : "writable", path);
    return CP_OK;
}

int fs_read_secret(const char *path, size_t max, char **out, size_t *len, struct err *err)
{
    int fd = -1;
    int rc = open_file(AT_FDCWD, path, path, true, &fd, err);

    *out = NULL;
    *len = 0;
    if (rc == CP_EINVALID && fs_is_symlink_at(AT_FDCWD, path))
        return err_set(err, CP_EINVALID, "key file %s is a symbolic link; give the file it points to",
                       path);
    if (rc != CP_OK)
        return rc;
    if ((rc = check_secret(fd, path, err)) == CP_OK)
        rc = read_fd(fd, path, max, out, len, err);
    close(fd);
    return rc;
}
