/*
 * deploy/files — copy the certificate, chain, fullchain, key and HAProxy's
 * combined file (key followed by fullchain) to configured paths, each
 * written atomically with its owner, group and mode, and run a reload
 * command only when some file's content changed. The directories on the way
 * are walked by fsio's rule: a symbolic link that someone but root could have
 * planted (the owner= user in its own directory, say) is refused, so root's
 * files never land, chowned, where another user pointed.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deploy/common.h"
#include "util/fsio.h"
#include "util/str.h"

#define WHAT "files"
#define MAX_COMPARE (1L << 20)  /* files larger than this are simply rewritten */
#define RELOAD_TIMEOUT_S 60

enum kind { K_CERT, K_CHAIN, K_FULLCHAIN, K_KEY, K_COMBINED, K_COUNT };

static const char *const kind_key[K_COUNT] = {"cert", "chain", "fullchain", "key", "combined"};
/* The names dir= gives; the combined file only when asked for by path. */
static const char *const dir_file[K_COUNT] = {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem",
                                              NULL};

static const char *const known[] = {
    "dir", "cert", "chain", "fullchain", "key", "combined", "owner", "group", "mode", "key_mode",
    "reload", "shell", "reload_timeout", NULL,
};

struct files_target {
    struct deploy_target base;
    const struct logger *log;
    char *path[K_COUNT];  /* NULL: not written */
    struct fs_attrs attrs, key_attrs;
    struct deploy_cmd reload;
};

static bool is_secret(enum kind k)
{
    return k == K_KEY || k == K_COMBINED;
}

static void files_free(struct deploy_target *base)
{
    struct files_target *t = (struct files_target *)base;

    if (t == NULL)
        return;
    for (int k = 0; k < K_COUNT; k++)
        free(t->path[k]);
    deploy_cmd_free(&t->reload);
    free(t);
}

/* Two kinds at one path would overwrite each other on every run (and reload every time). */
static int check_distinct(const struct files_target *t, struct err *err)
{
    for (int a = 0; a < K_COUNT; a++)
        for (int b = a + 1; b < K_COUNT; b++)
            if (t->path[a] != NULL && t->path[b] != NULL && strcmp(t->path[a], t->path[b]) == 0)
                return err_set(err, CP_EUSAGE, WHAT ": %s and %s are the same file %s", kind_key[a],
                               kind_key[b], t->path[a]);
    return CP_OK;
}

/* The paths: explicit settings win over dir=; at least one file, no two alike. */
static int read_paths(struct files_target *t, const struct kvlist *s, struct err *err)
{
    char *dir = NULL;
    int rc = deploy_get_path(s, "dir", &dir, WHAT, err), any = 0;

    for (int k = 0; rc == CP_OK && k < K_COUNT; k++) {
        rc = deploy_get_path(s, kind_key[k], &t->path[k], WHAT, err);
        if (rc == CP_OK && t->path[k] == NULL && dir != NULL && dir_file[k] != NULL &&
            (t->path[k] = str_printf("%s/%s", dir, dir_file[k])) == NULL)
            rc = err_nomem(err);
        any |= t->path[k] != NULL;
    }
    free(dir);
    if (rc == CP_OK && !any)
        rc = err_set(err, CP_EUSAGE,
                     WHAT ": nothing to write (set dir, or one of cert, chain, fullchain, key, combined)");
    return rc == CP_OK ? check_distinct(t, err) : rc;
}

static int read_modes(struct files_target *t, const struct kvlist *s, struct err *err)
{
    uid_t uid;
    gid_t gid;
    int rc = deploy_get_owner(s, &uid, &gid, WHAT, err);

    if (rc == CP_OK)
        rc = deploy_get_mode(s, "mode", 0644, false, &t->attrs.mode, WHAT, err);
    if (rc == CP_OK)
        rc = deploy_get_mode(s, "key_mode", 0600, true, &t->key_attrs.mode, WHAT, err);
    t->attrs.uid = t->key_attrs.uid = uid;
    t->attrs.gid = t->key_attrs.gid = gid;
    return rc;
}

static int read_reload(struct files_target *t, const struct kvlist *s, struct err *err)
{
    const char *line = kv_get(s, "reload");
    long timeout = RELOAD_TIMEOUT_S;
    bool shell = false;
    int rc = deploy_get_bool(s, "shell", false, &shell, WHAT, err);

    if (rc == CP_OK)
        rc = kv_get_long(s, "reload_timeout", 1, 3600, &timeout, WHAT, err);
    if (rc != CP_OK)
        return rc;
    if (line == NULL)
        return shell ? err_set(err, CP_EUSAGE, WHAT ": shell is set but reload is not") : CP_OK;
    return deploy_cmd_init(&t->reload, line, shell, timeout, WHAT ": reload", err);
}

static int files_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed,
                     struct err *err);

static struct deploy_target *files_new(const struct kvlist *s, const struct deploy_opts *opts,
                                       struct err *err)
{
    struct files_target *t = calloc(1, sizeof(*t));
    int rc;

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = files_run;
    t->base.free = files_free;
    t->log = opts->log;
    rc = kv_check_known(s, known, WHAT, err);
    if (rc == CP_OK)
        rc = read_paths(t, s, err);
    if (rc == CP_OK)
        rc = read_modes(t, s, err);
    if (rc == CP_OK)
        rc = read_reload(t, s, err);
    if (rc != CP_OK) {
        files_free(&t->base);
        return NULL;
    }
    return &t->base;
}

/* Key then fullchain: HAProxy reads both from one file (crt). Secret: caller secret_frees. */
static char *combined(const struct deploy_cert *c, size_t *len)
{
    size_t fl = strlen(c->fullchain_pem);
    bool nl = c->key_len > 0 && c->key_pem[c->key_len - 1] != '\n';
    char *s = malloc(c->key_len + nl + fl + 1);

    if (s == NULL)
        return NULL;
    memcpy(s, c->key_pem, c->key_len);
    if (nl)
        s[c->key_len] = '\n';
    memcpy(s + c->key_len + nl, c->fullchain_pem, fl + 1);
    *len = c->key_len + nl + fl;
    return s;
}

/* Does path hold exactly data with these attributes already? */
static bool up_to_date(const char *path, const char *data, size_t len, const struct fs_attrs *a,
                       bool *same_content)
{
    char *old = NULL;
    size_t old_len = 0;

    *same_content = false;
    if (fs_read(path, MAX_COMPARE, &old, &old_len, NULL) != CP_OK)
        return false;
    *same_content = old_len == len && memcmp(old, data, len) == 0;
    secret_free(old, old_len);
    return *same_content && deploy_attrs_match(path, a);
}

static int check_dir(const char *path, struct err *err)
{
    char *copy = strdup(path);
    struct stat st;
    int rc = CP_OK;

    if (copy == NULL)
        return err_nomem(err);
    if (stat(dirname(copy), &st) != 0 || !S_ISDIR(st.st_mode))
        rc = err_set(err, CP_ENOTFOUND, WHAT ": directory %s does not exist", copy);
    free(copy);
    return rc;
}

/* Write one file unless it is there already; *content is set when its bytes changed. */
static int put(struct files_target *t, enum kind k, const char *data, size_t len, bool *content,
               bool *changed, struct err *err)
{
    const struct fs_attrs *a = is_secret(k) ? &t->key_attrs : &t->attrs;
    const char *path = t->path[k];
    bool same = false;
    int rc;

    if ((rc = check_dir(path, err)) != CP_OK)
        return rc;
    /* a directory path someone else could have redirected is refused first, even when "up to date" */
    if ((rc = fs_check_parent(path, err)) == CP_OK && up_to_date(path, data, len, a, &same)) {
        log_debug(t->log, WHAT ": %s is up to date", path);
        return CP_OK;
    }
    if (rc == CP_OK)
        rc = fs_write_atomic_as(path, data, len, a, err);
    if (rc != CP_OK) {
        err_prefix(err, WHAT ": ");
        return rc;
    }
    log_info(t->log, WHAT ": %s %s", same ? "set owner and mode of" : "wrote", path);
    *changed = true;
    *content |= !same;
    return CP_OK;
}

static int put_all(struct files_target *t, const struct deploy_cert *c, bool *content,
                   bool *changed, struct err *err)
{
    const char *data[K_COUNT] = {c->cert_pem, c->chain_pem, c->fullchain_pem, c->key_pem, NULL};
    size_t len[K_COUNT] = {strlen(c->cert_pem), strlen(c->chain_pem), strlen(c->fullchain_pem),
                           c->key_len, 0};
    char *comb = NULL;
    int rc = CP_OK;

    if (c->key_pem == NULL && (t->path[K_KEY] != NULL || t->path[K_COMBINED] != NULL))
        return err_set(err, CP_EUSAGE, WHAT ": certificate %s has no private key here (it was issued for a CSR): "
                       "no key file can be written", c->name);
    if (t->path[K_COMBINED] != NULL && (data[K_COMBINED] = comb = combined(c, &len[K_COMBINED])) == NULL)
        return err_nomem(err);
    for (int k = 0; rc == CP_OK && k < K_COUNT; k++)
        if (t->path[k] != NULL)
            rc = put(t, (enum kind)k, data[k], len[k], content, changed, err);
    secret_free(comb, len[K_COMBINED]);
    return rc;
}

static int files_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed,
                     struct err *err)
{
    struct files_target *t = (struct files_target *)base;
    bool content = false;
    int rc = put_all(t, c, &content, changed, err);
    char msg[sizeof(err->msg)];

    if (rc != CP_OK || t->reload.argv == NULL)
        return rc;
    if (!content) {
        log_info(t->log, WHAT ": no file's content changed; not reloading");
        return CP_OK;
    }
    log_info(t->log, WHAT ": reloading with %s", t->reload.argv[0]);
    if ((rc = deploy_cmd_run(&t->reload, c, WHAT ": reload", err)) != CP_OK && err != NULL) {
        snprintf(msg, sizeof(msg), "%s", err->msg);
        err_set(err, rc, "%s (the new files are in place)", msg);
    }
    return rc;
}

static const char *const flags[] = {"shell", NULL};

const struct deploy_type deploy_files_type = {WHAT, files_new, "dir", flags, false};
