/*
 * dns/alidns — the "alidns" dns-01 provider: TXT records through Alibaba
 * Cloud DNS (Alidns API 2015-01-09). Each record's RecordId is kept in
 * dns_txt.id and remove() deletes exactly those ids, so other TXT values
 * on the same name survive.
 *
 * Settings: endpoint (host[:port], default alidns.aliyuncs.com), region
 * (endpoint alidns.<region>.aliyuncs.com), signature (v3 | v2), ttl,
 * access_key_id, ca_bundle (tests). The secret only ever comes from the
 * environment or the credentials file (cloud/aliyun/creds.h).
 */
#ifndef CP_DNS_ALIDNS_H
#define CP_DNS_ALIDNS_H

#include "dns/provider.h"

struct dns_provider *dns_alidns_new(const struct dns_provider_opts *opts, struct err *err);

#endif
