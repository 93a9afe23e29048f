/*
 * manage/certbotmap — what a certbot renewal file says, as certpilot's request:
 * the solver from the authenticator, the key type, renew_before, the deploy hook.
 * Whatever certpilot cannot do the same way is a reason to skip, in one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manage/certbot.h"
#include "util/str.h"

#define RP "renewalparams"

static int add(struct certbot_plan *p, const char *key, const char *value)
{
    p->settings[p->nsettings++] = (struct kv){key, value};
    return CP_OK;
}

/* A hook certpilot runs as it is: one absolute path to an executable file, no shell. */
static bool plain_program(const char *s)
{
    return s[0] == '/' && strpbrk(s, " \t\n|&;<>()$`\\\"'*?[]{}~!#") == NULL && access(s, X_OK) == 0;
}

static int shell_line(const char *key, const char *value, struct err *err)
{
    return err_set(err, CP_EUSAGE, "%s \"%s\" is not one executable file (certpilot runs hooks without a "
                   "shell): put the command in a script and name the script in the renewal file", key, value);
}

/* certbot --manual --manual-auth-hook: certbot's contract (solve/hook.c), challenge from pref_challs. */
static int manual(const struct certbot_conf *c, struct certbot_plan *p, struct err *err)
{
    const char *auth = certbot_conf_value(c, RP, "manual_auth_hook");
    const char *clean = certbot_conf_value(c, RP, "manual_cleanup_hook");
    const struct certbot_item *pc = certbot_conf_get(c, RP, "pref_challs");
    const char *type = "http-01";  /* certbot's manual plugin offers http-01 first */

    if (auth == NULL)
        return err_set(err, CP_EUSAGE, "authenticator manual without manual_auth_hook was answered by hand: "
                       "issue it with certpilot instead");
    if (!plain_program(auth))
        return shell_line("manual_auth_hook", auth, err);
    if (clean != NULL && !plain_program(clean))
        return shell_line("manual_cleanup_hook", clean, err);
    for (size_t i = 0; pc != NULL && i < pc->nvalues; i++)
        if (strcmp(pc->values[i], "dns-01") == 0 || strcmp(pc->values[i], "dns") == 0 ||
            strcmp(pc->values[i], "http-01") == 0 || strcmp(pc->values[i], "http") == 0) {
            type = pc->values[i][0] == 'd' ? "dns-01" : "http-01";
            break;
        }
    snprintf(p->solver, sizeof(p->solver), "hook");
    add(p, "program", auth);
    add(p, "challenge", type);
    add(p, "contract", "certbot");
    return clean != NULL ? add(p, "cleanup", clean) : CP_OK;
}

/* certbot --standalone: its port (http01_port, default 80) on its address or on both families. */
static int standalone(const struct certbot_conf *c, struct certbot_plan *p, struct err *err)
{
    const char *port = certbot_conf_value(c, RP, "http01_port");
    const char *addr = certbot_conf_value(c, RP, "http01_address");
    long n = 80;

    if (port != NULL && !str_to_long(port, 1, 65535, &n))
        return err_set(err, CP_EUSAGE, "http01_port \"%s\" is not a port number", port);
    snprintf(p->solver, sizeof(p->solver), "standalone");
    if (addr != NULL && *addr != '\0') {
        snprintf(p->listen[0], sizeof(p->listen[0]), strchr(addr, ':') ? "[%s]:%ld" : "%s:%ld", addr, n);
        return add(p, "listen", p->listen[0]);
    }
    if (n == 80)
        return CP_OK;  /* certpilot's default: both families on port 80 */
    snprintf(p->listen[0], sizeof(p->listen[0]), "0.0.0.0:%ld", n);
    snprintf(p->listen[1], sizeof(p->listen[1]), "[::]:%ld", n);
    add(p, "listen", p->listen[0]);
    return add(p, "listen", p->listen[1]);
}

/* certbot --webroot: [[webroot_map]] per name, else webroot_path; certpilot takes one directory. */
static int webroot(const struct certbot_conf *c, const char *const *names, size_t n, struct certbot_plan *p,
                   struct err *err)
{
    const struct certbot_item *wp = certbot_conf_get(c, RP, "webroot_path");
    const char *dir = NULL;

    for (size_t i = 0; i < n; i++) {
        const char *d = certbot_conf_value(c, RP "/webroot_map", names[i]);
        if (d == NULL)
            d = wp != NULL && wp->nvalues > 0 ? wp->values[0] : NULL;
        if (d == NULL)
            return err_set(err, CP_EUSAGE, "authenticator webroot names no directory for %s", names[i]);
        if (dir != NULL && strcmp(dir, d) != 0)
            return err_set(err, CP_EUSAGE, "its names use different webroot directories (%s, %s); certpilot's "
                           "webroot solver takes one", dir, d);
        dir = d;
    }
    if (dir == NULL || dir[0] != '/')
        return err_set(err, CP_EUSAGE, "webroot directory \"%s\" is not an absolute path", dir ? dir : "");
    snprintf(p->solver, sizeof(p->solver), "webroot");
    return add(p, "path", dir);
}

static int solver(const struct certbot_conf *c, const char *name, const char *const *names, size_t n,
                  struct certbot_plan *p, struct err *err)
{
    const char *a = certbot_conf_value(c, RP, "authenticator");

    if (a == NULL)
        return err_set(err, CP_EUSAGE, "the renewal file names no authenticator");
    if (strcmp(a, "manual") == 0)
        return manual(c, p, err);
    if (strcmp(a, "standalone") == 0)
        return standalone(c, p, err);
    if (strcmp(a, "webroot") == 0)
        return webroot(c, names, n, p, err);
    if (strlen(a) > 48 || strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(a))
        return err_set(err, CP_EUSAGE, "authenticator \"%s\" is not a plugin name", a);
    snprintf(p->solver, sizeof(p->solver), "certbot:%s", a);
    snprintf(p->warning, sizeof(p->warning), "certbot's %s authenticator has no certpilot equivalent: set the "
             "method before renew (a [cert:%s] section in certpilot.ini, or certpilot issue --cert-name %s)",
             a, name, name);
    return CP_OK;
}

/* key_type with rsa_key_size or elliptic_curve; NULL (the key's own type) when key_type is absent. */
static int key_type(const struct certbot_conf *c, struct certbot_plan *p, struct err *err)
{
    const char *kt = certbot_conf_value(c, RP, "key_type");
    const char *bits = certbot_conf_value(c, RP, "rsa_key_size");
    const char *curve = certbot_conf_value(c, RP, "elliptic_curve");

    if (kt == NULL)
        p->key_type = NULL;
    else if (strcmp(kt, "rsa") == 0 && (bits == NULL || strcmp(bits, "2048") == 0))
        p->key_type = "rsa2048";
    else if (strcmp(kt, "rsa") == 0 && (strcmp(bits, "3072") == 0 || strcmp(bits, "4096") == 0))
        p->key_type = strcmp(bits, "3072") == 0 ? "rsa3072" : "rsa4096";
    else if (strcmp(kt, "rsa") == 0)
        return err_set(err, CP_EUSAGE, "rsa_key_size %s is not supported (2048, 3072, 4096)", bits);
    else if (strcmp(kt, "ecdsa") == 0 && (curve == NULL || strcmp(curve, "secp256r1") == 0))
        p->key_type = "ec256";
    else if (strcmp(kt, "ecdsa") == 0 && strcmp(curve, "secp384r1") == 0)
        p->key_type = "ec384";
    else if (strcmp(kt, "ecdsa") == 0)
        return err_set(err, CP_EUSAGE, "elliptic_curve %s is not supported (secp256r1, secp384r1)", curve);
    else
        return err_set(err, CP_EUSAGE, "key_type \"%s\" is not supported (rsa, ecdsa)", kt);
    return CP_OK;
}

int certbot_interval(const char *s, long *out, struct err *err)
{
    static const struct { const char *unit; long s; } units[] = {
        {"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400}, {"week", 7 * 86400}};
    char unit[16] = "day";
    long n = 0;
    int end = -1, got = sscanf(s, " %ld %15[a-z] %n", &n, unit, &end);
    size_t ul;

    if (got == 1)  /* a bare number is days, as certbot takes it */
        got = sscanf(s, " %ld %n", &n, &end);
    ul = strlen(unit);
    if (ul > 1 && unit[ul - 1] == 's')
        unit[ul - 1] = '\0';
    for (size_t i = 0; got >= 1 && end >= 0 && s[end] == '\0' && n > 0 && i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(unit, units[i].unit) == 0 && n <= 365L * 86400 / units[i].s) {
            *out = n * units[i].s;
            return CP_OK;
        }
    return err_set(err, CP_EUSAGE, "renew_before_expiry \"%s\" is not a time such as \"30 days\" (up to a year)", s);
}

static int hooks(const struct certbot_conf *c, struct certbot_plan *p, struct err *err)
{
    const char *deploy = certbot_conf_value(c, RP, "deploy_hook");
    bool prepost = certbot_conf_value(c, RP, "pre_hook") != NULL || certbot_conf_value(c, RP, "post_hook") != NULL;

    p->deploy_hook = deploy ? deploy : certbot_conf_value(c, RP, "renew_hook");  /* certbot writes renew_hook */
    if (p->deploy_hook != NULL && strpbrk(p->deploy_hook, "\n|&;<>()$`\\*?[]{}~!#") != NULL)
        return err_set(err, CP_EUSAGE, "deploy hook \"%s\" is a shell command line (certpilot runs hooks without "
                       "a shell): put it in a script and name the script in the renewal file", p->deploy_hook);
    if (prepost && p->warning[0] == '\0')
        snprintf(p->warning, sizeof(p->warning), "its pre_hook/post_hook are not imported: run them around "
                 "`certpilot renew` yourself");
    return CP_OK;
}

int certbot_plan_make(const struct certbot_conf *c, const char *name, const char *const *names, size_t n,
                      struct certbot_plan *out, struct err *err)
{
    const char *before = certbot_conf_value(c, "", "renew_before_expiry");
    int rc;

    memset(out, 0, sizeof(*out));
    out->server = certbot_conf_value(c, RP, "server");
    out->server = out->server ? out->server : CERTBOT_DEFAULT_SERVER;
    out->account_id = certbot_conf_value(c, RP, "account");
    if (out->account_id == NULL || out->account_id[0] == '\0' ||
        strspn(out->account_id, "0123456789abcdefABCDEF") != strlen(out->account_id) || strlen(out->account_id) > 64)
        return err_set(err, CP_EUSAGE, "renewalparams account \"%s\" is not a certbot account id",
                       out->account_id ? out->account_id : "");
    if ((rc = solver(c, name, names, n, out, err)) != CP_OK || (rc = key_type(c, out, err)) != CP_OK)
        return rc;
    if (before != NULL && (rc = certbot_interval(before, &out->renew_before_s, err)) != CP_OK)
        return rc;
    return hooks(c, out, err);
}
