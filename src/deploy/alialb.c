/*
 * deploy/alialb — Alibaba Cloud Application Load Balancer (ALB API
 * 2020-06-16): an HTTPS or QUIC listener serves this version from the
 * certificate service (deploy/alilistener.h), at alb.<region>.aliyuncs.com.
 *
 * ALB API reference (and @alicloud/alb20200616, RPC style, POST):
 *  - UpdateListenerAttribute: ListenerId, Certificates.N.CertificateId
 *    (the default certificate);
 *  - AssociateAdditionalCertificatesWithListener and
 *    DissociateAdditionalCertificatesFromListener: ListenerId,
 *    Certificates.N.CertificateId;
 *  - ListListenerCertificates: ListenerId, CertificateType, MaxResults,
 *    NextToken -> Certificates[] {CertificateId, IsDefault, Status}.
 * A CAS certificate's id there is "<CertId>-<CAS region>".
 */
#include "deploy/alilistener.h"
#include "deploy/common.h"

static const struct lsn_api alb = {
    "alialb", "2020-06-16", "alb", NULL, "Certificates.1.CertificateId", "Certificates.1.CertificateId",
    "DissociateAdditionalCertificatesFromListener", "Certificates.1.CertificateId",
};

static struct deploy_target *alb_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    return lsn_target_new(&alb, s, opts, err);
}

const struct deploy_type deploy_alialb_type = {"alialb", alb_new, "listener", NULL, false};
