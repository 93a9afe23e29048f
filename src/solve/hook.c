/*
 * solve/hook — the exec hook solver, uacme's contract:
 *   PROG begin|done|failed TYPE IDENT TOKEN AUTH
 * with the same values in CERTPILOT_* environment variables, and
 * CERTPILOT_IDENT_TYPE=dns|ip (IDENT is an address for an RFC 8738 identifier). Values are
 * checked against their formats first: they reach another program, which
 * may well be a shell script.
 *
 * With the certbot contract (solver_hook_certbot), certbot's manual hooks run unchanged:
 * the auth hook without arguments on present, the cleanup hook (if any) on cleanup,
 * both with CERTBOT_DOMAIN, CERTBOT_VALIDATION, CERTBOT_TOKEN and
 * CERTBOT_REMAINING_CHALLENGES (always 0: every challenge is presented before any is
 * answered, so each hook call may be the one to wait for DNS).
 *
 * What has been presented is kept in a journal (solver_set_journal) before
 * `begin` runs and until `done`/`failed` has run, so the run after a crash
 * can run `failed` for what a dead run left presented (solver_recover).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/exec.h"
#include "solve/solve.h"
#include "util/ident.h"
#include "util/str.h"

struct hook_solver {
    struct solver base;
    char *prog;
    char *type;
    long timeout_s;
    const struct logger *log;
    json_t *presented;                      /* array of {type, ident, token, auth} */
    const struct solver_journal *journal;   /* borrowed; NULL: none */
    const char *const *strip_env;           /* borrowed; NULL: none */
    volatile sig_atomic_t *cancel;          /* borrowed; NULL: never interrupted */
    bool certbot;                           /* certbot's manual-hook contract */
    char *cleanup;                          /* its cleanup hook, or NULL */
};

/* Values reach a process: only the characters their formats allow. */
static bool safe(const char *s, const char *extra)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    if (s == NULL || *s == '\0' || strlen(s) > 512)
        return false;
    for (; *s; s++)
        if (strchr(alnum, *s) == NULL && strchr(extra, *s) == NULL)
            return false;
    return true;
}

/* RFC 8738 §3: an address reaches a hook only in its canonical text, whose
 * characters are digits, a-f, '.' and ':'; nothing else passes. */
static bool safe_ip(const char *s)
{
    struct ident_ip ip;
    char text[IDENT_IP_TEXT_MAX];

    return ident_ip_parse(s, &ip) && ident_ip_format(ip.addr, ip.len, text) && strcmp(s, text) == 0 &&
           strspn(s, "0123456789abcdef.:") == strlen(s);
}

static int check_chal(const struct chal *c, struct err *err)
{
    /* TYPE is "dns-01"-like; IDENT is a DNS name (RFC 8555 §7.1.4, no "*." here)
     * or an address (safe_ip); TOKEN is base64url (§8.1); AUTH is base64url or
     * "token.thumbprint" */
    bool ident_ok = ident_is_ip(c->ident) ? safe_ip(c->ident) : safe(c->ident, "-._");

    if (!safe(c->type, "-") || !ident_ok || !safe(c->token, "-_") || !safe(c->auth, "-_."))
        return err_set(err, CP_EINVALID, "refusing to pass unexpected characters to a hook "
                       "(identifier \"%s\")", c->ident ? c->ident : "");
    return CP_OK;
}

/* begin stops at the first SIGINT/SIGTERM; done and failed still run then (util/exec.h). */
/* certbot's --manual-auth-hook / --manual-cleanup-hook: no arguments, CERTBOT_* variables. */
static int run_certbot(struct exec_opts *o, const char *prog, const struct chal *c, int *status,
                       struct err *err)
{
    const char *argv[] = {prog, NULL};
    char *env[6] = {NULL};
    int rc;

    env[0] = str_printf("CERTBOT_DOMAIN=%s", c->ident);
    env[1] = str_printf("CERTBOT_VALIDATION=%s", c->auth);
    env[2] = str_printf("CERTBOT_TOKEN=%s", c->token);
    env[3] = str_printf("CERTBOT_REMAINING_CHALLENGES=0");
    env[4] = str_printf("CERTBOT_AUTH_OUTPUT=");
    o->extra_env = (const char *const *)env;
    if (!env[0] || !env[1] || !env[2] || !env[3] || !env[4])
        rc = err_nomem(err);
    else
        rc = exec_run_opts(argv, o, status, err);
    for (size_t i = 0; i < 5; i++)
        free(env[i]);
    return rc;
}

static int run(struct hook_solver *h, const char *method, const struct chal *c, int *status,
               struct err *err)
{
    struct exec_opts o = {.strip_env = h->strip_env, .timeout_s = h->timeout_s, .cancel = h->cancel,
                          .stop = strcmp(method, "begin") == 0 ? EXEC_STOP_FIRST : EXEC_STOP_SECOND};
    const char *argv[] = {h->prog, method, c->type, c->ident, c->token, c->auth, NULL};
    char *env[7] = {NULL};
    int rc;

    if (h->certbot)
        return run_certbot(&o, strcmp(method, "begin") == 0 ? h->prog : h->cleanup, c, status, err);
    env[0] = str_printf("CERTPILOT_METHOD=%s", method);
    env[1] = str_printf("CERTPILOT_TYPE=%s", c->type);
    env[2] = str_printf("CERTPILOT_IDENT=%s", c->ident);
    env[3] = str_printf("CERTPILOT_TOKEN=%s", c->token);
    env[4] = str_printf("CERTPILOT_AUTH=%s", c->auth);
    /* argv stays uacme's; the identifier's type (RFC 8738 "ip" or "dns") is extra */
    env[5] = str_printf("CERTPILOT_IDENT_TYPE=%s", ident_type(c->ident));
    o.extra_env = (const char *const *)env;
    if (!env[0] || !env[1] || !env[2] || !env[3] || !env[4] || !env[5])
        rc = err_nomem(err);
    else
        rc = exec_run_opts(argv, &o, status, err);
    for (size_t i = 0; i < 6; i++)
        free(env[i]);
    return rc;
}

/* Save the journal; without one there is nothing to save. */
static int journal_save(struct hook_solver *h, struct err *err)
{
    if (h->journal == NULL)
        return CP_OK;
    return h->journal->save(h->journal->user, h->presented, err);
}

static bool field_is(json_t *e, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(e, key));

    return v != NULL && strcmp(v, want) == 0;
}

static bool same_chal(json_t *e, const struct chal *c)
{
    return field_is(e, "type", c->type) && field_is(e, "ident", c->ident) && field_is(e, "token", c->token);
}

/* Forget c in the journal (after its cleanup, or when begin did not present it). */
static void journal_forget(struct hook_solver *h, const struct chal *c)
{
    struct err err = {0};
    size_t i;
    json_t *e;

    json_array_foreach(h->presented, i, e)
        if (same_chal(e, c)) {
            json_array_remove(h->presented, i);
            break;
        }
    if (journal_save(h, &err) != CP_OK)
        log_warn(h->log, "hook journal: %s", err.msg);
}

/* Record c as presented before the hook runs: a crash during begin leaves it recorded. */
static int journal_add(struct hook_solver *h, const struct chal *c, struct err *err)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "type", c->type, "ident", c->ident, "token", c->token,
                          "auth", c->auth);
    int rc;

    if (e == NULL || json_array_append_new(h->presented, e) != 0)
        return err_nomem(err);
    if ((rc = journal_save(h, err)) != CP_OK) {
        json_array_remove(h->presented, json_array_size(h->presented) - 1);
        err_prefix(err, "hook begin %s %s: ", c->type, c->ident);
    }
    return rc;
}

static bool run_end(struct hook_solver *h, const char *method, const struct chal *c);

/* begin was stopped halfway by an interruption: it may have presented part of c, so
 * `failed` takes it away (bounded, util/exec.h) before the run ends. */
static int interrupted_begin(struct hook_solver *h, const struct chal *c, struct err *err)
{
    if (run_end(h, "failed", c))
        journal_forget(h, c);
    return err_set(err, CP_EINTR, "interrupted while hook %s begin %s %s was running", h->prog, c->type,
                   c->ident);
}

static int hook_present(struct solver *s, const struct chal *c, struct err *err)
{
    struct hook_solver *h = (struct hook_solver *)s;
    int status = 0, rc = check_chal(c, err);

    if (rc == CP_OK && h->cancel != NULL && *h->cancel)
        return err_set(err, CP_EINTR, "interrupted before hook %s begin %s %s", h->prog, c->type, c->ident);
    if (rc != CP_OK || (rc = journal_add(h, c, err)) != CP_OK)
        return rc;
    log_info(h->log, "hook begin %s %s", c->type, c->ident);
    if ((rc = run(h, "begin", c, &status, err)) == CP_EINTR)
        return interrupted_begin(h, c, err);
    if (rc != CP_OK) {
        err_prefix(err, "hook begin %s %s: ", c->type, c->ident);  /* returns 0 for a NULL err */
        journal_forget(h, c);
        return rc;
    }
    if (status != 0) {
        journal_forget(h, c);
        return err_set(err, CP_EDECLINED, "hook %s declined %s for %s (exit status %d)", h->prog,
                       c->type, c->ident, status);
    }
    return CP_OK;
}

/* Run done/failed for c; failures are logged. false when a second interruption kept it
 * from running: c then stays in the journal, for the next run to take away. */
static bool run_end(struct hook_solver *h, const char *method, const struct chal *c)
{
    struct err err = {0};
    int status = 0, rc;

    if (h->certbot && h->cleanup == NULL)
        return true;  /* certbot's manual hooks: cleanup is optional */
    if (check_chal(c, &err) != CP_OK) {
        log_warn(h->log, "hook %s: %s", method, err.msg);
        return true;
    }
    log_info(h->log, "hook %s %s %s", method, c->type, c->ident);
    if ((rc = run(h, method, c, &status, &err)) != CP_OK)
        log_warn(h->log, "hook %s: %s", method, err.msg);
    else if (status != 0)
        log_warn(h->log, "hook %s %s %s exited with status %d", h->prog, method, c->ident, status);
    return rc != CP_EINTR;
}

static void hook_cleanup(struct solver *s, const struct chal *c, bool validated)
{
    struct hook_solver *h = (struct hook_solver *)s;

    if (run_end(h, validated ? "done" : "failed", c))
        journal_forget(h, c);
}

static void hook_set_journal(struct solver *s, const struct solver_journal *j)
{
    ((struct hook_solver *)s)->journal = j;
}

static int hook_recover(struct solver *s, const json_t *presented, struct err *err)
{
    struct hook_solver *h = (struct hook_solver *)s;
    struct chal c;
    size_t i;
    json_t *e;

    json_array_foreach(presented, i, e) {
        if (json_unpack(e, "{s:s, s:s, s:s, s:s}", "type", &c.type, "ident", &c.ident, "token", &c.token,
                        "auth", &c.auth) != 0) {
            log_warn(h->log, "hook journal: entry %zu is not {type, ident, token, auth}; skipped", i);
            continue;
        }
        log_info(h->log, "a previous run left %s %s presented", c.type, c.ident);
        if (!run_end(h, "failed", &c))  /* the journal stays for the next run */
            return err_set(err, CP_EINTR, "interrupted while hook %s failed %s %s was running", h->prog,
                           c.type, c.ident);
    }
    return CP_OK;
}

static void hook_free(struct solver *s)
{
    struct hook_solver *h = (struct hook_solver *)s;

    free(h->prog);
    free(h->cleanup);
    free(h->type);
    json_decref(h->presented);
    free(h);
}

static bool executable(const char *prog)
{
    struct stat st;

    return prog != NULL && stat(prog, &st) == 0 && S_ISREG(st.st_mode) && access(prog, X_OK) == 0;
}

int solver_hook_certbot(struct solver *s, const char *cleanup, struct err *err)
{
    struct hook_solver *h = (struct hook_solver *)s;

    if (cleanup != NULL && !executable(cleanup))
        return err_set(err, CP_EUSAGE, "hook %s: not an executable file", cleanup);
    if (cleanup != NULL && (h->cleanup = strdup(cleanup)) == NULL)
        return err_nomem(err);
    h->certbot = true;
    return CP_OK;
}

void solver_hook_strip_env(struct solver *s, const char *const *names)
{
    ((struct hook_solver *)s)->strip_env = names;
}

void solver_hook_cancel(struct solver *s, volatile sig_atomic_t *cancel)
{
    ((struct hook_solver *)s)->cancel = cancel;
}

struct solver *solver_hook_new(const char *prog, const char *type, long timeout_s,
                               const struct logger *log, struct err *err)
{
    struct hook_solver *h;

    if (!executable(prog)) {
        err_set(err, CP_EUSAGE, "hook %s: not an executable file", prog ? prog : "(none)");
        return NULL;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL || (h->prog = strdup(prog)) == NULL || (h->type = strdup(type)) == NULL ||
        (h->presented = json_array()) == NULL) {
        if (h != NULL)
            hook_free(&h->base);
        err_nomem(err);
        return NULL;
    }
    h->base = (struct solver){h->type,      hook_present,     solver_ready_now, hook_cleanup,
                              hook_free,    hook_set_journal, hook_recover};
    h->timeout_s = timeout_s > 0 ? timeout_s : 300;
    h->log = log;
    return &h->base;
}
