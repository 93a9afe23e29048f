/*
 * deploy/alinlb — Alibaba Cloud Network Load Balancer (NLB API
 * 2022-04-30): a TCPSSL listener serves this version from the certificate
 * service (deploy/alilistener.h), at nlb.<region>.aliyuncs.com.
 *
 * NLB API reference (RPC style, POST; every call names RegionId):
 *  - UpdateListenerAttribute: ListenerId, RegionId, CertificateIds.N (the
 *    server certificate);
 *  - AssociateAdditionalCertificatesWithListener and
 *    DisassociateAdditionalCertificatesWithListener: ListenerId, RegionId,
 *    AdditionalCertificateIds.N;
 *  - ListListenerCertificates: ListenerId, RegionId, CertificateType,
 *    MaxResults, NextToken -> Certificates[] {CertificateId, IsDefault, Status}.
 */
#include "deploy/alilistener.h"
#include "deploy/common.h"

static const struct lsn_api nlb = {
    "alinlb", "2022-04-30", "nlb", "RegionId", "CertificateIds.1", "AdditionalCertificateIds.1",
    "DisassociateAdditionalCertificatesWithListener", "AdditionalCertificateIds.1",
};

static struct deploy_target *nlb_new(const struct kvlist *s, const struct deploy_opts *opts, struct err *err)
{
    return lsn_target_new(&nlb, s, opts, err);
}

const struct deploy_type deploy_alinlb_type = {"alinlb", nlb_new, "listener", NULL, false};
