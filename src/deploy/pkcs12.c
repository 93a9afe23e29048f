/*
 * deploy/pkcs12 — a PKCS#12 (.pfx) file with the key, certificate and
 * chain for IIS and other Windows services, written atomically (0600 by
 * default). The password comes from a file or an environment variable,
 * never from a setting's value or a command line.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/pkcs12.h"
#include "deploy/common.h"
#include "util/fsio.h"
#include "util/str.h"

#define WHAT "pkcs12"
#define MAX_PASSWORD 4096
#define MAX_PFX (1L << 20)

static const char *const known[] = {"path",  "password_file", "password_env", "friendly_name",
                                    "legacy", "owner",        "group",        "mode",
                                    NULL};

struct pkcs12_target {
    struct deploy_target base;
    const struct logger *log;
    char *path;
    char *password_file;  /* one of these two, or neither: an empty password */
    char *password_env;
    char *friendly_name;  /* NULL: the certificate's name */
    bool legacy;
    struct fs_attrs attrs;
};

static void p12_free(struct deploy_target *base)
{
    struct pkcs12_target *t = (struct pkcs12_target *)base;

    if (t == NULL)
        return;
    free(t->path);
    free(t->password_file);
    free(t->password_env);
    free(t->friendly_name);
    free(t);
}

static int read_password_source(struct pkcs12_target *t, const struct kvlist *s, struct err *err)
{
    const char *env = kv_get(s, "password_env");
    int rc = deploy_get_path(s, "password_file", &t->password_file, WHAT, err);

    if (rc != CP_OK)
        return rc;
    if (env != NULL && t->password_file != NULL)
        return err_set(err, CP_EUSAGE, WHAT ": set password_file or password_env, not both");
    if (env != NULL && (*env == '\0' || strchr(env, '=') != NULL))
        return err_set(err, CP_EUSAGE, WHAT ": password_env \"%s\" is not a variable name", env);
    if (env != NULL && (t->password_env = strdup(env)) == NULL)
        return err_nomem(err);
    return CP_OK;
}

static int read_settings(struct pkcs12_target *t, const struct kvlist *s, struct err *err)
{
    const char *fn = kv_get(s, "friendly_name");
    int rc;

    /* a password in a setting would sit in argv, a config file or a log */
    if (kv_get(s, "password") != NULL)
        return err_set(err, CP_EUSAGE, WHAT ": the password is not a setting; use password_file or password_env");
    rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK)
        rc = deploy_get_path(s, "path", &t->path, WHAT, err);
    if (rc == CP_OK && t->path == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": path is not set (where to write the .pfx file)");
    if (rc == CP_OK)
        rc = read_password_source(t, s, err);
    if (rc == CP_OK)
        rc = deploy_get_bool(s, "legacy", false, &t->legacy, WHAT, err);
    if (rc == CP_OK)
        rc = deploy_get_owner(s, &t->attrs.uid, &t->attrs.gid, WHAT, err);
    if (rc == CP_OK)
        rc = deploy_get_mode(s, "mode", 0600, true, &t->attrs.mode, WHAT, err);
    if (rc == CP_OK && fn != NULL && (t->friendly_name = strdup(fn)) == NULL)
        rc = err_nomem(err);
    return rc;
}

static int p12_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed,
                   struct err *err);

static struct deploy_target *p12_new(const struct kvlist *s, const struct deploy_opts *opts,
                                     struct err *err)
{
    struct pkcs12_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = p12_run;
    t->base.free = p12_free;
    t->log = opts->log;
    if (read_settings(t, s, err) != CP_OK) {
        p12_free(&t->base);
        return NULL;
    }
    return &t->base;
}

/* The password, malloc'd (secret_free with strlen + 1); "" when no source is set. */
static int load_password(const struct pkcs12_target *t, char **out, struct err *err)
{
    size_t len = 0;
    const char *v;
    int rc;

    *out = NULL;
    if (t->password_file != NULL) {
        if ((rc = fs_read(t->password_file, MAX_PASSWORD, out, &len, err)) != CP_OK) {
            err_prefix(err, WHAT ": password file: ");
            return rc;
        }
        /* one line: the newline an editor or echo adds is not part of it */
        len = strcspn(*out, "\r\n");
        (*out)[len] = '\0';
        return CP_OK;
    }
    v = t->password_env != NULL ? getenv(t->password_env) : "";
    if (v == NULL)
        return err_set(err, CP_EUSAGE, WHAT ": environment variable %s is not set", t->password_env);
    *out = strdup(v);
    return *out ? CP_OK : err_nomem(err);
}

/* Is the file there already with this content, owner and mode? (Another file there is replaced.) */
static bool up_to_date(const struct pkcs12_target *t, const struct pkcs12_input *in)
{
    struct err why = {0};
    char *old = NULL;
    size_t len = 0;
    bool same;

    if (fs_read(t->path, MAX_PFX, &old, &len, NULL) != CP_OK)
        return false;
    same = pkcs12_matches((const unsigned char *)old, len, in, &why);
    if (!same)
        log_info(t->log, WHAT ": replacing %s (%s)", t->path, why.msg);
    same = same && deploy_attrs_match(t->path, &t->attrs);
    secret_free(old, len);
    return same;
}

/* Build and write the file unless the one there already holds the same. */
static int install(const struct pkcs12_target *t, const struct pkcs12_input *in, bool *changed,
                   struct err *err)
{
    unsigned char *der = NULL;
    size_t len = 0;
    int rc;

    /* fsio's rule for the directories on the way, checked before "up to date" too */
    if ((rc = fs_check_parent(t->path, err)) != CP_OK) {
        err_prefix(err, WHAT ": ");
        return rc;
    }
    if (up_to_date(t, in)) {
        log_info(t->log, WHAT ": %s is up to date", t->path);
        return CP_OK;
    }
    rc = pkcs12_build(in, &der, &len, err);
    if (rc == CP_OK)
        rc = fs_write_atomic_as(t->path, der, len, &t->attrs, err);
    secret_free(der, len);
    if (rc != CP_OK) {
        err_prefix(err, WHAT ": %s: ", t->path);
        return rc;
    }
    log_info(t->log, WHAT ": wrote %s (%s)", t->path, t->legacy ? "legacy 3DES/SHA-1" : "AES-256/SHA-256");
    *changed = true;
    return CP_OK;
}

static int p12_run(struct deploy_target *base, const struct deploy_cert *c, bool *changed,
                   struct err *err)
{
    struct pkcs12_target *t = (struct pkcs12_target *)base;
    struct pkcs12_input in = {c->key_pem, c->key_len, c->cert_pem, c->chain_pem,
                              t->friendly_name ? t->friendly_name : c->name, NULL, t->legacy};
    char *password = NULL;
    int rc = load_password(t, &password, err);

    if (rc != CP_OK)
        return rc;
    in.password = password;
    rc = install(t, &in, changed, err);
    secret_free(password, strlen(password) + 1);
    return rc;
}

static const char *const flags[] = {"legacy", NULL};

const struct deploy_type deploy_pkcs12_type = {WHAT, p12_new, "path", flags, false};
