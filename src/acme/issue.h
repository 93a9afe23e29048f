/*
 * acme/issue — the flow of one certificate order (RFC 8555 §7.4):
 * order → every authorization → present all challenges through the solver
 * → answer them → poll to a final state → clean up → finalize with a CSR →
 * download the chain. Network details live in client.c; this file only
 * sequences the resource calls and bounds every wait.
 */
#ifndef CP_ACME_ISSUE_H
#define CP_ACME_ISSUE_H

#include <stddef.h>

#include <openssl/evp.h>

#include "acme/client.h"
#include "solve/solve.h"

struct acme_issue_req {
    const char *const *names;  /* DNS names, wildcards as "*.example.com"; IP addresses in canonical text */
    size_t nnames;
    struct solver *solver;     /* borrowed; its type picks the challenge */
    EVP_PKEY *cert_key;        /* borrowed; the certificate's key (not the account key) */
    const char *profile;       /* ACME profile name or NULL */
    const char *preferred_chain; /* common name of the root (or an intermediate) wanted among
                                    the CA's alternate chains; NULL: the default chain */
    long timeout_s;            /* bound on all polling together; 0: 300 */
    const char *replaces;      /* RFC 9773 §5: the ARI id of the certificate this one replaces, or NULL */
    const unsigned char *csr_der;  /* a CSR someone else made (its key stays theirs), sent as it is;
                                      NULL: one is built from cert_key and names */
    size_t csr_der_len;
};

struct acme_issue_result {
    char *pem;        /* the certificate chain as downloaded (leaf first) */
    char *order_url;
    char *cert_url;
};

/* Needs an account set on the client. CP_EDECLINED when the solver declines,
 * CP_EACME with the CA's reason when an authorization or the order fails,
 * CP_ETIMEOUT when the CA does not finish in time. */
int acme_issue(struct acme_client *c, const struct acme_issue_req *req,
               struct acme_issue_result *out, struct err *err) CP_WUR;

void acme_issue_result_free(struct acme_issue_result *r);

#endif
