/*
 * util/fsio — the file primitives every persistent write goes through.
 *
 * Secrets (private keys) are never overwritten: fs_write_new writes a temp
 * file in the same directory (O_EXCL, fchmod, write, fsync), link()s it to
 * the final name (EEXIST refuses), unlinks the temp name and fsyncs the
 * directory. Everything else uses fs_write_atomic: temp file, fsync,
 * rename over the old file, fsync the directory. A crash leaves either the
 * old or the new content, never a mix.
 *
 * The *_at forms work on one name inside an open directory and never follow
 * a symlink at that name: they are what code walking a tree it must not be
 * led out of (the state directory, a web root) uses. `path` only names the
 * file in messages. The path forms walk to the parent directory one name at a
 * time and call the *_at forms. On the way a symbolic link is followed only
 * when it and the directory holding it belong to root (or to the user we run
 * as) and that directory is writable by nobody else (group or others): an
 * administrator's links such as /var -> /data work, a link someone else could
 * have planted is refused, CP_EINVALID "refusing to write PATH: DIR is a
 * symbolic link of uid N; give the directory it points to" (or "... is a
 * symbolic link in a directory others can write; ..."). The final name is
 * never followed.
 */
#ifndef CP_UTIL_FSIO_H
#define CP_UTIL_FSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Create path (and missing parents) with mode; existing directories are fine. */
int fs_mkdirs(const char *path, mode_t mode, struct err *err) CP_WUR;

/* Write a new file; CP_EEXIST when path exists. */
int fs_write_new(const char *path, const void *data, size_t len, mode_t mode, struct err *err) CP_WUR;
int fs_write_new_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                    mode_t mode, struct err *err) CP_WUR;

/* Write or replace a file atomically (a symlink at the name is replaced, not followed). */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *err) CP_WUR;
int fs_write_atomic_at(int dirfd, const char *name, const char *path, const void *data, size_t len,
                       mode_t mode, struct err *err) CP_WUR;

/* Owner, group and mode for a file written by fs_write_atomic_as. */
struct fs_attrs {
    mode_t mode;
    uid_t uid;  /* (uid_t)-1: whoever writes it */
    gid_t gid;  /* (gid_t)-1: the writer's group */
};

/* fs_write_atomic with owner and group too. All three are set on the temp
 * file before the rename, so the final name never has other attributes. */
int fs_write_atomic_as(const char *path, const void *data, size_t len, const struct fs_attrs *a,
                       struct err *err) CP_WUR;

/* Can the directory holding path be reached by the rule above? CP_ENOTFOUND
 * ("cannot create PATH: DIR: No such file or directory") when a directory on
 * the way does not exist, CP_EINVALID for a refused link. */
int fs_check_parent(const char *path, struct err *err) CP_WUR;

/* Read a whole file of at most max bytes; *out is malloc'd and NUL-terminated.
 * CP_ENOTFOUND when it does not exist, CP_EINVALID when larger than max.
 * fs_read_at also refuses a symlink at name (CP_EINVALID "PATH is a symbolic
 * link; refusing to follow it") and anything but a regular file. */
int fs_read(const char *path, size_t max, char **out, size_t *len, struct err *err) CP_WUR;
int fs_read_at(int dirfd, const char *name, const char *path, size_t max, char **out, size_t *len,
               struct err *err) CP_WUR;

/*
 * Read a secret (a private key) that a user hands in from outside the store,
 * as ssh treats its keys: refused, CP_EINVALID with the fix in one line, when
 * it is a symlink ("key file F is a symbolic link; give the file it points to")
 * or readable or writable by group or others ("key file F is readable by group
 * or others (chmod 600 F)"). Free *out with secret_free(*out, *len).
 */
int fs_read_secret(const char *path, size_t max, char **out, size_t *len, struct err *err) CP_WUR;

/* Point the symlink path at target, replacing an existing link atomically. */
int fs_symlink_atomic(const char *target, const char *path, struct err *err) CP_WUR;
int fs_symlink_atomic_at(int dirfd, const char *target, const char *name, const char *path,
                         struct err *err) CP_WUR;

/* Create a new directory "<prefix>XXXXXX" (random) in dirfd with mode; *name
 * gets its name (caller frees). dirpath names dirfd in messages. */
int fs_mkdtemp_at(int dirfd, const char *prefix, mode_t mode, const char *dirpath, char **name,
                  struct err *err) CP_WUR;

/* fsync a directory so a rename/link inside it is durable. */
int fs_fsync_dir(const char *dir, struct err *err) CP_WUR;
int fs_fsync_fd(int fd, const char *path, struct err *err) CP_WUR;

/* Does path exist (lstat)? */
int fs_exists(const char *path);

/* Is errno, after an open with O_NOFOLLOW of name in dirfd, the sign of a symlink there? */
bool fs_is_symlink_at(int dirfd, const char *name);

#endif
