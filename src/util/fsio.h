/*
 * util/fsio — the file primitives every persistent write goes through.
 *
 * Secrets (private keys) are never overwritten: fs_write_new writes a temp
 * file in the same directory (mkstemp, fchmod, write, fsync), link()s it to
 * the final name (EEXIST refuses), unlinks the temp name and fsyncs the
 * directory. Everything else uses fs_write_atomic: temp file, fsync,
 * rename over the old file, fsync the directory. A crash leaves either the
 * old or the new content, never a mix.
 */
#ifndef CP_UTIL_FSIO_H
#define CP_UTIL_FSIO_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Create path (and missing parents) with mode; existing directories are fine. */
int fs_mkdirs(const char *path, mode_t mode, struct err *err) CP_WUR;

/* Write a new file; CP_EEXIST when path exists. */
int fs_write_new(const char *path, const void *data, size_t len, mode_t mode, struct err *err) CP_WUR;

/* Write or replace a file atomically. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *err) CP_WUR;

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

/* Read a whole file of at most max bytes; *out is malloc'd and NUL-terminated.
 * CP_ENOTFOUND when it does not exist, CP_EINVALID when larger than max. */
int fs_read(const char *path, size_t max, char **out, size_t *len, struct err *err) CP_WUR;

/* Point the symlink path at target, replacing an existing link atomically. */
int fs_symlink_atomic(const char *target, const char *path, struct err *err) CP_WUR;

/* fsync a directory so a rename/link inside it is durable. */
int fs_fsync_dir(const char *dir, struct err *err) CP_WUR;

/* Does path exist (lstat)? */
int fs_exists(const char *path);

#endif
