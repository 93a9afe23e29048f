/*
 * manage/targets — a certificate's list of deploy targets in meta.json: what
 * may be stored (a target that parses, whose settings build a target, none of
 * them a secret), added, replaced by a config section's list, or removed.
 * A target is kept as its type and settings; "target" is the text it is shown
 * and matched by, never parsed again (except in entries written before).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage/internal.h"

/* The target as type and settings (owned by out), and the text it is shown by (malloc'd). */
static int resolve(const struct manage_target *t, struct deploy_spec *out, char **shown, struct err *err)
{
    int rc = t->spec != NULL ? deploy_spec_parse(t->spec, out, err)
                             : deploy_spec_from(t->type, &t->settings, out, err);

    if (rc != CP_OK)
        return rc;
    *shown = t->spec != NULL ? strdup(t->spec) : deploy_spec_format(out->type, &out->settings);
    if (*shown == NULL) {
        deploy_spec_free(out);
        return err_nomem(err);
    }
    return CP_OK;
}

/* Built once and freed: every setting checked, nothing run, nothing sent. meta.json is not
 * secret, so a setting that holds one is refused here too (without its value). */
static int check(const struct deploy_spec *ds, struct err *err)
{
    struct deploy_target *t = deploy_target_new(ds->type, &ds->settings, NULL, err);

    if (t == NULL)
        return err->code;
    deploy_target_free(t);
    for (size_t i = 0; i < ds->n; i++)
        if (deploy_setting_secret(ds->items[i].key))
            return err_set(err, CP_EUSAGE, "%s: %s would hold a secret, which is never stored; keep it in a "
                           "file or the environment", ds->type, ds->items[i].key);
    return CP_OK;
}

int manage_deploy_check(const struct manage_target *t, size_t n, struct err *err)
{
    int rc = CP_OK;

    for (size_t i = 0; rc == CP_OK && i < n; i++) {
        struct deploy_spec ds = {0};
        char *shown = NULL;
        if ((rc = resolve(&t[i], &ds, &shown, err)) == CP_OK)
            rc = check(&ds, err);
        deploy_spec_free(&ds);
        free(shown);
    }
    return rc;
}

static json_t *settings_json(const struct deploy_spec *ds)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < ds->n; i++)
        if (json_array_append_new(a, json_pack("[s,s]", ds->items[i].key, ds->items[i].value)) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* A new entry for t, checked; NULL with err. */
static json_t *entry_new(const struct manage_target *t, struct err *err)
{
    struct deploy_spec ds = {0};
    char *shown = NULL;
    json_t *e = NULL;
    int rc = resolve(t, &ds, &shown, err);

    if (rc == CP_OK)
        rc = check(&ds, err);
    if (rc == CP_OK &&
        (e = json_pack("{s:s, s:s, s:o}", "target", shown, "type", ds.type, "settings", settings_json(&ds))) == NULL)
        err_nomem(err);
    deploy_spec_free(&ds);
    free(shown);
    return e;
}

int targets_entry_spec(const json_t *entry, struct deploy_spec *out, struct err *err)
{
    const char *type = json_string_value(json_object_get(entry, "type"));
    const json_t *set = json_object_get(entry, "settings"), *kv;
    struct kv items[64];
    size_t i, n = 0;

    memset(out, 0, sizeof(*out));
    if (type == NULL || !json_is_array(set)) { /* written before the settings were kept */
        const char *spec = json_string_value(json_object_get(entry, "target"));
        return deploy_spec_parse(spec != NULL ? spec : "", out, err);
    }
    json_array_foreach(set, i, kv) {
        if (n == sizeof(items) / sizeof(items[0]) || json_unpack((json_t *)kv, "[ss]", &items[n].key, &items[n].value) != 0)
            return err_set(err, CP_EINVALID, "meta.json: deploy target %s: bad settings", type);
        n++;
    }
    return deploy_spec_from(type, &(struct kvlist){items, n}, out, err);
}

int targets_check_list(const json_t *list, struct err *err)
{
    size_t i;
    json_t *e;
    int rc = CP_OK;

    json_array_foreach(list, i, e) {
        struct deploy_spec ds = {0};
        if ((rc = targets_entry_spec(e, &ds, err)) == CP_OK)
            rc = check(&ds, err);
        deploy_spec_free(&ds);
        if (rc != CP_OK) {
            const char *shown = json_string_value(json_object_get(e, "target"));
            err_prefix(err, "deploy target %s: ", shown ? shown : "?");
            return rc;
        }
    }
    return CP_OK;
}

/* The index of the entry shown as spec, or -1. */
static long find_shown(const json_t *list, const char *spec)
{
    size_t i;
    json_t *e;

    json_array_foreach(list, i, e) {
        const char *t = json_string_value(json_object_get(e, "target"));
        if (t != NULL && strcmp(t, spec) == 0)
            return (long)i;
    }
    return -1;
}

/* Does every setting of want appear in the entry's settings (and the type match)? */
static bool entry_has(const json_t *e, const struct deploy_spec *want)
{
    struct deploy_spec have = {0};
    bool all;

    if (targets_entry_spec(e, &have, NULL) != CP_OK)
        return false;
    all = strcmp(have.type, want->type) == 0 && want->n > 0;
    for (size_t i = 0; all && i < want->n; i++) {
        const char *v = kv_get(&have.settings, want->items[i].key);
        all = v != NULL && strcmp(v, want->items[i].value) == 0;
    }
    deploy_spec_free(&have);
    return all;
}

/* "a; b; c": the targets stored, for a message. */
static void list_shown(const json_t *list, char *out, size_t len)
{
    size_t i;
    json_t *e;

    snprintf(out, len, "%s", json_array_size(list) == 0 ? "it has none" : "stored: ");
    json_array_foreach(list, i, e) {
        const char *t = json_string_value(json_object_get(e, "target"));
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", i > 0 ? "; " : "", t ? t : "?");
    }
}

/* The one entry want names: its spec as stored, or TYPE:ITEM matching its settings. */
static long find_removed(const json_t *list, const char *cert, const char *want, struct err *err)
{
    struct deploy_spec ws = {0};
    char stored[700];
    long at = find_shown(list, want), found = -1, count = 0;
    size_t i;
    json_t *e;

    if (at >= 0)
        return at;
    if (deploy_spec_parse(want, &ws, NULL) == CP_OK)
        json_array_foreach(list, i, e)
            if (entry_has(e, &ws)) {
                found = (long)i;
                count++;
            }
    deploy_spec_free(&ws);
    if (count == 1)
        return found;
    list_shown(list, stored, sizeof(stored));
    err_set(err, CP_EUSAGE, "certificate %s: %s deploy target \"%s\" (%s)", cert,
            count == 0 ? "no" : "more than one", want, stored);
    return -1;
}

/* The new entries for add, in order, each taking the last result of the stored one it equals. */
static json_t *entries_for(const json_t *list, const struct manage_deploy_opts *o, struct err *err)
{
    json_t *out = json_array(), *e;

    if (out == NULL) {
        err_nomem(err);
        return NULL;
    }
    for (size_t i = 0; i < o->nadd; i++) {
        long old;
        if ((e = entry_new(&o->add[i], err)) == NULL) {
            json_decref(out);
            return NULL;
        }
        old = find_shown(list, json_string_value(json_object_get(e, "target")));
        if (old >= 0 && json_object_get(json_array_get(list, (size_t)old), "last") != NULL)
            json_object_set(e, "last", json_object_get(json_array_get(list, (size_t)old), "last"));
        if (find_shown(out, json_string_value(json_object_get(e, "target"))) >= 0 ||
            (!o->exact && old >= 0))
            json_decref(e);  /* there already */
        else if (json_array_append_new(out, e) != 0) {
            json_decref(out);
            err_nomem(err);
            return NULL;
        }
    }
    return out;
}

int targets_apply(json_t *list, const char *cert, const struct manage_deploy_opts *o, struct err *err)
{
    json_t *work = json_deep_copy(list), *add = NULL;
    int rc = work != NULL ? CP_OK : err_nomem(err);

    for (size_t i = 0; rc == CP_OK && i < o->nremove; i++) {
        long at = find_removed(work, cert, o->remove[i], err);
        rc = at < 0 ? CP_EUSAGE : json_array_remove(work, (size_t)at) == 0 ? CP_OK : err_nomem(err);
    }
    if (rc == CP_OK && (add = entries_for(work, o, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK && o->exact)
        json_array_clear(work);
    if (rc == CP_OK && (json_array_extend(work, add) != 0 || json_array_clear(list) != 0 ||
                        json_array_extend(list, work) != 0))
        rc = err_nomem(err);
    json_decref(add);
    json_decref(work);
    return rc;
}

size_t targets_secret_env(const json_t *list, const char **names, size_t max)
{
    size_t n = 0, i, k;
    json_t *e, *kv;

    json_array_foreach(list, i, e)
        json_array_foreach(json_object_get(e, "settings"), k, kv) {
            const char *key = json_string_value(json_array_get(kv, 0));
            size_t len = key ? strlen(key) : 0;
            if (n < max && len > 4 && strcmp(key + len - 4, "_env") == 0)
                names[n++] = json_string_value(json_array_get(kv, 1));
        }
    names[n] = NULL;
    return n;
}
