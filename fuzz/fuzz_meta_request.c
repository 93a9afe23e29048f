/* A certificate's meta.json read back for `renew` (manage_request_from_meta),
 * then every check manage_issue makes of the request before the network or
 * the disk: each name normalised and matched with the solver's challenge
 * type, the key type, the certificate name. The request borrows from the
 * JSON: nothing may outlive it, leak or read past it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "crypto/key.h"
#include "manage/manage.h"
#include "renew/schedule.h"
#include "solve/solve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* One check of manage_issue's: on failure, one clean line. */
static void checked(int rc, const struct err *e)
{
    if (rc != CP_OK)
        fuzz_check_failure(e, rc);
}

static void check_names(const struct manage_cert_req *req, const char *type)
{
    struct err e = {0};
    char *name = NULL;

    for (size_t i = 0; i < req->nnames; i++) {
        int rc = manage_name_normalise(req->names[i], &name, &e);
        checked(rc, &e);
        if (rc == CP_OK && (name == NULL || name[0] == '\0'))
            abort();
        if (rc == CP_OK)
            checked(manage_name_check_challenge(name, type, &e), &e);
        free(name);
        name = NULL;
    }
    /* a list never differs from itself, whatever its order or case */
    if (renew_names_differ(req->names, req->nnames, req->names, req->nnames))
        abort();
}

static void check_request(const struct manage_cert_req *req)
{
    const char *type = solver_challenge_type(req->solver, &req->settings);
    struct err e = {0};
    enum key_type kt;
    char *cert_name = NULL;
    int rc;

    if (type != NULL && strcmp(type, "dns-01") != 0 && strcmp(type, "http-01") != 0)
        abort();
    check_names(req, type);
    checked(key_type_parse(req->key_type ? req->key_type : "ec256", &kt, &e), &e);
    if (req->nnames == 0)
        return;  /* the names come from a CSR file, which is not read here */
    for (int derive = 0; derive < 2; derive++) {  /* the stored name, then one made from the first name */
        struct manage_cert_req d = *req;
        d.cert_name = derive ? NULL : req->cert_name;
        rc = manage_cert_name(&d, &cert_name, &e);
        checked(rc, &e);
        if (rc == CP_OK && (cert_name == NULL || cert_name[0] == '\0' || strchr(cert_name, '/') != NULL))
            abort();
        free(cert_name);
        cert_name = NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    json_t *meta = json_loadb((const char *)data, len, 0, NULL);
    struct manage_req_from_meta r;
    struct err e = {0};
    int rc;

    if (meta == NULL)
        return 0;
    rc = manage_request_from_meta(meta, "fuzz.example", &r, &e);
    if (rc != CP_OK) {
        fuzz_check_failure(&e, rc);
    } else {
        if (r.req.solver == NULL || r.req.nnames > MANAGE_MAX_NAMES || r.req.settings.n > 32 ||
            strcmp(r.req.cert_name, "fuzz.example") != 0)
            abort();
        check_request(&r.req);
    }
    json_decref(meta);
    return 0;
}
