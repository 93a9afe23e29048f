/*
 * manage/deploy — install a stored certificate where it is used, through the
 * targets of src/deploy/, and remember each target's last result in
 * meta.json ("deploy": [{"target": SPEC, "last": {time, serial, ok, error}}]).
 * A failed target never loses the certificate and never stops the others; a
 * target that already has the current serial is skipped unless forced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deploy/stored.h"
#include "util/clock.h"
#include "deploy/target.h"
#include "manage/internal.h"
#include "util/str.h"

struct deploy_run {
    struct manage *m;
    const struct deploy_stored *cert;
    const struct manage_deploy_opts *o;
    struct deploy_cert view;        /* cert's, with the variables no child may inherit */
    const char *secret_env[17];
    int first_rc;
    struct err first_err;
};

/* Is this target's last result ok for the current serial? */
static bool up_to_date(const json_t *entry, const char *serial)
{
    const json_t *last = json_object_get(entry, "last");
    const char *s = json_string_value(json_object_get(last, "serial"));

    return json_is_true(json_object_get(last, "ok")) && s != NULL && strcmp(s, serial) == 0;
}

static int run_one(struct deploy_run *r, const json_t *entry, bool *changed, struct err *err)
{
    struct deploy_spec ds = {0};
    struct deploy_opts o = {.log = r->m->log};
    struct deploy_target *t = NULL;
    int rc = targets_entry_spec(entry, &ds, err);

    if (rc == CP_OK && (t = deploy_target_new(ds.type, &ds.settings, &o, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = deploy_target_run(t, &r->view, changed, err);
    deploy_target_free(t);
    deploy_spec_free(&ds);
    return rc;
}

static void record(json_t *entry, const char *serial, int rc, const struct err *err)
{
    char now[32];

    clock_format_utc(time(NULL), now, sizeof(now));
    json_object_set_new(entry, "last", json_pack("{s:s, s:s, s:b, s:s?}", "time", now, "serial", serial,
                                                 "ok", rc == CP_OK, "error", rc == CP_OK ? NULL : err->msg));
}

static void deploy_entry(struct deploy_run *r, json_t *entry)
{
    const char *spec = json_string_value(json_object_get(entry, "target"));
    struct manage_deploy_report rep = {.spec = spec};
    struct err err = {0};

    if (spec == NULL)
        return;
    if (!r->o->force && up_to_date(entry, r->cert->view.serial_hex)) {
        rep.skipped = true;
    } else {
        rep.rc = run_one(r, entry, &rep.changed, &err);
        rep.message = err.msg;
        record(entry, r->cert->view.serial_hex, rep.rc, &err);
        if (rep.rc != CP_OK && r->first_rc == CP_OK) {
            r->first_rc = rep.rc;
            r->first_err = err;
        }
    }
    if (r->o->cb != NULL)
        r->o->cb(r->o->user, &rep);
}

/* Run every target of list; only removals run nothing. */
static void run_all(struct deploy_run *r, json_t *list)
{
    size_t i;
    json_t *e;

    if (r->o->nremove > 0 && r->o->nadd == 0 && !r->o->exact)
        return;
    /* a password one target reads from the environment reaches no other target's command */
    r->view = r->cert->view;
    targets_secret_env(list, r->secret_env, sizeof(r->secret_env) / sizeof(r->secret_env[0]) - 1);
    r->view.secret_env = r->secret_env;
    json_array_foreach(list, i, e)
        deploy_entry(r, e);
}

int manage_deploy_locked(struct manage *m, const char *name, const struct manage_deploy_opts *o,
                         struct err *err)
{
    struct deploy_stored cert = {0};
    struct deploy_run r = {.m = m, .cert = &cert, .o = o, .first_rc = CP_OK};
    json_t *list;
    int rc = deploy_stored_load(m->store, name, &cert, err);

    if (rc == CP_OK && (list = json_object_get(cert.stored.meta, "deploy")) == NULL) {
        list = json_array();
        if (cert.stored.meta == NULL || json_object_set_new(cert.stored.meta, "deploy", list) != 0)
            rc = err_set(err, CP_EINVALID, "certificate %s has no meta.json", name);
    }
    if (rc == CP_OK)
        rc = targets_apply(list, name, o, err);
    if (rc == CP_OK) {
        run_all(&r, list);
        rc = store_cert_save_meta(m->store, name, cert.stored.meta, err);
    }
    if (rc == CP_OK && r.first_rc != CP_OK) {
        *err = r.first_err;
        rc = r.first_rc;
        err_prefix(err, "certificate %s is stored, but a deploy target failed: ", name);
    }
    deploy_stored_free(&cert);
    return rc;
}

int manage_deploy(struct manage *m, const char *name, const struct manage_deploy_opts *o, struct err *err)
{
    struct err scratch = {0};
    struct store_lock *lock = NULL;
    int rc;

    err = err ? err : &scratch;
    if ((rc = store_lock(m->store, name, &lock, err)) != CP_OK)
        return rc;
    rc = manage_deploy_locked(m, name, o, err);
    store_unlock(lock);
    return rc;
}
