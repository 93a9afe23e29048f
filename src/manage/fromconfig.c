/*
 * manage/fromconfig — a [cert:NAME] section of certpilot.ini (config/) as the
 * request manage_issue and manage_renew take: the same solver names and
 * settings the command line produces, so both paths meet in one place.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "manage/internal.h"

static int add(struct manage_config_req *o, const char *key, const char *value, struct err *err)
{
    size_t max = sizeof(o->settings) / sizeof(o->settings[0]);

    if (value == NULL)
        return CP_OK;
    if (o->nsettings == max)
        return err_set(err, CP_EUSAGE, "certificate %s: more than %zu solver settings", o->req.cert_name, max);
    o->settings[o->nsettings++] = (struct kv){key, value};
    return CP_OK;
}

/* [dns:NAME]'s pairs go to the provider; the solver's own keys come from the settings. */
static int dns_solver(const struct config *cfg, const struct config_settings *s, struct manage_config_req *o,
                      struct err *err)
{
    const struct config_provider *p = config_provider_find(cfg, s->dns.value);
    int rc = add(o, "provider", s->dns.value, err);

    for (size_t i = 0; rc == CP_OK && p != NULL && i < p->n; i++)
        rc = add(o, p->items[i].key, p->items[i].value, err);
    if (rc == CP_OK)
        rc = add(o, "resolver", s->dns_resolver.value, err);
    if (rc == CP_OK && s->propagation_timeout.line > 0) {
        snprintf(o->numbuf, sizeof(o->numbuf), "%ld", s->propagation_timeout.value);
        rc = add(o, "propagation_timeout", o->numbuf, err);
    }
    if (rc == CP_OK && s->no_propagation_check.line > 0 && s->no_propagation_check.value)
        rc = add(o, "propagation_check", "no", err);
    o->req.solver = "dns";
    return rc;
}

/* "PORT", ":PORT" or "ADDR:PORT", kept as written: the solver reads it (util/listen.c),
 * as it reads --listen. */
static int standalone(const char *listen, struct manage_config_req *o, struct err *err)
{
    o->req.solver = "standalone";
    return add(o, "listen", listen, err);
}

/* The ways to answer challenges, and the challenge types each can answer. */
static const struct {
    const char *key;
    size_t off;
    bool dns01, http01;
} methods[] = {
    {"dns", offsetof(struct config_settings, dns), true, false},
    {"hook", offsetof(struct config_settings, hook), true, true},
    {"webroot", offsetof(struct config_settings, webroot), false, true},
    {"listen", offsetof(struct config_settings, listen), false, true},
};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

static const struct cfg_str *method_value(const struct config_settings *s, size_t i)
{
    return (const struct cfg_str *)(const void *)((const char *)s + methods[i].off);
}

/* Set, and able to answer the challenge type when one is set. */
static bool method_fits(const struct config_settings *s, size_t i)
{
    const char *type = s->challenge.value;

    if (method_value(s, i)->line == 0)
        return false;
    return type == NULL || (strcmp(type, "dns-01") == 0 ? methods[i].dns01 : methods[i].http01);
}

/* The one way to answer the challenges (config_cert_settings already let the
 * certificate's own choice replace the global one); two that fit are refused
 * rather than one picked by a fixed order. */
static int pick_method(const struct config *cfg, const struct config_settings *s, const char *cert,
                       size_t *out, struct err *err)
{
    size_t n = 0;

    for (size_t i = 0; i < NMETHODS; i++) {
        if (!method_fits(s, i))
            continue;
        if (n++ == 0) {
            *out = i;
            continue;
        }
        return err_set(err, CP_EUSAGE, "%s: [cert:%s]: %s (line %d) and %s (line %d) both answer its challenges; "
                       "keep one (a way set in [cert:%s] replaces those of [certpilot])", cfg->path, cert,
                       methods[*out].key, method_value(s, *out)->line, methods[i].key, method_value(s, i)->line,
                       cert);
    }
    if (n == 1)
        return CP_OK;
    if (s->challenge.line != 0)
        return err_set(err, CP_EUSAGE, "%s:%d: [cert:%s]: challenge = %s, but no way to answer it is set (%s)",
                       cfg->path, s->challenge.line, cert, s->challenge.value,
                       strcmp(s->challenge.value, "dns-01") == 0 ? "dns or hook" : "hook, webroot or listen");
    return err_set(err, CP_EUSAGE, "%s: [cert:%s] says no way to answer challenges (dns, hook, webroot or listen)",
                   cfg->path, cert);
}

static int solver(const struct config *cfg, const struct config_settings *s, struct manage_config_req *o,
                  struct err *err)
{
    size_t i = 0;
    int rc = pick_method(cfg, s, o->req.cert_name, &i, err);

    if (rc != CP_OK)
        return rc;
    switch (i) {
    case 0:
        return dns_solver(cfg, s, o, err);
    case 1:
        o->req.solver = "hook";
        rc = add(o, "program", s->hook.value, err);
        return rc == CP_OK ? add(o, "challenge", s->challenge.value, err) : rc;
    case 2:
        o->req.solver = "webroot";
        return add(o, "path", s->webroot.value, err);
    default:
        return standalone(s->listen.value, o, err);
    }
}

static int lists(const struct config_cert *c, struct manage_config_req *o, struct err *err)
{
    size_t maxn = sizeof(o->names) / sizeof(o->names[0]), maxd = sizeof(o->deploy) / sizeof(o->deploy[0]);

    if (c->names.n > maxn || c->deploy.n > maxd)
        return err_set(err, CP_EUSAGE, "[cert:%s]: too many names or deploy targets", c->name.value);
    for (size_t i = 0; i < c->names.n; i++)
        o->names[i] = c->names.items[i].value;
    for (size_t i = 0; i < c->deploy.n; i++)
        o->deploy[i] = (struct manage_target){.spec = c->deploy.items[i].value};
    o->req.nnames = c->names.n;
    o->req.ndeploy = c->deploy.n;
    o->req.deploy_exact = true;  /* the section's list is the list: a target taken out of it goes */
    return CP_OK;
}

int manage_account_from_config(const struct config *cfg, const struct config_cert *c,
                               struct manage_config_account *out, struct err *err)
{
    struct config_settings s;

    memset(out, 0, sizeof(*out));
    config_cert_settings(cfg, c, &s);
    if (s.email.n > MANAGE_MAX_CONTACTS)
        return err_set(err, CP_EUSAGE, "%s:%d: email: at most %d addresses", cfg->path, s.email.items[0].line,
                       MANAGE_MAX_CONTACTS);
    for (size_t i = 0; i < s.email.n; i++)
        out->emails[i] = s.email.items[i].value;
    out->agree = cfg->global.agree_tos.line > 0 && cfg->global.agree_tos.value;
    out->create = (struct manage_account_new){.name = s.account.value, .emails = out->emails,
                                              .nemails = s.email.n, .agree_tos = out->agree};
    return CP_OK;
}

int manage_request_from_config(const struct config *cfg, const struct config_cert *c,
                               struct manage_config_req *o, struct err *err)
{
    struct config_settings s;
    int rc;

    memset(o, 0, sizeof(*o));
    config_cert_settings(cfg, c, &s);
    o->req = (struct manage_cert_req){.names = o->names, .cert_name = c->name.value, .deploy = o->deploy,
                                      .key_type = s.key_type.value, .account = s.account.value,
                                      .profile = s.profile.value, .preferred_chain = s.preferred_chain.value,
                                      .timeout_s = s.timeout.line > 0 ? s.timeout.value : 0,
                                      .reuse_key = c->reuse_key.line > 0 && c->reuse_key.value};
    o->renew_before_s = s.renew_before.line > 0 ? s.renew_before.value : 0;
    o->server = s.server.value != NULL ? s.server.value : s.ca.value != NULL ? manage_ca_url(s.ca.value) : NULL;
    o->req.csr_file = c->csr.value;  /* the config refuses names with it */
    if ((rc = lists(c, o, err)) != CP_OK || (rc = solver(cfg, &s, o, err)) != CP_OK ||
        (rc = manage_account_from_config(cfg, c, &o->account, err)) != CP_OK)
        return rc;
    o->req.create = o->account.agree ? &o->account.create : NULL;
    o->req.settings = (struct kvlist){o->settings, o->nsettings};
    return CP_OK;
}

static bool listed(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

int manage_cert_names(struct manage *m, const struct config *cfg, char ***names, size_t *n, size_t *nstored,
                      struct err *err)
{
    char **grown;
    int rc = store_cert_list(m->store, names, n, err);

    *nstored = *n;
    for (size_t i = 0; rc == CP_OK && cfg != NULL && i < cfg->ncerts; i++) {
        if (listed(*names, *nstored, cfg->certs[i].name.value))
            continue;
        if ((grown = realloc(*names, (*n + 1) * sizeof(char *))) == NULL)
            return err_nomem(err);
        *names = grown;
        if (((*names)[*n] = strdup(cfg->certs[i].name.value)) == NULL)
            return err_nomem(err);
        (*n)++;
    }
    return rc;
}

int manage_renew_preview(struct manage *m, const struct config *cfg, const char *name, time_t now,
                         struct manage_renew_result *out, struct err *err)
{
    const struct config_cert *c = config_cert_find(cfg, name);
    struct manage_renew_opts ro = {.now = now, .offline = true};
    struct manage_config_req *o = c != NULL ? malloc(sizeof(*o)) : NULL;
    int rc = c != NULL && o == NULL ? err_nomem(err) : CP_OK;

    memset(out, 0, sizeof(*out));
    if (rc == CP_OK && c != NULL && (rc = manage_request_from_config(cfg, c, o, err)) == CP_OK)
        ro.renew_before_s = o->renew_before_s;
    if (rc == CP_OK)
        rc = manage_renew(m, name, c != NULL ? &o->req : NULL, &ro, out, err);
    free(o);
    return rc;
}
