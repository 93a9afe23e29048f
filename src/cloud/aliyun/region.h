/*
 * cloud/aliyun/region — Alibaba Cloud region ids and the settings every
 * Alibaba target and DNS provider shares (signature=, region=, endpoint=),
 * read in one place: a region that does not exist is refused before any
 * call (the endpoint follows the region: a wrong one would be a DNS
 * failure or, worse, another region's resources).
 */
#ifndef CP_CLOUD_ALIYUN_REGION_H
#define CP_CLOUD_ALIYUN_REGION_H

#include <stdbool.h>

#include "cloud/aliyun/client.h"
#include "util/kv.h"

/* Is r (may be NULL) a public Alibaba Cloud region id? */
bool aliyun_region_known(const char *r);

/*
 * CP_OK for a known region; else CP_EUSAGE "<what>: region \"x\" does not
 * exist (did you mean \"y\"?)", the nearest known id (at most 3 edits
 * away), or "(a region id such as cn-hangzhou or ap-southeast-1)".
 */
int aliyun_region_check(const char *what, const char *region, struct err *err) CP_WUR;

/* A product's endpoints: <product>.<region>.aliyuncs.com, or global when no region is given. */
struct aliyun_endpoint_rule {
    const char *product;  /* "alidns"; NULL: the region does not shape the endpoint (global is it) */
    const char *global;   /* "alidns.aliyuncs.com"; NULL: region= is required */
};

struct aliyun_settings {
    enum aliyun_sigver sig;
    char *region;    /* the region= setting, checked; NULL when not given */
    char *endpoint;  /* endpoint=, else the rule's for the region, else its global one */
};

/*
 * signature= (v3, the default, or v2), region= (checked) and endpoint= of
 * s into *out (aliyun_settings_free, also after a failure). CP_EUSAGE
 * "<what>: ..." for a bad value or a missing region the rule needs.
 */
int aliyun_settings_parse(const struct kvlist *s, const char *what, const struct aliyun_endpoint_rule *rule,
                          struct aliyun_settings *out, struct err *err) CP_WUR;
void aliyun_settings_free(struct aliyun_settings *s);

#endif
