#include "deploy/aliregion.h"

#include <string.h>

#include "util/kv.h"

/* Alibaba Cloud's public regions ("Regions and zones", help.aliyun.com/document_detail/40654.html). */
static const char *const regions[] = {
    "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
    "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-wuhan-lr", "cn-shenzhen", "cn-heyuan", "cn-guangzhou",
    "cn-chengdu", "cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-3",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "us-east-1", "us-west-1", "na-south-1",
    "eu-west-1", "eu-central-1", "me-east-1", "me-central-1", NULL,
};

int ali_region_check(const char *what, const char *region, struct err *err)
{
    const char *near = NULL;

    for (size_t i = 0; regions[i] != NULL; i++)
        if (strcmp(regions[i], region) == 0)
            return CP_OK;
    if ((near = kv_nearest(region, regions)) != NULL)
        return err_set(err, CP_EUSAGE, "%s: region \"%s\" does not exist (did you mean \"%s\"?)", what, region,
                       near);
    return err_set(err, CP_EUSAGE, "%s: region \"%s\" does not exist (a region id such as cn-hangzhou or "
                   "ap-southeast-1)", what, region);
}
