/*
 * dns/aliesa — the "aliesa" dns-01 provider: TXT records of a site hosted
 * on Alibaba Cloud ESA (Edge Security Acceleration, API 2024-09-10), for
 * names whose DNS ESA serves (NS access). The site is the longest one of
 * the account that holds the name; each record's RecordId is kept in
 * dns_txt.id and remove() deletes exactly those ids, once ListRecords
 * shows the id still holds our name and value, so other TXT values on the
 * same name survive.
 *
 * Settings: endpoint (host[:port], default esa.cn-hangzhou.aliyuncs.com),
 * region (endpoint esa.<region>.aliyuncs.com), signature (v3 | v2), ttl
 * (default 60; 1 lets ESA choose), access_key_id, ca_bundle (tests). The
 * secret only ever comes from the environment or the credentials file
 * (cloud/aliyun/creds.h).
 */
#ifndef CP_DNS_ALIESA_H
#define CP_DNS_ALIESA_H

#include "dns/provider.h"

struct dns_provider *dns_aliesa_new(const struct dns_provider_opts *opts, struct err *err);

#endif
