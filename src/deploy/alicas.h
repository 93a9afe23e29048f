/*
 * deploy/alicas — the certificate service's uploads (CAS API 2020-04-07),
 * shared by the alicas target and the targets that point a service at a
 * CAS certificate id (alialb, alinlb, aliwaf, aliapig: deploy/alibyid.h).
 * One version is uploaded once under its name (ali_cert_name with no tag:
 * "certpilot-<name>-<serial>"), whichever target needs it first; every
 * later run and every other target finds it by that name and reuses its
 * CertId. For the target files of src/deploy/ only.
 */
#ifndef CP_DEPLOY_ALICAS_H
#define CP_DEPLOY_ALICAS_H

#include <stdbool.h>

#include "deploy/aliyun.h"

/* One upload of the account: its name and CertificateId (as text). */
struct cas_upload {
    char *name, *id;
};

struct cas_uploads {
    struct cas_upload *v;
    size_t n;
};

/* Every upload of the account (ListUserCertificateOrder, OrderType UPLOAD, page by page) into *u (empty
 * first; cas_uploads_free also after a failure). key: the key as the run sends it, for scrubbing. */
int cas_list_uploads(struct ali_conn *cas, const char *key, struct cas_uploads *u, struct err *err) CP_WUR;
void cas_uploads_free(struct cas_uploads *u);

/* The name of the upload whose CertificateId is id, or NULL (borrowed from u). */
const char *cas_uploads_name(const struct cas_uploads *u, const char *id);

/*
 * The CertId of c's upload named name: found in u (listed by
 * cas_list_uploads), or uploaded now with UploadUserCertificate (the full
 * chain and key; *uploaded set, and the upload added to u). *id is
 * malloc'd. Errors start with cas->what.
 */
int cas_ensure(struct ali_conn *cas, const struct deploy_cert *c, const char *name, const char *key,
               struct cas_uploads *u, char **id, bool *uploaded, struct err *err) CP_WUR;

#endif
