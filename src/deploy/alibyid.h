/*
 * deploy/alibyid — what the targets share that point an Alibaba service at
 * a certificate of the certificate service (alialb, alinlb, aliwaf,
 * aliapig): a region setting checked against Alibaba's region ids before
 * any call, two clients (the service's, at <host>.<region>.aliyuncs.com,
 * and CAS's), and one run's CAS certificate: found among the uploads or
 * uploaded once (deploy/alicas.h), with the id services know it by,
 * "<CertId>-<cas_region>". For the target files of src/deploy/ only.
 *
 * Settings: region (required), cas_region (where CAS keeps the upload:
 * cn-hangzhou, the default, for the China site; ap-southeast-1 for the
 * international one), and the common ones (deploy/aliyun.h; endpoint, a
 * test setting, points both clients at one host).
 */
#ifndef CP_DEPLOY_ALIBYID_H
#define CP_DEPLOY_ALIBYID_H

#include <stdbool.h>

#include "deploy/alicas.h"

#define ALI_BYID_SETTINGS "region", "cas_region", ALI_COMMON_SETTINGS

struct ali_byid {
    struct ali_conn svc, cas;
    char *region, *cas_region;
};

/*
 * Read region and cas_region and open both clients; the service's
 * endpoint is host.<region>.aliyuncs.com (host "alb").
 * CP_EUSAGE "<what>: region is not set (...)" or "<what>: region \"x\" is
 * not an Alibaba Cloud region id such as cn-hangzhou". Close with
 * ali_byid_close (also after a failure).
 */
int ali_byid_open(struct ali_byid *b, const char *what, const char *version, const char *host,
                  const struct kvlist *s, const struct deploy_opts *opts, struct err *err) CP_WUR;
void ali_byid_close(struct ali_byid *b);

/* One run's certificate in CAS. */
struct ali_byid_cert {
    char *key;  /* as sent to CAS (secret) */
    size_t key_len;
    char *name;               /* certpilot-<name>-<serial> */
    struct cas_uploads u;
    char *cert_id;            /* CAS CertId, "14" */
    char *svc_id;             /* as services name it, "14-cn-hangzhou" */
    bool uploaded;
};

/* This version's CAS certificate (listed, uploaded when missing). Free with ali_byid_cert_free. */
int ali_byid_cert(struct ali_byid *b, const struct deploy_cert *c, struct ali_byid_cert *r,
                  struct err *err) CP_WUR;
void ali_byid_cert_free(struct ali_byid_cert *r);

/* Does a service's certificate id (either form: "14-cn-hangzhou" or "14") name this run's upload? */
bool ali_byid_is_this(const struct ali_byid_cert *r, const char *svc_id);

/* Does it name an earlier upload of this certificate (same name prefix, another serial)? */
bool ali_byid_is_earlier(const struct ali_byid *b, const struct ali_byid_cert *r, const struct deploy_cert *c,
                         const char *svc_id);

#endif
