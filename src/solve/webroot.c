/*
 * solve/webroot — http-01 through a running web server's document root
 * (RFC 8555 §8.3): DIR/.well-known/acme-challenge/TOKEN holds the key
 * authorization while the CA looks. The file is written with
 * fs_write_atomic_at (temp file in the same directory, fchmod, fsync,
 * rename), so the web server never serves a half-written answer.
 *
 * DIR is the administrator's path and may be reached through symlinks; below
 * it, .well-known and acme-challenge are opened with O_NOFOLLOW from DIR's
 * descriptor. A symlink there (say, to a directory a site's user controls,
 * or to /etc) is refused: following it would write and then delete a file
 * named like the token wherever it points.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jose/b64url.h"
#include "solve/solve.h"
#include "util/fsio.h"
#include "util/str.h"

#define WELLKNOWN ".well-known"
#define CHALDIR "acme-challenge"

struct webroot_solver {
    struct solver base;
    char *dir;    /* the web root, for messages */
    int rootfd;   /* the web root, opened once */
    bool made_wellknown, made_chaldir;
    const struct logger *log;
};

/* RFC 8555 §8.1: tokens are base64url, so a path built from one cannot leave the directory. */
static bool base64url_only(const char *s)
{
    return b64url_alphabet_only(s) && strlen(s) <= 256;
}

/* Open directory name in dirfd without following a symlink; with made != NULL,
 * create it (0755: the web server must read it) and remember that we did. */
static int open_sub(int dirfd, const char *name, const char *path, bool *made, int *fd, struct err *err)
{
    bool created = made != NULL && mkdirat(dirfd, name, 0755) == 0;

    if (made != NULL && !created && errno != EEXIST)
        return err_set(err, CP_EIO, "cannot create %s: %s", path, strerror(errno));
    if (created)
        *made = true;
    *fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0 && fs_is_symlink_at(dirfd, name))
        return err_set(err, CP_EINVALID, "%s is a symbolic link; refusing to follow it "
                       "(use the directory it points to as the web root)", path);
    if (*fd < 0)
        return err_set(err, errno == ENOENT ? CP_ENOTFOUND : CP_EIO, "cannot open %s: %s", path,
                       strerror(errno));
    /* the umask must not hide the challenge from the web server */
    if (created && fchmod(*fd, 0755) != 0)
        return err_set(err, CP_EIO, "cannot chmod %s: %s", path, strerror(errno));
    return CP_OK;
}

/* DIR/.well-known/acme-challenge, opened (and created when create) one step at a time. */
static int open_chaldir(struct webroot_solver *w, bool create, int *fd, struct err *err)
{
    char *wk = str_printf("%s/" WELLKNOWN, w->dir), *ch = str_printf("%s/" WELLKNOWN "/" CHALDIR, w->dir);
    int wkfd = -1, rc = wk && ch ? CP_OK : err_nomem(err);

    *fd = -1;
    if (rc == CP_OK)
        rc = open_sub(w->rootfd, WELLKNOWN, wk, create ? &w->made_wellknown : NULL, &wkfd, err);
    if (rc == CP_OK)
        rc = open_sub(wkfd, CHALDIR, ch, create ? &w->made_chaldir : NULL, fd, err);
    if (rc != CP_OK && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    if (wkfd >= 0)
        close(wkfd);
    free(wk);
    free(ch);
    return rc;
}

static int webroot_present(struct solver *s, const struct chal *c, struct err *err)
{
    struct webroot_solver *w = (struct webroot_solver *)s;
    char *path = NULL;
    int fd = -1, rc;

    if (!base64url_only(c->token))
        return err_set(err, CP_EINVALID, "challenge token \"%s\" is not base64url", c->token);
    if ((rc = open_chaldir(w, true, &fd, err)) != CP_OK)
        return rc;
    if ((path = str_printf("%s/" WELLKNOWN "/" CHALDIR "/%s", w->dir, c->token)) == NULL)
        rc = err_nomem(err);
    else
        rc = fs_write_atomic_at(fd, c->token, path, c->auth, strlen(c->auth), 0644, err);
    if (rc == CP_OK)
        log_info(w->log, "http-01 for %s: wrote %s", c->ident, path);
    close(fd);
    free(path);
    return rc;
}

/* Remove the directories present() created once they are empty again: rmdir
 * refuses a directory that still holds other challenges or the site's own files,
 * and unlinkat(AT_REMOVEDIR) refuses a symlink put in their place. */
static void remove_made_dirs(struct webroot_solver *w)
{
    int wkfd = w->made_chaldir ? openat(w->rootfd, WELLKNOWN, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                               : -1;

    if (wkfd >= 0 && unlinkat(wkfd, CHALDIR, AT_REMOVEDIR) == 0)
        w->made_chaldir = false;
    if (wkfd >= 0)
        close(wkfd);
    if (!w->made_chaldir && w->made_wellknown && unlinkat(w->rootfd, WELLKNOWN, AT_REMOVEDIR) == 0)
        w->made_wellknown = false;
}

static void webroot_cleanup(struct solver *s, const struct chal *c, bool validated)
{
    struct webroot_solver *w = (struct webroot_solver *)s;
    struct err err = {0};
    int fd = -1;

    (void)validated;
    if (!base64url_only(c->token))
        return;
    if (open_chaldir(w, false, &fd, &err) != CP_OK)
        log_warn(w->log, "cannot remove challenge %s: %s", c->token, err.msg);
    else if (unlinkat(fd, c->token, 0) != 0 && errno != ENOENT)
        log_warn(w->log, "cannot remove %s/" WELLKNOWN "/" CHALDIR "/%s: %s", w->dir, c->token, strerror(errno));
    if (fd >= 0)
        close(fd);
    remove_made_dirs(w);
}

static void webroot_free(struct solver *s)
{
    struct webroot_solver *w = (struct webroot_solver *)s;

    if (w->rootfd >= 0) {
        remove_made_dirs(w);
        close(w->rootfd);
    }
    free(w->dir);
    free(w);
}

struct solver *solver_webroot_new(const char *dir, const struct logger *log, struct err *err)
{
    struct webroot_solver *w;
    int fd = dir != NULL ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

    if (fd < 0) {
        err_set(err, CP_EUSAGE, "web root %s: not an existing directory", dir ? dir : "(none)");
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL || (w->dir = strdup(dir)) == NULL) {
        free(w);
        close(fd);
        err_nomem(err);
        return NULL;
    }
    w->rootfd = fd;
    w->base = (struct solver){"http-01", webroot_present, solver_ready_now, webroot_cleanup, webroot_free,
                              NULL,            NULL};
    w->log = log;
    return &w->base;
}
