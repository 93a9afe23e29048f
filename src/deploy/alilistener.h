/*
 * deploy/alilistener — one HTTPS listener of an Alibaba load balancer
 * serving a certificate of the certificate service, either as its default
 * certificate or as an additional (SNI) one; ALB (deploy/alialb.c) and
 * NLB (deploy/alinlb.c) differ only in names, which struct lsn_api holds.
 *
 * A run: this version in CAS (deploy/alibyid.h: found, or uploaded once);
 * the listener's certificates listed (skip when ours is already there, as
 * the default or as an additional one as asked); the change; the list
 * again (verify). An additional certificate of an earlier version of ours
 * is dissociated once the new one is listed; one another tool put there
 * stays. For the target files of src/deploy/ only.
 *
 * Settings: listener (main), as (default or additional; default:
 * default), and those of deploy/alibyid.h.
 */
#ifndef CP_DEPLOY_ALILISTENER_H
#define CP_DEPLOY_ALILISTENER_H

#include "deploy/target.h"

struct lsn_api {
    const char *what;           /* "alialb" */
    const char *version;        /* "2020-06-16" */
    const char *host;           /* endpoint host.<region>.aliyuncs.com: "alb" */
    const char *region_param;   /* "RegionId" when every call names the region, else NULL */
    const char *default_param;  /* UpdateListenerAttribute's certificate: "Certificates.1.CertificateId" */
    const char *add_param;      /* AssociateAdditionalCertificatesWithListener's */
    const char *remove_action;  /* "DissociateAdditionalCertificatesFromListener" */
    const char *remove_param;
};

/* A listener target over api (static). NULL and err on a bad setting. */
struct deploy_target *lsn_target_new(const struct lsn_api *api, const struct kvlist *s,
                                     const struct deploy_opts *opts, struct err *err);

#endif
