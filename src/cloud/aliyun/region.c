/*
 * cloud/aliyun/region.c — the region list and the shared settings.
 */
#include "cloud/aliyun/region.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

/* Alibaba Cloud's public regions ("Regions and zones", help.aliyun.com/document_detail/40654.html). */
static const char *const regions[] = {
    "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
    "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-wuhan-lr", "cn-shenzhen", "cn-heyuan", "cn-guangzhou",
    "cn-chengdu", "cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-3",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-south-1", "us-east-1", "us-west-1",
    "na-south-1", "eu-west-1", "eu-central-1", "me-east-1", "me-central-1", "cn-shanghai-finance-1",
    "cn-shenzhen-finance-1", "cn-beijing-finance-1", NULL,
};

bool aliyun_region_known(const char *r)
{
    for (size_t i = 0; r != NULL && regions[i] != NULL; i++)
        if (strcmp(regions[i], r) == 0)
            return true;
    return false;
}

int aliyun_region_check(const char *what, const char *region, struct err *err)
{
    const char *near = NULL;

    if (aliyun_region_known(region))
        return CP_OK;
    if ((near = kv_nearest(region, regions)) != NULL)
        return err_set(err, CP_EUSAGE, "%s: region \"%s\" does not exist (did you mean \"%s\"?)", what, region,
                       near);
    return err_set(err, CP_EUSAGE, "%s: region \"%s\" does not exist (a region id such as cn-hangzhou or "
                   "ap-southeast-1)", what, region);
}

static int read_signature(const struct kvlist *s, const char *what, enum aliyun_sigver *sig, struct err *err)
{
    const char *v = kv_get(s, "signature");

    *sig = ALIYUN_SIG_V3;
    if (v == NULL || strcmp(v, "v3") == 0)
        return CP_OK;
    if (strcmp(v, "v2") == 0) {
        *sig = ALIYUN_SIG_V2;
        return CP_OK;
    }
    return err_set(err, CP_EUSAGE, "%s: signature must be v3 or v2, not \"%s\"", what, v);
}

int aliyun_settings_parse(const struct kvlist *s, const char *what, const struct aliyun_endpoint_rule *rule,
                          struct aliyun_settings *out, struct err *err)
{
    const char *region = kv_get(s, "region"), *ep = kv_get(s, "endpoint");
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = read_signature(s, what, &out->sig, err)) != CP_OK)
        return rc;
    if (region != NULL && (rc = aliyun_region_check(what, region, err)) != CP_OK)
        return rc;
    if (region == NULL && ep == NULL && rule->global == NULL)
        return err_set(err, CP_EUSAGE, "%s: region is not set (the service's region, such as cn-hangzhou)", what);
    if (region != NULL && (out->region = str_dup(region)) == NULL)
        return err_nomem(err);
    if (ep != NULL)
        out->endpoint = str_dup(ep);
    else if (region != NULL && rule->product != NULL)
        out->endpoint = str_printf("%s.%s.aliyuncs.com", rule->product, region);
    else
        out->endpoint = str_dup(rule->global);
    return out->endpoint != NULL ? CP_OK : err_nomem(err);
}

void aliyun_settings_free(struct aliyun_settings *s)
{
    if (s == NULL)
        return;
    free(s->region);
    free(s->endpoint);
    memset(s, 0, sizeof(*s));
}
