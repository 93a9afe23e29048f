/*
 * solve/webroot — http-01 through a running web server's document root
 * (RFC 8555 §8.3): DIR/.well-known/acme-challenge/TOKEN holds the key
 * authorization while the CA looks. The file is written with
 * fs_write_atomic (temp file in the same directory, fchmod, fsync, rename),
 * so the web server never serves a half-written answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jose/b64url.h"
#include "solve/solve.h"
#include "util/fsio.h"
#include "util/str.h"

struct webroot_solver {
    struct solver base;
    char *wellknown;  /* DIR/.well-known */
    char *chaldir;    /* DIR/.well-known/acme-challenge */
    bool made_wellknown, made_chaldir;
    const struct logger *log;
};

/* RFC 8555 §8.1: tokens are base64url, so a path built from one cannot leave the directory. */
static bool base64url_only(const char *s)
{
    return b64url_alphabet_only(s) && strlen(s) <= 256;
}

/* mkdir that remembers whether we created it, so cleanup removes only ours. */
static int ensure_dir(const char *path, bool *made, struct err *err)
{
    if (mkdir(path, 0755) == 0) {
        *made = true;
        /* the umask must not hide the challenge from the web server */
        if (chmod(path, 0755) != 0)
            return err_set(err, CP_EIO, "cannot chmod %s: %s", path, strerror(errno));
        return CP_OK;
    }
    if (errno == EEXIST)
        return CP_OK;
    return err_set(err, CP_EIO, "cannot create %s: %s", path, strerror(errno));
}

static int webroot_present(struct solver *s, const struct chal *c, struct err *err)
{
    struct webroot_solver *w = (struct webroot_solver *)s;
    char *path = NULL;
    int rc;

    if (!base64url_only(c->token))
        return err_set(err, CP_EINVALID, "challenge token \"%s\" is not base64url", c->token);
    if ((rc = ensure_dir(w->wellknown, &w->made_wellknown, err)) != CP_OK ||
        (rc = ensure_dir(w->chaldir, &w->made_chaldir, err)) != CP_OK)
        return rc;
    if ((path = str_printf("%s/%s", w->chaldir, c->token)) == NULL)
        return err_nomem(err);
    rc = fs_write_atomic(path, c->auth, strlen(c->auth), 0644, err);
    if (rc == CP_OK)
        log_info(w->log, "http-01 for %s: wrote %s", c->ident, path);
    free(path);
    return rc;
}

/* Remove the directories present() created once they are empty again: rmdir
 * refuses a directory that still holds other challenges or the site's own files. */
static void remove_made_dirs(struct webroot_solver *w)
{
    if (w->made_chaldir && rmdir(w->chaldir) == 0)
        w->made_chaldir = false;
    if (!w->made_chaldir && w->made_wellknown && rmdir(w->wellknown) == 0)
        w->made_wellknown = false;
}

static void webroot_cleanup(struct solver *s, const struct chal *c, bool validated)
{
    struct webroot_solver *w = (struct webroot_solver *)s;
    char *path = NULL;

    (void)validated;
    if (!base64url_only(c->token) || (path = str_printf("%s/%s", w->chaldir, c->token)) == NULL)
        return;
    if (unlink(path) != 0 && errno != ENOENT)
        log_warn(w->log, "cannot remove %s: %s", path, strerror(errno));
    free(path);
    remove_made_dirs(w);
}

static void webroot_free(struct solver *s)
{
    struct webroot_solver *w = (struct webroot_solver *)s;

    remove_made_dirs(w);
    free(w->wellknown);
    free(w->chaldir);
    free(w);
}

struct solver *solver_webroot_new(const char *dir, const struct logger *log, struct err *err)
{
    struct webroot_solver *w;
    struct stat st;

    if (dir == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        err_set(err, CP_EUSAGE, "web root %s: not an existing directory", dir ? dir : "(none)");
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL || (w->wellknown = str_printf("%s/.well-known", dir)) == NULL ||
        (w->chaldir = str_printf("%s/.well-known/acme-challenge", dir)) == NULL) {
        if (w != NULL)
            webroot_free(&w->base);
        err_nomem(err);
        return NULL;
    }
    w->base = (struct solver){"http-01", webroot_present, solver_ready_now, webroot_cleanup, webroot_free};
    w->log = log;
    return &w->base;
}
