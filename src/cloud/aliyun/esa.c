/*
 * cloud/aliyun/esa.c — ESA paging and sites (ESA API reference, 2024-09-10:
 * ListSites, RPC, GET; SiteName with SiteSearchType exact; the reply's Sites
 * hold SiteId and SiteName).
 */
#include "cloud/aliyun/esa.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

#define PAGE_SIZE "100"
#define MAX_PAGES 1000

/* 0 go on, 1 fn stopped, 2 an empty page (the end), < 0 error */
static int walk_page(const json_t *reply, const char *action, const char *list, esa_item_fn fn, void *ud,
                     size_t *seen, struct err *err)
{
    const json_t *items = json_object_get(reply, list), *it;
    size_t i;
    int rc;

    if (!json_is_array(items))
        return err_set(err, CP_EPROTO, "aliesa: %s: the reply has no %s list", action, list);
    json_array_foreach(items, i, it) {
        if ((rc = fn(it, ud, err)) != 0)
            return rc;
    }
    *seen += json_array_size(items);
    return json_array_size(items) == 0 ? 2 : 0;
}

int esa_paginate(struct aliyun_client *cli, const char *action, const struct kvlist *params, const char *list,
                 esa_item_fn fn, void *ud, struct err *err)
{
    struct kv p[12];
    char page[24];
    size_t seen = 0, n = params != NULL ? params->n : 0;
    int rc = 0;

    if (n + 2 > sizeof(p) / sizeof(p[0]))
        return err_set(err, CP_EINVALID, "aliesa: %s: too many parameters", action);
    if (n > 0)
        memcpy(p, params->items, n * sizeof(p[0]));
    p[n] = (struct kv){"PageNumber", page};
    p[n + 1] = (struct kv){"PageSize", PAGE_SIZE};
    for (int k = 1; rc == 0 && k <= MAX_PAGES; k++) {
        struct kvlist l = {p, n + 2};
        struct aliyun_reply r;

        snprintf(page, sizeof(page), "%d", k);
        if ((rc = aliyun_call(cli, action, &l, &r, err)) != CP_OK)
            return rc;
        rc = walk_page(r.json, action, list, fn, ud, &seen, err);
        if (rc == 0 && (json_int_t)seen >= json_integer_value(json_object_get(r.json, "TotalCount")))
            rc = 2;
        aliyun_reply_free(&r);
    }
    return rc < 0 ? rc : rc == 1;
}

char *esa_id_text(const json_t *j)
{
    if (json_is_integer(j))
        return str_printf("%lld", (long long)json_integer_value(j));
    return json_is_string(j) && *json_string_value(j) != '\0' ? str_dup(json_string_value(j)) : NULL;
}

struct site_list {
    const char *want;  /* only this name, or NULL */
    struct esa_site *v;
    size_t n;
};

static int collect_site(const json_t *item, void *ud, struct err *err)
{
    struct site_list *l = ud;
    const char *name = json_string_value(json_object_get(item, "SiteName"));
    char *id = NULL, *lc = NULL;
    struct esa_site *nv = NULL;

    if (name == NULL || (l->want != NULL && strcasecmp(name, l->want) != 0))
        return 0;
    if ((id = esa_id_text(json_object_get(item, "SiteId"))) == NULL)
        return err_set(err, CP_EPROTO, "aliesa: ListSites: site %s has no SiteId", name);
    if ((lc = str_dup(name)) == NULL || (nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
        free(id);
        free(lc);
        return err_nomem(err);
    }
    for (char *c = lc; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    l->v = nv;
    l->v[l->n++] = (struct esa_site){id, lc};
    return 0;
}

int esa_sites(struct aliyun_client *get, const char *name, struct esa_site **out, size_t *n, struct err *err)
{
    struct kv p[] = {{"SiteName", name}, {"SiteSearchType", "exact"}};
    struct kvlist params = {p, name != NULL ? 2 : 0};
    struct site_list l = {name, NULL, 0};
    int rc = esa_paginate(get, "ListSites", &params, "Sites", collect_site, &l, err);

    *out = l.v;
    *n = l.n;
    if (rc < 0) {
        esa_sites_free(l.v, l.n);
        *out = NULL;
        *n = 0;
    }
    return rc < 0 ? rc : CP_OK;
}

void esa_sites_free(struct esa_site *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++) {
        free(v[i].id);
        free(v[i].name);
    }
    free(v);
}
