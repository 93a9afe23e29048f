/*
 * manage/certbot — take over a certbot machine: `certpilot import certbot`.
 *
 * certbot.c reads /etc/letsencrypt (never writes it): each renewal/NAME.conf
 * (config/certbotconf.h), the account it names (accounts/<server host[:port]>/<path>/<id>/
 * private_key.json, a JWK, and regr.json, the account URL), and the live files,
 * following links only inside that directory. certbotmap.c turns a renewal file
 * into what certpilot records in meta.json (pure, no files read).
 * A certificate imports whole (its account, its first version in the store, its
 * meta.json) or not at all, with one line saying why; keys are never logged.
 */
#ifndef CP_MANAGE_CERTBOT_H
#define CP_MANAGE_CERTBOT_H

#include <stdbool.h>
#include <stddef.h>

#include "config/certbotconf.h"
#include "manage/manage.h"
#include "util/kv.h"

#define MANAGE_CERTBOT_DIR "/etc/letsencrypt"
#define CERTBOT_DEFAULT_SERVER "https://acme-v02.api.letsencrypt.org/directory"

/* One item's outcome, told to the caller (borrowed for the call). */
enum manage_import_state { IMPORT_DONE, IMPORT_PRESENT, IMPORT_SKIPPED };
struct manage_import_item {
    const char *kind;     /* "account" or "certificate" */
    const char *name;     /* certbot's certificate name, or the account's URL */
    enum manage_import_state state;  /* DONE (or would be, with dry_run), PRESENT (already here), SKIPPED */
    const char *detail;   /* what it became, or why it was skipped */
    const char *warning;  /* what to do before renew, or NULL */
};
typedef void (*manage_import_cb)(void *user, const struct manage_import_item *it);

struct manage_certbot_opts {
    const char *from;                /* NULL: /etc/letsencrypt */
    const char *const *names;        /* certificate names; none: every renewal/ *.conf */
    size_t nnames;
    bool dry_run;                    /* check and report, write nothing */
    manage_import_cb cb;             /* may be NULL */
    void *user;
};

/* Import as o says into m's state root (each certificate with the CA its renewal
 * file names; m's own server is not used, and the CA is never contacted).
 * *skipped counts the certificates skipped (not those already here). CP_OK unless
 * the certbot directory cannot be read at all. */
int manage_import_certbot(struct manage *m, const struct manage_certbot_opts *o, size_t *skipped,
                          struct err *err) CP_WUR;

/* --- certbotmap.c: a renewal file as certpilot's settings --- */

#define CERTBOT_MAX_SETTINGS 8

struct certbot_plan {
    const char *server;          /* renewalparams server (default Let's Encrypt); borrowed */
    const char *account_id;      /* renewalparams account */
    char solver[64];             /* "webroot", "standalone", "hook", or "certbot:<authenticator>" */
    struct kv settings[CERTBOT_MAX_SETTINGS];
    size_t nsettings;
    char listen[2][80];          /* standalone's listen values */
    const char *key_type;        /* "ec256"...; NULL: the type of the key it has */
    long renew_before_s;         /* renew_before_expiry; 0 when unset */
    const char *deploy_hook;     /* deploy_hook (renew_hook in certbot's files), or NULL */
    char warning[384];           /* what to do before renew, or "" */
};

/* The plan for certificate name with its names (from the certificate). Values are
 * borrowed from c. CP_EUSAGE with the reason it cannot be imported. */
int certbot_plan_make(const struct certbot_conf *c, const char *name, const char *const *names, size_t n,
                      struct certbot_plan *out, struct err *err) CP_WUR;

/* certbot's interval ("30 days", "2 weeks", "12 hours", "7": days) in seconds;
 * CP_EUSAGE naming it. */
int certbot_interval(const char *s, long *out, struct err *err) CP_WUR;

#endif
