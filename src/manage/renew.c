/*
 * manage/renew — is a stored certificate due, and if so renew it with the
 * settings it was issued with (meta.json) or the ones a config gives.
 * RFC 9773 (ARI): the CA's suggested window, a time chosen at random inside
 * it and kept, the CA's Retry-After for the next question, and "replaces"
 * in the new order. The decision itself is renew/schedule.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acme/ari.h"
#include "util/clock.h"
#include "manage/internal.h"
#include "renew/schedule.h"
#include "util/str.h"

#define META_SCHEMA 1

const char *manage_meta_server(const json_t *meta)
{
    return json_string_value(json_object_get(meta, "server"));
}

static int meta_settings(const json_t *arr, struct manage_req_from_meta *out, const char *name,
                         struct err *err)
{
    size_t i, n = 0;
    json_t *pair;

    json_array_foreach(arr, i, pair) {
        const char *k = json_string_value(json_array_get(pair, 0));
        const char *v = json_string_value(json_array_get(pair, 1));
        if (k == NULL || v == NULL || n == sizeof(out->settings) / sizeof(out->settings[0]))
            return err_set(err, CP_EINVALID, "certificate %s: meta.json solver.settings is malformed", name);
        out->settings[n++] = (struct kv){k, v};
    }
    out->req.settings = (struct kvlist){out->settings, n};
    return CP_OK;
}

int manage_request_from_meta(const json_t *meta, const char *name, struct manage_req_from_meta *out,
                             struct err *err)
{
    const json_t *names = json_object_get(meta, "names"), *solver = json_object_get(meta, "solver");
    size_t i;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(meta))
        return err_set(err, CP_ENOTFOUND, "certificate %s has no meta.json to renew from", name);
    if (json_integer_value(json_object_get(meta, "schema")) != META_SCHEMA)
        return err_set(err, CP_EINVALID, "certificate %s: meta.json schema is not %d", name, META_SCHEMA);
    if (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > MANAGE_MAX_NAMES)
        return err_set(err, CP_EINVALID, "certificate %s: meta.json has no names", name);
    json_array_foreach(names, i, v)
        if ((out->names[i] = json_string_value(v)) == NULL)
            return err_set(err, CP_EINVALID, "certificate %s: meta.json names are not strings", name);
    out->req = (struct manage_cert_req){
        .names = out->names, .nnames = json_array_size(names), .cert_name = name,
        .key_type = json_string_value(json_object_get(meta, "key_type")),
        .account = json_string_value(json_object_get(meta, "account")),
        .solver = json_string_value(json_object_get(solver, "name")),
        .profile = json_string_value(json_object_get(meta, "profile")),
        .preferred_chain = json_string_value(json_object_get(meta, "preferred_chain")),
        .csr_file = json_string_value(json_object_get(meta, "csr"))};
    if (out->req.csr_file != NULL)  /* the names come from the CSR again */
        out->req.nnames = 0;
    if (out->req.solver == NULL)
        return err_set(err, CP_EINVALID, "certificate %s: meta.json names no solver", name);
    return meta_settings(json_object_get(solver, "settings"), out, name, err);
}

/* A per-certificate number for the lifetime rule's spread: stable across runs
 * (so `list` and `renew` agree) and different between certificates. */
static uint32_t spread_of(const char *serial)
{
    uint32_t h = 2166136261u;  /* FNV-1a */

    for (const char *p = serial ? serial : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

static bool key_type_differs(const json_t *meta, const struct manage_cert_req *want)
{
    const char *have = json_string_value(json_object_get(meta, "key_type"));
    const char *wanted = want->key_type ? want->key_type : "ec256";
    enum key_type a, b;

    if (have == NULL || key_type_parse(have, &a, NULL) != CP_OK || key_type_parse(wanted, &b, NULL) != CP_OK)
        return have == NULL || strcmp(have, wanted) != 0;
    return a != b;
}

/* meta.json records a revocation (manage/revoke.c) of the current version; one of
 * an earlier version (a run killed between the switch and the meta.json write) is not. */
static bool revoked(const struct manage_cert_view *v)
{
    const json_t *rv = json_object_get(v->meta, "revoked");
    const char *serial = json_string_value(json_object_get(rv, "serial"));

    return rv != NULL && (serial == NULL || strcasecmp(serial, v->info.serial_hex) == 0);
}

static enum renew_force forced(const struct manage_cert_view *v, const struct manage_cert_req *want, bool user)
{
    if (user)
        return RENEW_FORCE_USER;
    if (revoked(v))
        return RENEW_FORCE_REVOKED;
    if (manage_names_differ(want->names, want->nnames, (const char *const *)v->info.names, v->info.nnames))
        return RENEW_FORCE_NAMES;
    if (key_type_differs(v->meta, want))
        return RENEW_FORCE_KEY_TYPE;
    return RENEW_FORCE_NONE;
}

static time_t meta_time(const json_t *obj, const char *key, bool *have)
{
    const char *s = json_string_value(json_object_get(obj, key));
    time_t t = 0;

    *have = s != NULL && acme_ari_parse_time(s, &t) == CP_OK;
    return *have ? t : 0;
}

static void set_time(json_t *obj, const char *key, time_t t)
{
    char buf[32];

    clock_format_utc(t, buf, sizeof(buf));
    json_object_set_new(obj, key, json_string(buf));
}

static void set_ari_answer(json_t *ari, const struct acme_ari *a, time_t now, bool answered)
{
    set_time(ari, "next_check", now + acme_ari_clamp_retry(a->retry_after_s));
    if (!answered)
        return;
    set_time(ari, "window_start", a->start);
    set_time(ari, "window_end", a->end);
    json_object_set_new(ari, "explanation_url", a->explanation_url ? json_string(a->explanation_url)
                                                                    : json_null());
}

/* RFC 9773 §4.3: ask the CA again only once its Retry-After has passed. The answer is a
 * new "ari" object for meta.json (NULL: nothing was asked), made without the lock: the
 * caller puts it into meta.json as meta.json is once the lock is held. */
static json_t *fetch_ari(struct manage *m, const struct manage_cert_view *v, time_t now, struct err *err)
{
    const json_t *old = json_object_get(v->meta, "ari");
    const char *serial = json_string_value(json_object_get(old, "serial"));
    struct acme_ari a = {0};
    bool have;
    time_t next = meta_time(old, "next_check", &have);
    json_t *ari = NULL;
    int rc;

    if ((have && next > now) || v->info.ari_id == NULL || manage_connect(m, err) != CP_OK ||
        acme_client_directory(m->acme)->renewal_info == NULL)
        return NULL;
    rc = acme_ari_fetch(m->acme, v->info.ari_id, &a, err);
    if (rc != CP_OK)
        log_warn(m->log, "renewal information for %s: %s", v->name, err->msg);
    /* what was stored for an earlier certificate does not hold for this one */
    if (serial != NULL && strcmp(serial, v->info.serial_hex) == 0)
        ari = json_deep_copy(old);
    else
        ari = json_pack("{s:s}", "serial", v->info.serial_hex);
    if (ari != NULL)
        set_ari_answer(ari, &a, now, rc == CP_OK);
    acme_ari_free(&a);
    return ari;
}

/* meta.json's renew_before (seconds; an import's certbot renew_before_expiry), 0 when unset. */
static long meta_renew_before(const json_t *meta)
{
    json_int_t s = json_integer_value(json_object_get(meta, "renew_before"));

    return s > 0 && s <= 365L * 86400 ? (long)s : 0;
}

static int plan(const struct manage_cert_view *v, enum renew_force force, const struct manage_renew_opts *o,
                struct renew_plan *p, struct err *err)
{
    const json_t *ari = json_object_get(v->meta, "ari");
    bool hs = false, he = false, hc = false;
    struct renew_input in = {
        .now = o->now, .not_before = v->info.not_before, .not_after = v->info.not_after,
        .window_start = meta_time(ari, "window_start", &hs), .window_end = meta_time(ari, "window_end", &he),
        .chosen = meta_time(ari, "chosen", &hc), .check_interval_s = o->check_interval_s,
        .renew_before_s = o->renew_before_s > 0 ? o->renew_before_s : meta_renew_before(v->meta),
        .random = spread_of(v->info.serial_hex), .force = force};

    in.has_window = hs && he;
    in.has_chosen = hc && in.has_window;
    if (renew_schedule(&in, p, err) == CP_OK)
        return CP_OK;
    in.has_window = in.has_chosen = false;  /* RFC 9773 §4.2: a bad window is no answer */
    return renew_schedule(&in, p, err);
}

static void describe(const struct manage_cert_view *v, const struct renew_plan *p,
                     struct manage_renew_result *out)
{
    const char *url = json_string_value(json_object_get(json_object_get(v->meta, "ari"), "explanation_url"));

    out->due = p->due;
    out->at = p->at;
    snprintf(out->why, sizeof(out->why), "%s", renew_reason_text(p->reason));
    snprintf(out->explanation, sizeof(out->explanation), "%s", url ? url : "");
    str_sanitize(out->explanation);
}

/* Lock, then read the current version again: a revoke, a deploy or another renewal may
 * have changed it since it was read. CP_EBUSY when another certpilot holds the lock. */
static int lock_and_reread(struct manage *m, const char *name, struct store_lock **lock,
                           struct manage_cert_view *cur, struct err *err)
{
    int rc = store_lock(m->store, name, lock, err);

    if (rc == CP_OK)
        rc = manage_cert_view(m, name, cur, err);
    if (rc == CP_OK && cur->meta == NULL && (cur->meta = json_object()) == NULL)
        rc = err_nomem(err);
    return rc;
}

/* Another run stored a new version after this one read the old: report that one, order nothing. */
static int renewed_meanwhile(struct manage_cert_view *cur, struct manage_renew_result *out, struct err *err)
{
    out->already_renewed = true;
    out->issued.info = cur->info;
    memset(&cur->info, 0, sizeof(cur->info));
    return (out->issued.cert_name = strdup(cur->name)) != NULL ? CP_OK : err_nomem(err);
}

/* The decision on the version d, with this run's ARI answer; the chosen time goes into d's meta.json. */
static int decide_on(struct manage_cert_view *d, json_t *ari, const struct manage_cert_req *want,
                     const struct manage_renew_opts *o, struct manage_renew_result *out, struct err *err)
{
    struct renew_plan p;
    int rc;

    if (ari != NULL && json_object_set(d->meta, "ari", ari) != 0)
        return err_nomem(err);
    if ((rc = plan(d, forced(d, want, o->force), o, &p, err)) != CP_OK)
        return rc;
    if (p.store_chosen)
        set_time(json_object_get(d->meta, "ari"), "chosen", p.chosen);
    describe(d, &p, out);
    return CP_OK;
}

/*
 * Decide from the current version seen; a missing or broken one is due at once.
 * The CA is asked without the lock; the decision is then taken, and meta.json
 * written, under the lock on the version current by then (cur), so what another
 * certpilot wrote meanwhile (a revocation, deploy results, a new version) stays.
 * With the lock busy the decision is taken on seen and meta.json is left alone;
 * a due renewal then meets the lock (or the new version) in manage_issue.
 */
static int decide(struct manage *m, struct manage_cert_view *seen, struct manage_cert_view *cur,
                  const struct manage_cert_req *want, const struct manage_renew_opts *o,
                  struct manage_renew_result *out, struct err *err)
{
    struct err ari_err = {0};
    struct store_lock *lock = NULL;
    json_t *ari = o->offline ? NULL : fetch_ari(m, seen, o->now, &ari_err);
    int rc = o->offline ? CP_OK : lock_and_reread(m, seen->name, &lock, cur, err);

    if (rc == CP_EBUSY) {
        log_info(m->log, "%s; deciding without writing its meta.json", err->msg);
        err_clear(err);
        rc = CP_OK;
    }
    if (rc == CP_OK && lock == NULL)  /* offline, or the lock is busy */
        rc = decide_on(seen, ari, want, o, out, err);
    else if (rc == CP_OK && strcasecmp(cur->info.serial_hex, seen->info.serial_hex) != 0)
        rc = renewed_meanwhile(cur, out, err);
    else if (rc == CP_OK && (rc = decide_on(cur, ari, want, o, out, err)) == CP_OK)
        rc = store_cert_save_meta(m->store, cur->name, cur->meta, err);
    store_unlock(lock);
    json_decref(ari);
    return rc;
}

/* The run's share of the CA's limit on new orders; renewals through ARI are exempt. */
static int order_allowed(const struct manage_renew_opts *o, bool ari, struct err *err)
{
    if (o->may_order == NULL || o->may_order(o->order_user, ari))
        return CP_OK;
    return err_set(err, CP_EACME, "not renewed in this run: the CA's limit on new orders is reached "
                   "(renewals through ARI are exempt; the next run renews it)");
}

static int renew_now(struct manage *m, const struct manage_cert_req *want, const struct manage_cert_view *v,
                     const struct manage_renew_opts *o, struct manage_renew_result *out, struct err *err)
{
    struct manage_cert_req req = *want;

    req.cert_name = v->name;
    req.reuse_key = req.reuse_key || o->reuse_key;
    req.deploy_cb = o->deploy_cb;
    req.deploy_user = o->deploy_user;
    req.renews_serial = v->info.serial_hex;
    /* RFC 9773 §5: name the certificate this one replaces, when the CA speaks ARI */
    if (v->info.ari_id != NULL && manage_connect(m, err) == CP_OK &&
        acme_client_directory(m->acme)->renewal_info != NULL)
        req.replaces = v->info.ari_id;
    if (order_allowed(o, req.replaces != NULL, err) != CP_OK)
        return err->code;
    log_info(m->log, "renewing %s (%s)", v->name, out->why);
    if (manage_issue(m, &req, &out->issued, err) != CP_OK)
        return err->code;
    out->already_renewed = out->issued.already_renewed;
    out->renewed = !out->already_renewed;
    return CP_OK;
}

/* Never stored (a failed issue leaves nothing under certs/): a config's new certificate. */
static bool never_issued(struct manage *m, const char *name)
{
    char **v = NULL;
    size_t n = 0;
    int rc = store_cert_versions(m->store, name, &v, &n, NULL);

    store_names_free(v, n);
    return rc == CP_ENOTFOUND || (rc == CP_OK && n == 0);
}

/* No usable current version: issue it again, as the config or meta.json describe. */
static int renew_broken(struct manage *m, const char *name, const struct manage_cert_req *wanted,
                        const struct manage_renew_opts *o, struct manage_renew_result *out, struct err *err)
{
    struct manage_req_from_meta fm;
    json_t *meta = NULL;
    int rc = CP_OK;

    struct manage_cert_req req;

    if (wanted == NULL && (rc = store_cert_load_meta(m->store, name, &meta, err)) == CP_OK &&
        (rc = manage_request_from_meta(meta, name, &fm, err)) == CP_OK)
        wanted = &fm.req;
    if (rc == CP_OK) {
        req = *wanted;
        req.deploy_cb = o->deploy_cb;
        req.deploy_user = o->deploy_user;
        req.renews_serial = "";  /* decided with no readable version: any one found under the lock is newer */
        wanted = &req;
        out->first = never_issued(m, name);
        snprintf(out->why, sizeof(out->why), "%s", out->first ? "new in the configuration"
                                                              : renew_reason_text(RENEW_REASON_FORCED_BROKEN));
        out->due = true;
        out->at = o->now;
        if ((rc = order_allowed(o, false, err)) == CP_OK) {
            log_info(m->log, "%s %s (%s)", out->first ? "issuing" : "renewing", name, out->why);
            rc = manage_issue(m, wanted, &out->issued, err);
        }
        out->renewed = rc == CP_OK;
    }
    json_decref(meta);
    return rc;
}

/* Why a dry run orders it: renew's decision, made offline (a version that cannot be read is
 * issued again, one never stored is new). */
static void dry_run_reason(struct manage *m, const char *name, const struct manage_cert_req *wanted,
                           const struct manage_renew_opts *o, struct manage_renew_result *out)
{
    struct manage_renew_opts off = *o;
    struct err e = {0};
    char at[32];

    off.offline = true;
    off.dry_run = false;
    if (manage_renew(m, name, wanted, &off, out, &e) != CP_OK) {
        out->first = never_issued(m, name);
        snprintf(out->why, sizeof(out->why), "%s", out->first ? "new in the configuration"
                                                              : renew_reason_text(RENEW_REASON_FORCED_BROKEN));
        out->due = true;
    } else if (!out->due) {
        snprintf(out->why + strlen(out->why), sizeof(out->why) - strlen(out->why), "; not due until %s",
                 clock_format_utc(out->at, at, sizeof(at)));
    }
}

/* certbot's renew --dry-run: every certificate is ordered, due or not, and nothing is stored. */
static int renew_dry(struct manage *m, const char *name, const struct manage_cert_req *wanted,
                     const struct manage_renew_opts *o, struct manage_renew_result *out, struct err *err)
{
    struct manage_req_from_meta *fm = wanted == NULL ? malloc(sizeof(*fm)) : NULL;
    struct manage_cert_req req;
    json_t *meta = NULL;
    int rc = wanted == NULL && fm == NULL ? err_nomem(err) : CP_OK;

    dry_run_reason(m, name, wanted, o, out);
    if (rc == CP_OK && wanted == NULL && (rc = store_cert_load_meta(m->store, name, &meta, err)) == CP_OK &&
        (rc = manage_request_from_meta(meta, name, fm, err)) == CP_OK)
        wanted = &fm->req;
    if (rc == CP_OK) {
        req = *wanted;
        req.cert_name = name;
        req.dry_run = true;
        req.reuse_key = req.reuse_key || o->reuse_key;
        log_info(m->log, "dry run: ordering %s (%s)", name, out->why);
        rc = manage_issue(m, &req, &out->issued, err);
        out->renewed = rc == CP_OK;
    }
    json_decref(meta);
    free(fm);
    return rc;
}

int manage_renew(struct manage *m, const char *name, const struct manage_cert_req *wanted,
                 const struct manage_renew_opts *o, struct manage_renew_result *out, struct err *err)
{
    struct err scratch = {0};
    struct manage_cert_view v = {0}, cur = {0};  /* as first read; as it is under the lock */
    struct manage_req_from_meta fm;
    const struct manage_cert_req *want = wanted;
    int rc;

    err = err ? err : &scratch;
    memset(out, 0, sizeof(*out));
    if (o->dry_run)
        return renew_dry(m, name, wanted, o, out, err);
    rc = manage_cert_view(m, name, &v, err);
    if (rc != CP_OK && !o->offline) {
        struct err why = *err;
        err_clear(err);
        rc = renew_broken(m, name, wanted, o, out, err);
        if (rc != CP_OK && rc != CP_ENOTFOUND)
            return rc;
        if (rc == CP_ENOTFOUND && !out->due)
            *err = why;  /* nothing to renew from: the reason it is broken says most */
        return rc;
    }
    if (rc == CP_OK && want == NULL && (rc = manage_request_from_meta(v.meta, name, &fm, err)) == CP_OK)
        want = &fm.req;
    if (rc == CP_OK && v.meta == NULL && (v.meta = json_object()) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = decide(m, &v, &cur, want, o, out, err);
    if (rc == CP_OK && out->due && !o->offline)
        rc = renew_now(m, want, cur.name != NULL ? &cur : &v, o, out, err);
    manage_cert_view_free(&cur);
    manage_cert_view_free(&v);
    return rc;
}

void manage_renew_result_free(struct manage_renew_result *r)
{
    if (r == NULL)
        return;
    manage_issued_free(&r->issued);
    memset(r, 0, sizeof(*r));
}
