#include "store/store.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/str.h"

#define MAX_KEY_FILE (64 * 1024)
#define MAX_META_FILE (1024 * 1024)

struct store {
    char *root;
};

static const char *const cert_files[] = {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"};

int store_open(const char *root, struct store **out, struct err *err)
{
    struct store *st = NULL;
    int rc;

    *out = NULL;
    if (root == NULL || *root == '\0')
        return err_set(err, CP_EUSAGE, "state directory is empty");
    if ((rc = fs_mkdirs(root, 0700, err)) != CP_OK)
        return rc;
    st = calloc(1, sizeof(*st));
    if (st == NULL || (st->root = strdup(root)) == NULL) {
        free(st);
        return err_nomem(err);
    }
    *out = st;
    return CP_OK;
}

void store_free(struct store *st)
{
    if (st == NULL)
        return;
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

char *store_account_dir(const struct store *st, const char *ca_id, const char *account)
{
    return str_printf("%s/accounts/%s/%s", st->root, ca_id, account);
}

int store_account_load(const struct store *st, const char *ca_id, const char *account,
                       char **pem, size_t *len, json_t **meta, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account);
    char *key = dir ? str_printf("%s/key.pem", dir) : NULL;
    char *js = dir ? str_printf("%s/account.json", dir) : NULL;
    json_error_t jerr;
    int rc;

    *meta = NULL;
    if (key == NULL || js == NULL) {
        rc = err_nomem(err);
        goto out;
    }
    rc = fs_read(key, MAX_KEY_FILE, pem, len, err);
    if (rc == CP_ENOTFOUND)
        err_set(err, rc, "no account \"%s\" for this CA in %s (create it with `certpilot account new`)",
                account, dir);
    if (rc != CP_OK || !fs_exists(js))
        goto out;
    *meta = json_load_file(js, JSON_REJECT_DUPLICATES, &jerr);
    if (*meta == NULL)
        rc = err_set(err, CP_EINVALID, "%s: %s (line %d)", js, jerr.text, jerr.line);
out:
    free(dir);
    free(key);
    free(js);
    return rc;
}

int store_account_save_key(const struct store *st, const char *ca_id, const char *account,
                           const char *pem, size_t len, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account);
    char *key = dir ? str_printf("%s/key.pem", dir) : NULL;
    int rc = key ? fs_mkdirs(dir, 0700, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = fs_write_new(key, pem, len, 0600, err);
    free(dir);
    free(key);
    return rc;
}

static int write_json(const char *path, const json_t *obj, struct err *err)
{
    char *text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc;

    if (text == NULL)
        return err_nomem(err);
    rc = fs_write_atomic(path, text, strlen(text), 0644, err);
    free(text);
    return rc;
}

int store_account_save_meta(const struct store *st, const char *ca_id, const char *account,
                            const json_t *meta, struct err *err)
{
    char *dir = store_account_dir(st, ca_id, account);
    char *path = dir ? str_printf("%s/account.json", dir) : NULL;
    int rc = path ? fs_mkdirs(dir, 0700, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = write_json(path, meta, err);
    free(dir);
    free(path);
    return rc;
}

char *store_cert_path(const struct store *st, const char *name, const char *file)
{
    return str_printf("%s/certs/%s/%s", st->root, name, file);
}

/* Write the version's files into a fresh temp directory inside archive/. */
static int write_version(const char *tmpdir, const struct store_cert_files *f, struct err *err)
{
    char *paths[4] = {NULL, NULL, NULL, NULL};
    char *full = str_printf("%s%s", f->cert, f->chain);
    int rc = CP_OK;

    for (size_t i = 0; i < 4; i++)
        if ((paths[i] = str_printf("%s/%s", tmpdir, cert_files[i])) == NULL)
            rc = err_nomem(err);
    if (full == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = fs_write_new(paths[3], f->privkey, f->privkey_len, 0600, err);
    if (rc == CP_OK)
        rc = fs_write_new(paths[0], f->cert, strlen(f->cert), 0644, err);
    if (rc == CP_OK)
        rc = fs_write_new(paths[1], f->chain, strlen(f->chain), 0644, err);
    if (rc == CP_OK)
        rc = fs_write_new(paths[2], full, strlen(full), 0644, err);
    for (size_t i = 0; i < 4; i++)
        free(paths[i]);
    free(full);
    return rc;
}

static void remove_tree_flat(const char *dir)
{
    char *p;

    for (size_t i = 0; i < 4; i++) {
        if ((p = str_printf("%s/%s", dir, cert_files[i])) != NULL)
            unlink(p);
        free(p);
    }
    rmdir(dir);
}

/* archive/<version>: built under a temp name, then renamed into place. */
static int make_version(const char *certdir, const char *version, const struct store_cert_files *f,
                        struct err *err)
{
    char *archive = str_printf("%s/archive", certdir);
    char *tmp = str_printf("%s/archive/.new-XXXXXX", certdir);
    char *final = str_printf("%s/archive/%s", certdir, version);
    int rc = archive && tmp && final ? fs_mkdirs(archive, 0755, err) : err_nomem(err);

    if (rc == CP_OK && mkdtemp(tmp) == NULL)
        rc = err_set(err, CP_EIO, "cannot create a directory in %s: %s", archive, strerror(errno));
    else if (rc == CP_OK && chmod(tmp, 0755) != 0)
        rc = err_set(err, CP_EIO, "cannot chmod %s: %s", tmp, strerror(errno));
    if (rc == CP_OK)
        rc = write_version(tmp, f, err);
    if (rc == CP_OK && fs_exists(final))
        rc = err_set(err, CP_EEXIST, "%s already exists; not overwriting it", final);
    if (rc == CP_OK && rename(tmp, final) != 0)
        rc = err_set(err, CP_EIO, "cannot create %s: %s", final, strerror(errno));
    if (rc != CP_OK && tmp != NULL)
        remove_tree_flat(tmp);
    if (rc == CP_OK)
        rc = fs_fsync_dir(archive, err);
    free(archive);
    free(tmp);
    free(final);
    return rc;
}

/* Point current at the version, and the four names at current/. */
static int switch_current(const char *certdir, const char *version, struct err *err)
{
    char *target = str_printf("archive/%s", version);
    char *cur = str_printf("%s/current", certdir);
    char *link = NULL, *to = NULL;
    int rc = target && cur ? fs_symlink_atomic(target, cur, err) : err_nomem(err);

    for (size_t i = 0; rc == CP_OK && i < 4; i++) {
        link = str_printf("%s/%s", certdir, cert_files[i]);
        to = str_printf("current/%s", cert_files[i]);
        rc = link && to ? fs_symlink_atomic(to, link, err) : err_nomem(err);
        str_free(&link);
        str_free(&to);
    }
    free(target);
    free(cur);
    return rc;
}

int store_cert_save(const struct store *st, const char *name, const char *version,
                    const struct store_cert_files *f, const json_t *meta, struct err *err)
{
    char *certdir = str_printf("%s/certs/%s", st->root, name);
    char *metapath = store_cert_path(st, name, "meta.json");
    int rc = certdir && metapath ? CP_OK : err_nomem(err);

    if (rc == CP_OK && (!store_name_valid(name) || !store_name_valid(version)))
        rc = err_set(err, CP_EUSAGE, "certificate name \"%s\" or version \"%s\" has characters "
                     "other than letters, digits, '.', '_' and '-'", name, version);
    if (rc == CP_OK)
        rc = fs_mkdirs(certdir, 0755, err);
    if (rc == CP_OK)
        rc = make_version(certdir, version, f, err);
    if (rc == CP_OK)
        rc = switch_current(certdir, version, err);
    if (rc == CP_OK)
        rc = write_json(metapath, meta, err);
    free(certdir);
    free(metapath);
    return rc;
}

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

int store_cert_list(const struct store *st, char ***names, size_t *n, struct err *err)
{
    char *dir = str_printf("%s/certs", st->root);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *de;
    int rc = CP_OK;

    *names = NULL;
    *n = 0;
    if (d == NULL) {
        if (dir != NULL && errno != ENOENT)
            rc = err_set(err, CP_EIO, "cannot read %s: %s", dir, strerror(errno));
        free(dir);
        return dir ? rc : err_nomem(err);
    }
    while (rc == CP_OK && (de = readdir(d)) != NULL)
        if (store_name_valid(de->d_name) && add_name(names, n, de->d_name) != CP_OK)
            rc = err_nomem(err);
    closedir(d);
    free(dir);
    if (rc == CP_OK && *n > 1)
        qsort(*names, *n, sizeof(char *), cmp_names);
    return rc;
}

struct store_lock {
    int fd;
};

int store_lock(const struct store *st, const char *name, struct store_lock **out, struct err *err)
{
    char *dir = str_printf("%s/locks", st->root);
    char *path = str_printf("%s/locks/%s.lock", st->root, name);
    int rc = dir && path ? fs_mkdirs(dir, 0700, err) : err_nomem(err);
    int fd = -1;

    *out = NULL;
    if (rc == CP_OK && (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
        rc = err_set(err, CP_EIO, "cannot open lock %s: %s", path, strerror(errno));
    if (rc == CP_OK && flock(fd, LOCK_EX | LOCK_NB) != 0)
        rc = errno == EWOULDBLOCK
                 ? err_set(err, CP_EEXIST, "certificate %s is being issued by another certpilot (lock %s)", name, path)
                 : err_set(err, CP_EIO, "cannot lock %s: %s", path, strerror(errno));
    if (rc == CP_OK && (*out = malloc(sizeof(**out))) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        (*out)->fd = fd;
    else if (fd >= 0)
        close(fd);
    free(dir);
    free(path);
    return rc;
}

void store_unlock(struct store_lock *lock)
{
    if (lock == NULL)
        return;
    close(lock->fd);
    free(lock);
}

static int read_json(const char *path, json_t **out, struct err *err)
{
    json_error_t jerr;

    *out = NULL;
    if (!fs_exists(path))
        return CP_OK;
    *out = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL)
        return err_set(err, CP_EINVALID, "%s: %s (line %d)", path, jerr.text, jerr.line);
    return CP_OK;
}

int store_cert_load_meta(const struct store *st, const char *name, json_t **meta, struct err *err)
{
    char *path = store_cert_path(st, name, "meta.json");
    int rc = path ? read_json(path, meta, err) : err_nomem(err);

    free(path);
    return rc;
}

int store_cert_save_meta(const struct store *st, const char *name, const json_t *meta, struct err *err)
{
    char *path = store_cert_path(st, name, "meta.json");
    int rc = path ? write_json(path, meta, err) : err_nomem(err);

    free(path);
    return rc;
}

/* The version current points at: "archive/<version>" with nothing else in it. */
static int current_version(const char *certdir, const char *name, char **out, struct err *err)
{
    char *cur = str_printf("%s/current", certdir), target[PATH_MAX];
    ssize_t n = cur ? readlink(cur, target, sizeof(target) - 1) : -1;
    const char *v;

    if (cur == NULL)
        return err_nomem(err);
    if (n < 0) {
        int e = errno;
        err_set(err, e == ENOENT ? CP_ENOTFOUND : CP_EINVALID, "certificate %s: %s: %s", name, cur,
                e == ENOENT ? "no current version" : strerror(e));
        free(cur);
        return e == ENOENT ? CP_ENOTFOUND : CP_EINVALID;
    }
    free(cur);
    target[n] = '\0';
    v = target + strlen("archive/");
    if (!str_has_prefix(target, "archive/") || !store_name_valid(v))
        return err_set(err, CP_EINVALID, "certificate %s: current points at \"%s\", not at a version",
                       name, target);
    return (*out = strdup(v)) ? CP_OK : err_nomem(err);
}

static int read_version_file(const char *certdir, const char *version, const char *file,
                             char **out, size_t *len, struct err *err)
{
    char *path = str_printf("%s/archive/%s/%s", certdir, version, file);
    size_t ignored = 0;
    int rc = path ? fs_read(path, MAX_META_FILE, out, len ? len : &ignored, err) : err_nomem(err);

    if (rc == CP_ENOTFOUND)
        rc = err_set(err, CP_EINVALID, "%s is missing", path);
    free(path);
    return rc;
}

int store_cert_load(const struct store *st, const char *name, unsigned flags, struct store_cert *out,
                    struct err *err)
{
    char *certdir = str_printf("%s/certs/%s", st->root, name);
    int rc = certdir ? CP_OK : err_nomem(err);

    memset(out, 0, sizeof(*out));
    if (rc == CP_OK && !store_name_valid(name))
        rc = err_set(err, CP_EUSAGE, "\"%s\" is not a certificate name", name);
    if (rc == CP_OK && !fs_exists(certdir))
        rc = err_set(err, CP_ENOTFOUND, "no certificate named %s in %s/certs", name, st->root);
    if (rc == CP_OK)
        rc = current_version(certdir, name, &out->version, err);
    if (rc == CP_OK)
        rc = read_version_file(certdir, out->version, cert_files[0], &out->cert, NULL, err);
    if (rc == CP_OK)
        rc = read_version_file(certdir, out->version, cert_files[1], &out->chain, NULL, err);
    if (rc == CP_OK)
        rc = read_version_file(certdir, out->version, cert_files[2], &out->fullchain, NULL, err);
    if (rc == CP_OK && (flags & STORE_READ_KEY))
        rc = read_version_file(certdir, out->version, cert_files[3], &out->privkey, &out->privkey_len, err);
    if (rc == CP_OK)
        rc = store_cert_load_meta(st, name, &out->meta, err);
    if (rc != CP_OK)
        store_cert_free(out);
    free(certdir);
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
