/*
 * store — the state on disk. Everything below the root is reached from an
 * open descriptor of the root, one name at a time, with O_NOFOLLOW: a
 * symlink planted anywhere inside (by another user of a shared root, or by
 * mistake) is refused, never followed. `current` is the one symlink of the
 * design; it is read with readlinkat and must say "archive/<version>".
 * Every directory is checked as ssh checks ~/.ssh: owned by the effective
 * uid and writable by nobody else, and the ones made here are 0700.
 */
#define _GNU_SOURCE /* renameat2 */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/str.h"

#define MAX_KEY_FILE (64 * 1024)
#define MAX_META_FILE (1024 * 1024)
#define NEW_PREFIX ".new-"
#define STALE_TEMP_S 60  /* a temp file this old is no live writer's */

struct store {
    char *root;
    int rootfd;  /* the root, opened once: every path below starts here */
};

static const char *const cert_files[] = {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ssh's rule for ~/.ssh: ours alone, or someone else can swap what we read and write. */
static int check_dir(int fd, const char *path, struct err *err)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return err_set(err, CP_EIO, "cannot read state directory %s: %s", path, strerror(errno));
    if (st.st_uid != geteuid())
        return err_set(err, CP_EINVALID, "state directory %s is owned by uid %ld, not by uid %ld "
                       "that runs certpilot (chown %ld %s)", path, (long)st.st_uid, (long)geteuid(),
                       (long)geteuid(), path);
    if ((st.st_mode & 022) != 0)
        return err_set(err, CP_EINVALID, "state directory %s is writable by group or others "
                       "(chmod 700 %s)", path, path);
    return CP_OK;
}

static int open_nofollow(int dirfd, const char *name)
{
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Open directory name in dirfd (made 0700 when create and missing), never through a symlink. */
static int open_dir_at(int dirfd, const char *name, const char *path, bool create, int *out,
                       struct err *err)
{
    int rc, e;

    *out = open_nofollow(dirfd, name);
    if (*out < 0 && errno == ENOENT && create) {
        if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
            return err_set(err, CP_EIO, "cannot create directory %s: %s", path, strerror(errno));
        *out = open_nofollow(dirfd, name);
    }
    if (*out < 0) {
        e = errno;
        if (fs_is_symlink_at(dirfd, name))
            return err_set(err, CP_EINVALID, "%s is a symbolic link; refusing to follow it (remove it)", path);
        return err_set(err, e == ENOENT ? CP_ENOTFOUND : e == ENOTDIR ? CP_EINVALID : CP_EIO,
                       "cannot open directory %s: %s", path, strerror(e));
    }
    if ((rc = check_dir(*out, path, err)) != CP_OK)
        close_fd(out);
    return rc;
}

/* Walk comps (NULL-terminated) down from the root, one directory at a time. */
static int open_dirs(const struct store *st, const char *const comps[], bool create, int *out,
                     struct err *err)
{
    int cur = -1, next = -1, rc = CP_OK;
    char *path = strdup(st->root), *longer = NULL;

    /* a read-only store of a root that does not exist: nothing is below it */
    if (st->rootfd < 0)
        rc = err_set(err, CP_ENOTFOUND, "state directory %s does not exist", st->root);
    for (size_t i = 0; rc == CP_OK && comps[i] != NULL; i++) {
        longer = path ? str_printf("%s/%s", path, comps[i]) : NULL;
        free(path);
        path = longer;
        rc = path ? open_dir_at(cur >= 0 ? cur : st->rootfd, comps[i], path, create, &next, err)
                  : err_nomem(err);
        close_fd(&cur);
        cur = next;
        next = -1;
    }
    free(path);
    *out = cur;
    return rc;
}

#define DIRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static int open_root(const char *root, bool create, struct store **out, struct err *err)
{
    struct store *st = NULL;
    int rc, fd = -1;

    *out = NULL;
    if (root == NULL || *root == '\0')
        return err_set(err, CP_EUSAGE, "state directory is empty");
    if (create && (rc = fs_mkdirs(root, 0700, err)) != CP_OK)
        return rc;
    /* the root itself may be reached through a symlink: the administrator chose the path */
    fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && (create || errno != ENOENT))
        return err_set(err, CP_EIO, "cannot open state directory %s: %s", root, strerror(errno));
    if (fd >= 0 && (rc = check_dir(fd, root, err)) != CP_OK) {
        close(fd);
        return rc;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL || (st->root = strdup(root)) == NULL) {
        free(st);
        close(fd);
        return err_nomem(err);
    }
    st->rootfd = fd;
    *out = st;
    return CP_OK;
}

int store_open(const char *root, struct store **out, struct err *err)
{
    return open_root(root, true, out, err);
}

int store_open_read_only(const char *root, struct store **out, struct err *err)
{
    return open_root(root, false, out, err);
}

void store_free(struct store *st)
{
    if (st == NULL)
        return;
    close_fd(&st->rootfd);
    free(st->root);
    free(st);
}

bool store_name_valid(const char *name)
{
    if (name == NULL || *name == '\0' || *name == '.' || *name == '-' || strlen(name) > 200)
        return false;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
           strlen(name);
}

static int check_names(const char *what, const char *a, const char *b, struct err *err)
{
    if (!store_name_valid(a))
        return err_set(err, CP_EUSAGE, "%s name \"%s\" is not valid (letters, digits, '.', '_', '-')", what, a);
    if (b != NULL && !store_name_valid(b))
        return err_set(err, CP_EUSAGE, "name \"%s\" is not valid (letters, digits, '.', '_', '-')", b);
    return CP_OK;
}

/* The CA id is "<host>_<port>": a name too, but ':' and '[' never reach it. */
static int check_account(const char *ca_id, const char *account, struct err *err)
{
    return check_names("account", account, ca_id, err);
}

/* JSON file name in dirfd; *out NULL when there is none. */
static int read_json_at(int dirfd, const char *name, const char *path, json_t **out, struct err *err)
{
    char *text = NULL;
    size_t len = 0;
    json_error_t jerr;
    int rc = fs_read_at(dirfd, name, path, MAX_META_FILE, &text, &len, err);

    *out = NULL;
    if (rc == CP_ENOTFOUND) {
        err_clear(err);
        return CP_OK;
    }
    if (rc == CP_OK && (*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
        rc = err_set(err, CP_EINVALID, "%s: %s (line %d)", path, jerr.text, jerr.line);
    free(text);
    return rc;
}

static int write_json_at(int dirfd, const char *name, const char *path, const json_t *obj, mode_t mode,
                         struct err *err)
{
    char *text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc;

    if (text == NULL)
        return err_nomem(err);
    rc = fs_write_atomic_at(dirfd, name, path, text, strlen(text), mode, err);
    free(text);
    return rc;
}

/* ---------- accounts ---------- */

char *store_account_dir(const struct store *st, const char *ca_id, const char *account)
{
    return str_printf("%s/accounts/%s/%s", st->root, ca_id, account);
}

static int account_files(int fd, const char *dir, const char *account, char **pem, size_t *len,
                         json_t **meta, struct err *err)
{
    char *key = str_printf("%s/key.pem", dir), *js = str_printf("%s/account.json", dir);
    int rc = key && js ? fs_read_at(fd, "key.pem", key, MAX_KEY_FILE, pem, len, err) : err_nomem(err);

    if (rc == CP_ENOTFOUND)
        err_set(err, rc, "no account \"%s\" for this CA in %s (create it with `certpilot account new`)",
                account, dir);
    if (rc == CP_OK)
        rc = read_json_at(fd, "account.json", js, meta, err);
    free(key);
    free(js);
    return rc;
}

int store_account_load(const struct store *st, const char *ca_id, const char *account,
                       char **pem, size_t *len, json_t **meta, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account);
    int fd = -1, rc = dir ? check_account(ca_id, account, err) : err_nomem(err);

    *pem = NULL;
    *len = 0;
    *meta = NULL;
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("accounts", ca_id, account), false, &fd, err);
    if (rc == CP_ENOTFOUND)
        err_set(err, rc, "no account \"%s\" for this CA in %s (create it with `certpilot account new`)",
                account, dir);
    if (rc == CP_OK)
        rc = account_files(fd, dir, account, pem, len, meta, err);
    if (rc != CP_OK) {
        secret_free(*pem, *len);
        *pem = NULL;
        *len = 0;
    }
    close_fd(&fd);
    free(dir);
    return rc;
}

int store_account_save_key(const struct store *st, const char *ca_id, const char *account,
                           const char *pem, size_t len, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account);
    char *key = dir ? str_printf("%s/key.pem", dir) : NULL;
    int fd = -1, rc = key ? check_account(ca_id, account, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("accounts", ca_id, account), true, &fd, err);
    if (rc == CP_OK)
        rc = fs_write_new_at(fd, "key.pem", key, pem, len, 0600, err);
    close_fd(&fd);
    free(dir);
    free(key);
    return rc;
}

int store_account_save_meta(const struct store *st, const char *ca_id, const char *account,
                            const json_t *meta, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account);
    char *path = dir ? str_printf("%s/account.json", dir) : NULL;
    int fd = -1, rc = path ? check_account(ca_id, account, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("accounts", ca_id, account), true, &fd, err);
    if (rc == CP_OK)
        rc = write_json_at(fd, "account.json", path, meta, 0644, err);
    close_fd(&fd);
    free(dir);
    free(path);
    return rc;
}

/* ---------- certificates: writing a version ---------- */

char *store_cert_version_path(const struct store *st, const char *name, const char *version,
                              const char *file)
{
    return str_printf("%s/certs/%s/archive/%s/%s", st->root, name, version, file);
}

char *store_cert_path(const struct store *st, const char *name, const char *file)
{
    return str_printf("%s/certs/%s/%s", st->root, name, file);
}

/* The version's four files, into the open temp directory fd (named path). */
static int write_version(int fd, const char *path, const struct store_cert_files *f, struct err *err)
{
    const char *data[4] = {f->cert, f->chain, NULL, f->privkey};
    size_t lens[4] = {strlen(f->cert), strlen(f->chain), 0, f->privkey_len};
    char *full = str_printf("%s%s", f->cert, f->chain), *what = NULL;
    int rc = full ? CP_OK : err_nomem(err);

    data[2] = full;
    lens[2] = full ? strlen(full) : 0;
    /* the key first: nothing else is worth having without it (none for a certificate
     * issued for someone else's CSR: its key never was ours) */
    for (size_t k = 0; rc == CP_OK && k < 4; k++) {
        size_t i = (k + 3) % 4;
        if (data[i] == NULL)
            continue;
        if ((what = str_printf("%s/%s", path, cert_files[i])) == NULL)
            rc = err_nomem(err);
        else
            rc = fs_write_new_at(fd, cert_files[i], what, data[i], lens[i], i == 3 ? 0600 : 0644, err);
        str_free(&what);
    }
    free(full);
    return rc;
}

/* Remove a flat directory name in dirfd (its files, then itself); never follows a symlink. */
static void remove_flat(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (d == NULL && fd >= 0)
        close(fd);
    while (d != NULL && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            unlinkat(fd, de->d_name, 0);
    if (d != NULL)
        closedir(d);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Temp directories a killed run left in archive/ (the caller holds the lock, so none is live). */
static void remove_stale(int archfd)
{
    int fd = dup(archfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (d == NULL && fd >= 0)
        close(fd);
    while (d != NULL && (de = readdir(d)) != NULL)
        if (str_has_prefix(de->d_name, NEW_PREFIX))
            remove_flat(archfd, de->d_name);
    if (d != NULL)
        closedir(d);
}

/* Is name a temp entry that fs_write_atomic_at or fs_symlink_atomic_at makes next
 * to one of a certificate directory's own names ("meta.json.tmp-Ab12Cd", "current.tmp-4242")? */
static bool is_cert_temp(const char *name)
{
    static const char *const own[] = {"meta.json", "current", "cert.pem", "chain.pem", "fullchain.pem",
                                      "privkey.pem"};

    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (str_has_prefix(name, own[i]) && str_has_prefix(name + strlen(own[i]), ".tmp-"))
            return true;
    return false;
}

/* Temp files and links a killed run left in certs/<name>/ (found by the kill -9
 * renewal test: each kill at the wrong moment left one more, for ever). Only old
 * ones go: manage/ writes meta.json under the lock, but the store cannot check its
 * callers, so a young temp file may still be another run's, about to be renamed. */
static void remove_stale_temps(int certfd)
{
    int fd = dup(certfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    struct stat sb;
    time_t now = time(NULL);

    if (d == NULL && fd >= 0)
        close(fd);
    while (d != NULL && (de = readdir(d)) != NULL)
        if (is_cert_temp(de->d_name) && fstatat(certfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISDIR(sb.st_mode) && sb.st_mtime + STALE_TEMP_S < now)
            unlinkat(certfd, de->d_name, 0);
    if (d != NULL)
        closedir(d);
}

/* Fill the temp directory tmp in archive/ and rename it to version. */
static int fill_and_rename(int archfd, const char *archpath, const char *tmp, const char *version,
                           const struct store_cert_files *f, struct err *err)
{
    char *tmppath = str_printf("%s/%s", archpath, tmp), *final = str_printf("%s/%s", archpath, version);
    int fd = -1, rc = tmppath && final ? CP_OK : err_nomem(err);

    if (rc == CP_OK)
        rc = open_dir_at(archfd, tmp, tmppath, false, &fd, err);
    if (rc == CP_OK)
        rc = write_version(fd, final, f, err);
    /* never over an existing name, be it a version, a file or a planted symlink */
    if (rc == CP_OK && renameat2(archfd, tmp, archfd, version, RENAME_NOREPLACE) != 0)
        rc = errno == EEXIST ? err_set(err, CP_EEXIST, "%s already exists; not overwriting it", final)
                             : err_set(err, CP_EIO, "cannot create %s: %s", final, strerror(errno));
    if (rc == CP_OK)
        rc = fs_fsync_fd(archfd, archpath, err);
    close_fd(&fd);
    free(tmppath);
    free(final);
    return rc;
}

/* archive/<version>: built under a temp name, then renamed into place. */
static int make_version(int certfd, const char *certpath, const char *version,
                        const struct store_cert_files *f, struct err *err)
{
    char *archpath = str_printf("%s/archive", certpath), *tmp = NULL;
    int archfd = -1, rc = archpath ? open_dir_at(certfd, "archive", archpath, true, &archfd, err)
                                   : err_nomem(err);

    if (rc == CP_OK)
        remove_stale(archfd);
    if (rc == CP_OK)
        rc = fs_mkdtemp_at(archfd, NEW_PREFIX, 0700, archpath, &tmp, err);
    if (rc == CP_OK && (rc = fill_and_rename(archfd, archpath, tmp, version, f, err)) != CP_OK)
        remove_flat(archfd, tmp);
    close_fd(&archfd);
    free(archpath);
    free(tmp);
    return rc;
}

/* Point current at the version, and the four names at current/ (already so after the first). */
static int switch_current(int certfd, const char *certpath, const char *version, bool has_key,
                          struct err *err)
{
    char *target = str_printf("archive/%s", version), *path = str_printf("%s/current", certpath);
    char *to = NULL, buf[64];
    int rc = target && path ? fs_symlink_atomic_at(certfd, target, "current", path, err) : err_nomem(err);

    /* a version without a key has no privkey.pem link, rather than one that leads nowhere */
    if (rc == CP_OK && !has_key && unlinkat(certfd, cert_files[3], 0) != 0 && errno != ENOENT)
        rc = err_set(err, CP_EIO, "cannot remove %s/%s: %s", certpath, cert_files[3], strerror(errno));
    for (size_t i = 0; rc == CP_OK && i < (has_key ? 4 : 3); i++) {
        ssize_t n = readlinkat(certfd, cert_files[i], buf, sizeof(buf) - 1);
        str_free(&path);
        path = str_printf("%s/%s", certpath, cert_files[i]);
        to = str_printf("current/%s", cert_files[i]);
        if (path == NULL || to == NULL)
            rc = err_nomem(err);
        else if (n < 0 || (size_t)n != strlen(to) || memcmp(buf, to, (size_t)n) != 0)
            rc = fs_symlink_atomic_at(certfd, to, cert_files[i], path, err);
        str_free(&to);
    }
    free(target);
    free(path);
    return rc;
}

int store_cert_save(const struct store *st, const char *name, const char *version,
                    const struct store_cert_files *f, const json_t *meta, struct err *err)
{
    char *certpath = str_printf("%s/certs/%s", st->root, name);
    char *metapath = store_cert_path(st, name, "meta.json");
    int certfd = -1, rc = certpath && metapath ? CP_OK : err_nomem(err);

    if (rc == CP_OK && (!store_name_valid(name) || !store_name_valid(version)))
        rc = err_set(err, CP_EUSAGE, "certificate name \"%s\" or version \"%s\" has characters "
                     "other than letters, digits, '.', '_' and '-'", name, version);
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("certs", name), true, &certfd, err);
    if (rc == CP_OK)
        remove_stale_temps(certfd);
    if (rc == CP_OK)
        rc = make_version(certfd, certpath, version, f, err);
    if (rc == CP_OK)
        rc = switch_current(certfd, certpath, version, f->privkey != NULL, err);
    if (rc == CP_OK)
        rc = write_json_at(certfd, "meta.json", metapath, meta, 0644, err);
    close_fd(&certfd);
    free(certpath);
    free(metapath);
    return rc;
}

/* ---------- listing ---------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void store_names_free(char **names, size_t n)
{
    for (size_t i = 0; names != NULL && i < n; i++)
        free(names[i]);
    free(names);
}

static int add_name(char ***names, size_t *n, const char *name)
{
    char **grown = realloc(*names, (*n + 1) * sizeof(char *));

    if (grown == NULL)
        return CP_ENOMEM;
    *names = grown;
    if ((grown[*n] = strdup(name)) == NULL)
        return CP_ENOMEM;
    (*n)++;
    return CP_OK;
}

/* The valid names of the directories in the open directory fd (closed here), sorted.
 * A temp name (".new-...") is never a valid name, so never listed. */
static int list_dirs(int fd, const char *path, char ***names, size_t *n, struct err *err)
{
    DIR *d = fdopendir(fd);
    struct dirent *de;
    struct stat sb;
    int rc = CP_OK;

    if (d == NULL) {
        close(fd);
        return err_set(err, CP_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    while (rc == CP_OK && (de = readdir(d)) != NULL)
        if (store_name_valid(de->d_name) && fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISDIR(sb.st_mode) && add_name(names, n, de->d_name) != CP_OK)
            rc = err_nomem(err);
    closedir(d);
    if (rc == CP_OK && *n > 1)
        qsort(*names, *n, sizeof(char *), cmp_names);
    return rc;
}

int store_cert_list(const struct store *st, char ***names, size_t *n, struct err *err)
{
    char *path = str_printf("%s/certs", st->root);
    int fd = -1, rc = path ? open_dirs(st, DIRS("certs"), false, &fd, err) : err_nomem(err);

    *names = NULL;
    *n = 0;
    if (rc == CP_ENOTFOUND) {
        err_clear(err);
        rc = CP_OK;
    } else if (rc == CP_OK) {
        rc = list_dirs(fd, path, names, n, err);
    }
    if (rc != CP_OK) {
        store_names_free(*names, *n);
        *names = NULL;
        *n = 0;
    }
    free(path);
    return rc;
}

int store_cert_versions(const struct store *st, const char *name, char ***versions, size_t *n,
                        struct err *err)
{
    char *path = str_printf("%s/certs/%s/archive", st->root, name);
    int fd = -1, rc = path ? check_names("certificate", name, NULL, err) : err_nomem(err);

    *versions = NULL;
    *n = 0;
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("certs", name, "archive"), false, &fd, err);
    if (rc == CP_OK)
        rc = list_dirs(fd, path, versions, n, err);
    if (rc != CP_OK) {
        store_names_free(*versions, *n);
        *versions = NULL;
        *n = 0;
    }
    free(path);
    return rc;
}

/* ---------- certificates: deleting one ---------- */

#define PURGE_PREFIX ".purge-"
#define TREE_DEPTH 3  /* certs/<name>/archive/<version>/<file> */

/* Remove directory name in dirfd with everything in it, at most depth levels down,
 * never through a symlink (a link is removed, not followed). 0 or -1 (errno kept). */
static int remove_tree(int dirfd, const char *name, int depth)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    struct stat sb;

    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            rc = -1;
        else if (S_ISDIR(sb.st_mode))
            rc = (depth > 0 ? remove_tree(fd, de->d_name, depth - 1) : -1) != 0 ? -1 : rc;
        else if (unlinkat(fd, de->d_name, 0) != 0)
            rc = -1;
    }
    closedir(d);
    return unlinkat(dirfd, name, AT_REMOVEDIR) != 0 ? -1 : rc;
}

/* Rename certs/<name> to base in tofd (base-2, base-3... when taken); *moved the name used. */
static int move_out(int certsfd, const char *name, int tofd, const char *base, char **moved,
                    struct err *err)
{
    for (int n = 1; n <= 100; n++) {
        char *to = n == 1 ? strdup(base) : str_printf("%s-%d", base, n);
        if (to == NULL)
            return err_nomem(err);
        if (renameat2(certsfd, name, tofd, to, RENAME_NOREPLACE) == 0) {
            *moved = to;
            return CP_OK;
        }
        free(to);
        if (errno != EEXIST && errno != ENOTEMPTY)
            return err_set(err, CP_EIO, "cannot move certificate %s out of the store: %s", name, strerror(errno));
    }
    return err_set(err, CP_EEXIST, "cannot move certificate %s out of the store: %s-2 to -100 are taken", name,
                   base);
}

/* The directory it goes to: deleted/ (made when missing), or certs/ itself for a purge. */
static int delete_target(const struct store *st, int certsfd, const char *name, const char *stamp, bool purge,
                         int *tofd, char **base, struct err *err)
{
    *base = str_printf("%s%s-%s", purge ? PURGE_PREFIX : "", name, stamp);
    if (*base == NULL)
        return err_nomem(err);
    if (!purge && !store_name_valid(*base))
        return err_set(err, CP_EUSAGE, "\"%s\" is not a valid archive name", *base);
    if (purge)
        return (*tofd = dup(certsfd)) >= 0 ? CP_OK : err_set(err, CP_EIO, "dup: %s", strerror(errno));
    return open_dirs(st, DIRS("deleted"), true, tofd, err);
}

int store_cert_delete(const struct store *st, const char *name, const char *stamp, bool purge, char **kept,
                      struct err *err)
{
    char *base = NULL, *moved = NULL;
    int certsfd = -1, certfd = -1, tofd = -1, rc = check_names("certificate", name, NULL, err);

    if (kept != NULL)
        *kept = NULL;
    /* a real directory of ours, not a link planted in its place */
    if (rc == CP_OK && (rc = open_dirs(st, DIRS("certs", name), false, &certfd, err)) == CP_ENOTFOUND)
        rc = err_set(err, CP_ENOTFOUND, "no certificate named %s in %s/certs", name, st->root);
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("certs"), false, &certsfd, err);
    if (rc == CP_OK)
        rc = delete_target(st, certsfd, name, stamp, purge, &tofd, &base, err);
    if (rc == CP_OK)
        rc = move_out(certsfd, name, tofd, base, &moved, err);
    if (rc == CP_OK && (rc = fs_fsync_fd(certsfd, "certs", err)) == CP_OK && !purge)
        rc = fs_fsync_fd(tofd, "deleted", err);
    if (rc == CP_OK && purge && remove_tree(certsfd, moved, TREE_DEPTH) != 0)
        rc = err_set(err, CP_EIO, "certificate %s left the store, but %s/certs/%s could not be removed in full: %s",
                     name, st->root, moved, strerror(errno));
    if (rc == CP_OK && !purge && kept != NULL && (*kept = str_printf("%s/deleted/%s", st->root, moved)) == NULL)
        rc = err_nomem(err);
    close_fd(&certfd);
    close_fd(&certsfd);
    close_fd(&tofd);
    free(base);
    free(moved);
    return rc;
}

/* ---------- accounts: key rollover (RFC 8555 §7.3.5) and listing ---------- */

#define PENDING_KEY "key-new.pem"

static int account_dir_fd(const struct store *st, const char *ca_id, const char *account, bool create,
                          int *fd, struct err *err)
{
    int rc = check_account(ca_id, account, err);

    *fd = -1;
    return rc == CP_OK ? open_dirs(st, DIRS("accounts", ca_id, account), create, fd, err) : rc;
}

/* A key file of the account directory: write it new (never over anything) or read it. */
static int account_key_io(const struct store *st, const char *ca_id, const char *account, const char *file,
                          const char *wpem, size_t wlen, char **rpem, size_t *rlen, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account), *path = dir ? str_printf("%s/%s", dir, file) : NULL;
    int fd = -1, rc = path ? account_dir_fd(st, ca_id, account, wpem != NULL, &fd, err) : err_nomem(err);

    if (rc == CP_OK && wpem != NULL)
        rc = fs_write_new_at(fd, file, path, wpem, wlen, 0600, err);
    else if (rc == CP_OK)
        rc = fs_read_at(fd, file, path, MAX_KEY_FILE, rpem, rlen, err);
    close_fd(&fd);
    free(dir);
    free(path);
    return rc;
}

int store_account_pending_key_save(const struct store *st, const char *ca_id, const char *account,
                                   const char *pem, size_t len, struct err *err)
{
    return account_key_io(st, ca_id, account, PENDING_KEY, pem, len, NULL, NULL, err);
}

int store_account_pending_key_load(const struct store *st, const char *ca_id, const char *account,
                                   char **pem, size_t *len, struct err *err)
{
    *pem = NULL;
    *len = 0;
    return account_key_io(st, ca_id, account, PENDING_KEY, NULL, 0, pem, len, err);
}

int store_account_pending_key_remove(const struct store *st, const char *ca_id, const char *account,
                                     struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account);
    int fd = -1, rc = dir ? account_dir_fd(st, ca_id, account, false, &fd, err) : err_nomem(err);

    if (rc == CP_OK && unlinkat(fd, PENDING_KEY, 0) != 0 && errno != ENOENT)
        rc = err_set(err, CP_EIO, "cannot remove %s/%s: %s", dir, PENDING_KEY, strerror(errno));
    if (rc == CP_OK)
        rc = fs_fsync_fd(fd, dir, err);
    close_fd(&fd);
    free(dir);
    return rc;
}

/* Write key into archive/<file> unless another file is there; the same bytes there
 * already are a retry (CP_OK), other bytes CP_EEXIST. */
static int archive_one(int afd, const char *arch, const char *file, const char *key, size_t len,
                       char **path, struct err *err)
{
    char *old = NULL;
    size_t olen = 0;
    int rc;

    if ((*path = str_printf("%s/%s", arch, file)) == NULL)
        return err_nomem(err);
    rc = fs_write_new_at(afd, file, *path, key, len, 0600, err);
    if (rc == CP_EEXIST && fs_read_at(afd, file, *path, MAX_KEY_FILE, &old, &olen, NULL) == CP_OK &&
        olen == len && memcmp(old, key, len) == 0) {
        err_clear(err);
        rc = CP_OK;
    }
    secret_free(old, olen);
    if (rc != CP_OK)
        str_free(path);
    return rc;
}

/* Copy the current key.pem to archive/<stamp>-key.pem (or <stamp>-<n>-key.pem when
 * a key changed twice in one second): 0600, never over another file. */
static int archive_key(int fd, const char *dir, const char *stamp, char **archived, struct err *err)
{
    char *arch = str_printf("%s/archive", dir), *cur = NULL, *file = NULL;
    size_t clen = 0;
    int afd = -1, rc = arch ? CP_OK : err_nomem(err);

    if (rc == CP_OK && !store_name_valid(stamp))
        rc = err_set(err, CP_EUSAGE, "\"%s\" is not a usable time stamp", stamp);
    if (rc == CP_OK)
        rc = fs_read_at(fd, "key.pem", dir, MAX_KEY_FILE, &cur, &clen, err);
    if (rc == CP_OK)
        rc = open_dir_at(fd, "archive", arch, true, &afd, err);
    for (int i = 1; rc == CP_OK && *archived == NULL && i < 100; i++) {
        file = i == 1 ? str_printf("%s-key.pem", stamp) : str_printf("%s-%d-key.pem", stamp, i);
        rc = file ? archive_one(afd, arch, file, cur, clen, archived, err) : err_nomem(err);
        if (rc == CP_EEXIST && i < 99) {
            err_clear(err);
            rc = CP_OK;
        }
        str_free(&file);
    }
    close_fd(&afd);
    secret_free(cur, clen);
    free(arch);
    return rc;
}

int store_account_key_promote(const struct store *st, const char *ca_id, const char *account,
                              const char *stamp, char **archived, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account), *kept = NULL;
    int fd = -1, rc = dir ? account_dir_fd(st, ca_id, account, false, &fd, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = archive_key(fd, dir, stamp, &kept, err);
    /* rename(2) is atomic: key.pem is the old key or the new one, never neither */
    if (rc == CP_OK && renameat(fd, PENDING_KEY, fd, "key.pem") != 0)
        rc = err_set(err, errno == ENOENT ? CP_ENOTFOUND : CP_EIO, "cannot move %s/%s to key.pem: %s", dir,
                     PENDING_KEY, strerror(errno));
    if (rc == CP_OK)
        rc = fs_fsync_fd(fd, dir, err);
    if (rc == CP_OK && archived != NULL) {
        *archived = kept;
        kept = NULL;
    }
    close_fd(&fd);
    free(kept);
    free(dir);
    return rc;
}

/* The account directories of one CA directory, appended as pairs. */
static int list_ca(const struct store *st, const char *ca_id, char ***cas, char ***names, size_t *n,
                   struct err *err)
{
    char *path = str_printf("%s/accounts/%s", st->root, ca_id), **acc = NULL;
    size_t na = 0, nc = *n;
    int fd = -1, rc = path ? open_dirs(st, DIRS("accounts", ca_id), false, &fd, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = list_dirs(fd, path, &acc, &na, err);
    for (size_t i = 0; rc == CP_OK && i < na; i++, nc = *n)
        if (add_name(cas, &nc, ca_id) != CP_OK || add_name(names, n, acc[i]) != CP_OK)
            rc = err_nomem(err);
    store_names_free(acc, na);
    free(path);
    return rc;
}

int store_account_list(const struct store *st, char ***ca_ids, char ***names, size_t *n, struct err *err)
{
    char *path = str_printf("%s/accounts", st->root), **cas = NULL;
    size_t nca = 0;
    int fd = -1, rc = path ? open_dirs(st, DIRS("accounts"), false, &fd, err) : err_nomem(err);

    *ca_ids = *names = NULL;
    *n = 0;
    if (rc == CP_ENOTFOUND) {
        err_clear(err);
        rc = CP_OK;
    } else if (rc == CP_OK) {
        rc = list_dirs(fd, path, &cas, &nca, err);
    }
    for (size_t i = 0; rc == CP_OK && i < nca; i++)
        rc = list_ca(st, cas[i], ca_ids, names, n, err);
    if (rc != CP_OK) {
        store_names_free(*ca_ids, *n);
        store_names_free(*names, *n);
        *ca_ids = *names = NULL;
        *n = 0;
    }
    store_names_free(cas, nca);
    free(path);
    return rc;
}

/* ---------- locks ---------- */

struct store_lock {
    int fd;
};

static int open_lock(int dirfd, const char *file, const char *path, int *fd, struct err *err)
{
    *fd = openat(dirfd, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (*fd < 0 && errno == ELOOP)
        return err_set(err, CP_EINVALID, "lock %s is a symbolic link; refusing to follow it (remove it)", path);
    if (*fd < 0)
        return err_set(err, CP_EIO, "cannot open lock %s: %s", path, strerror(errno));
    return CP_OK;
}

int store_lock(const struct store *st, const char *name, struct store_lock **out, struct err *err)
{
    char *file = str_printf("%s.lock", name), *path = str_printf("%s/locks/%s.lock", st->root, name);
    int dirfd = -1, fd = -1, rc = file && path ? check_names("certificate", name, NULL, err) : err_nomem(err);

    *out = NULL;
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("locks"), true, &dirfd, err);
    if (rc == CP_OK)
        rc = open_lock(dirfd, file, path, &fd, err);
    if (rc == CP_OK && flock(fd, LOCK_EX | LOCK_NB) != 0)
        rc = errno == EWOULDBLOCK
                 ? err_set(err, CP_EBUSY, "certificate %s is being issued by another certpilot (lock %s)", name, path)
                 : err_set(err, CP_EIO, "cannot lock %s: %s", path, strerror(errno));
    if (rc == CP_OK && (*out = malloc(sizeof(**out))) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        (*out)->fd = fd;
    else
        close_fd(&fd);
    close_fd(&dirfd);
    free(file);
    free(path);
    return rc;
}

void store_unlock(struct store_lock *lock)
{
    if (lock == NULL)
        return;
    /* Unlock before closing: a flock belongs to the open file, and a child another
     * thread has just forked holds a copy of this descriptor until it closes it on its
     * way to execve; a plain close would leave the lock held by that copy, and our
     * own next store_lock of this certificate would find it busy. */
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    free(lock);
}

/* ---------- certificates: the read side ---------- */

int store_cert_load_meta(const struct store *st, const char *name, json_t **meta, struct err *err)
{
    char *path = store_cert_path(st, name, "meta.json");
    int fd = -1, rc = path ? check_names("certificate", name, NULL, err) : err_nomem(err);

    *meta = NULL;
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("certs", name), false, &fd, err);
    if (rc == CP_ENOTFOUND) {
        err_clear(err);
        rc = CP_OK;
    } else if (rc == CP_OK) {
        rc = read_json_at(fd, "meta.json", path, meta, err);
    }
    close_fd(&fd);
    free(path);
    return rc;
}

int store_cert_save_meta(const struct store *st, const char *name, const json_t *meta, struct err *err)
{
    char *path = store_cert_path(st, name, "meta.json");
    int fd = -1, rc = path ? check_names("certificate", name, NULL, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("certs", name), false, &fd, err);
    if (rc == CP_OK)
        rc = write_json_at(fd, "meta.json", path, meta, 0644, err);
    close_fd(&fd);
    free(path);
    return rc;
}

/* The version current points at: "archive/<version>" and nothing else, read, never followed. */
static int current_version(int certfd, const char *certpath, const char *name, char **out, struct err *err)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(certfd, "current", target, sizeof(target) - 1);
    const char *v = target + strlen("archive/");
    int e = errno;

    if (n < 0 && e == ENOENT)
        return err_set(err, CP_ENOTFOUND, "certificate %s: %s/current: no current version", name, certpath);
    if (n < 0)
        return err_set(err, CP_EINVALID, "certificate %s: %s/current: %s", name, certpath,
                       e == EINVAL ? "not a symbolic link" : strerror(e));
    target[n] = '\0';
    if (!str_has_prefix(target, "archive/") || !store_name_valid(v))
        return err_set(err, CP_EINVALID, "certificate %s: current points at \"%s\", not at a version",
                       name, target);
    return (*out = strdup(v)) ? CP_OK : err_nomem(err);
}

static int read_version(const struct store *st, const char *name, int verfd, unsigned flags,
                        struct store_cert *out, struct err *err)
{
    char **dst[4] = {&out->cert, &out->chain, &out->fullchain, &out->privkey};
    size_t ignored = 0, *lens[4] = {&ignored, &ignored, &ignored, &out->privkey_len};
    char *path = NULL;
    int rc = CP_OK;

    for (size_t i = 0; rc == CP_OK && i < ((flags & (STORE_READ_KEY | STORE_READ_KEY_IF_ANY)) ? 4 : 3); i++) {
        path = str_printf("%s/certs/%s/archive/%s/%s", st->root, name, out->version, cert_files[i]);
        rc = path ? fs_read_at(verfd, cert_files[i], path, MAX_META_FILE, dst[i], lens[i], err)
                  : err_nomem(err);
        if (rc == CP_ENOTFOUND && i == 3 && !(flags & STORE_READ_KEY))
            rc = CP_OK;  /* no key of ours in this version */
        if (rc == CP_ENOTFOUND)
            rc = err_set(err, CP_EINVALID, "%s is missing", path);
        str_free(&path);
    }
    return rc;
}

int store_cert_load(const struct store *st, const char *name, unsigned flags, struct store_cert *out,
                    struct err *err)
{
    char *certpath = str_printf("%s/certs/%s", st->root, name);
    char *metapath = store_cert_path(st, name, "meta.json");
    int certfd = -1, verfd = -1, rc = certpath && metapath ? CP_OK : err_nomem(err);

    memset(out, 0, sizeof(*out));
    if (rc == CP_OK && !store_name_valid(name))
        rc = err_set(err, CP_EUSAGE, "\"%s\" is not a certificate name", name);
    if (rc == CP_OK && (rc = open_dirs(st, DIRS("certs", name), false, &certfd, err)) == CP_ENOTFOUND)
        rc = err_set(err, CP_ENOTFOUND, "no certificate named %s in %s/certs", name, st->root);
    if (rc == CP_OK)
        rc = current_version(certfd, certpath, name, &out->version, err);
    if (rc == CP_OK &&
        (rc = open_dirs(st, DIRS("certs", name, "archive", out->version), false, &verfd, err)) == CP_ENOTFOUND)
        rc = err_set(err, CP_EINVALID, "certificate %s: current points at archive/%s, which is missing",
                     name, out->version);
    if (rc == CP_OK)
        rc = read_version(st, name, verfd, flags, out, err);
    if (rc == CP_OK)
        rc = read_json_at(certfd, "meta.json", metapath, &out->meta, err);
    if (rc != CP_OK)
        store_cert_free(out);
    close_fd(&certfd);
    close_fd(&verfd);
    free(certpath);
    free(metapath);
    return rc;
}

void store_cert_free(struct store_cert *c)
{
    if (c == NULL)
        return;
    free(c->version);
    free(c->cert);
    free(c->chain);
    free(c->fullchain);
    secret_free(c->privkey, c->privkey_len);
    json_decref(c->meta);
    memset(c, 0, sizeof(*c));
}

int store_private_dir(const struct store *st, const char *name, char **path, struct err *err)
{
    int fd = -1, rc = check_names("state directory", name, NULL, err);

    *path = NULL;
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("journal", name), true, &fd, err);
    close_fd(&fd);
    if (rc == CP_OK && (*path = str_printf("%s/journal/%s", st->root, name)) == NULL)
        rc = err_nomem(err);
    return rc;
}

/* ---------- the journal ---------- */

/* journal/ and the file and path of name's journal in it. */
static int journal_open(const struct store *st, const char *name, bool create, int *fd, char **file,
                        char **path, struct err *err)
{
    int rc = check_names("certificate", name, NULL, err);

    *fd = -1;
    *file = str_printf("%s.json", name);
    *path = str_printf("%s/journal/%s.json", st->root, name);
    if (rc == CP_OK && (*file == NULL || *path == NULL))
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = open_dirs(st, DIRS("journal"), create, fd, err);
    return rc;
}

int store_journal_write(const struct store *st, const char *name, const json_t *j, struct err *err)
{
    char *file = NULL, *path = NULL;
    int fd = -1, rc = journal_open(st, name, true, &fd, &file, &path, err);

    if (rc == CP_OK)
        rc = write_json_at(fd, file, path, j, 0600, err);
    close_fd(&fd);
    free(file);
    free(path);
    return rc;
}

int store_journal_read(const struct store *st, const char *name, json_t **j, struct err *err)
{
    char *file = NULL, *path = NULL;
    int fd = -1, rc = journal_open(st, name, false, &fd, &file, &path, err);

    *j = NULL;
    if (rc == CP_ENOTFOUND) {
        err_clear(err);
        rc = CP_OK;
    } else if (rc == CP_OK) {
        rc = read_json_at(fd, file, path, j, err);
    }
    close_fd(&fd);
    free(file);
    free(path);
    return rc;
}

int store_journal_remove(const struct store *st, const char *name, struct err *err)
{
    char *file = NULL, *path = NULL;
    int fd = -1, rc = journal_open(st, name, false, &fd, &file, &path, err);

    if (rc == CP_ENOTFOUND) {
        err_clear(err);
        rc = CP_OK;
    } else if (rc == CP_OK && unlinkat(fd, file, 0) != 0 && errno != ENOENT) {
        rc = err_set(err, CP_EIO, "cannot remove %s: %s", path, strerror(errno));
    } else if (rc == CP_OK) {
        rc = fs_fsync_fd(fd, path, err);
    }
    close_fd(&fd);
    free(file);
    free(path);
    return rc;
}
