/*
 * cloud/aliyun/esa — what the ESA (Edge Security Acceleration, API 2024-09-10)
 * users share: its paging and its sites. The dns-01 provider (dns/aliesa.c)
 * and the deploy target (deploy/aliesa.c) both find a site first.
 *
 * ESA's list actions (ListSites, ListRecords, ListCertificates) page with
 * PageNumber from 1 and PageSize, and say TotalCount in each reply.
 * ListSites is a GET (the SDK's method): pass a GET client for it.
 */
#ifndef CP_CLOUD_ALIYUN_ESA_H
#define CP_CLOUD_ALIYUN_ESA_H

#include <stddef.h>

#include <jansson.h>

#include "cloud/aliyun/client.h"

#define ESA_VERSION "2024-09-10"
#define ESA_REGION "cn-hangzhou"  /* the default; ap-southeast-1 serves accounts outside the Chinese mainland */

/* One item of a list: 0 go on, 1 found what it wanted (stop), < 0 an error (err set). */
typedef int (*esa_item_fn)(const json_t *item, void *ud, struct err *err);

/*
 * Call action with params (PageNumber and PageSize added) page by page and
 * hand every item of the reply's array list to fn. 1 when fn stopped the
 * walk, 0 when every page was seen, < 0 on an error (err "<product>: ...").
 */
int esa_paginate(struct aliyun_client *cli, const char *action, const struct kvlist *params, const char *list,
                 esa_item_fn fn, void *ud, struct err *err);

struct esa_site {
    char *id;    /* SiteId as text */
    char *name;  /* lower case, no trailing dot: "example.com" */
};

/*
 * The account's sites (ListSites, every page; only the one called name,
 * SiteSearchType exact, when name is not NULL). *out is malloc'd (free
 * with esa_sites_free), possibly empty.
 */
int esa_sites(struct aliyun_client *get, const char *name, struct esa_site **out, size_t *n, struct err *err);
void esa_sites_free(struct esa_site *v, size_t n);

/* An id ESA sends as a number or a string (SiteId, RecordId), as text; malloc'd; NULL when j is neither. */
char *esa_id_text(const json_t *j);

#endif
