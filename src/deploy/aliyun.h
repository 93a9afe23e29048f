/*
 * deploy/aliyun — what the Alibaba Cloud targets (alicdn, alidcdn, alilive,
 * alivod, aliapigw, alicas, aliclb) share: one signed API client built from the common settings, the name a
 * certificate version is uploaded under, comparing what Alibaba serves
 * with the version being deployed, and keeping key material out of error
 * lines. For the target files of src/deploy/ only.
 *
 * Common settings: endpoint (host[:port]), signature (v3, the default, or
 * v2), access_key_id, ca_bundle (tests; default the system trust store),
 * name (the prefix of uploaded certificate names), sts_endpoint and
 * metadata_endpoint (where temporary credentials come from). The secret
 * never is a setting (cloud/aliyun/creds.h: the SDKs' sources).
 * Every call is a POST with a form body: the private key never travels in
 * a URL, and nothing here logs a parameter or a reply.
 */
#ifndef CP_DEPLOY_ALIYUN_H
#define CP_DEPLOY_ALIYUN_H

#include <stdbool.h>

#include "cloud/aliyun/client.h"
#include "deploy/target.h"

/* The settings every Alibaba target knows, for its kv_check_known list. */
#define ALI_COMMON_SETTINGS "endpoint", "signature", "access_key_id", "ca_bundle", "name", "sts_endpoint", \
    "metadata_endpoint"

/* Alibaba's limit on uploaded certificate names (CAS: 64 characters). */
#define ALI_NAME_MAX 64
/* The longest name= prefix: room for "-" and 32 hex digits of the serial. */
#define ALI_PREFIX_MAX (ALI_NAME_MAX - 1 - 32)

struct ali_conn {
    const char *what;              /* "alicdn": starts every message (static) */
    const struct logger *log;      /* borrowed, may be NULL */
    struct aliyun_creds *creds;
    struct aliyun_client *cli;
    char *endpoint;
    char *prefix;                  /* the name setting, or NULL */
    const char *tag;               /* static, in default names ("cdn"), or NULL; set by the target */
};

/*
 * Read the common settings and open a client for one product (version, the
 * endpoint used when the settings name none). CP_EUSAGE "<what>: ..." for a
 * bad setting or missing credentials. Close with ali_conn_close (also after
 * a failure).
 */
int ali_conn_open(struct ali_conn *c, const char *what, const char *version, const char *default_endpoint,
                  const struct kvlist *s, const struct deploy_opts *opts, struct err *err) CP_WUR;
void ali_conn_close(struct ali_conn *c);

/*
 * aliyun_call; when params carry key_sent (the key as sent, may be NULL)
 * aliyun_call_secret, whose error line never shows the reply's Message. In
 * either line every piece of key_sent a server echoed is replaced
 * (ali_scrub): a reply may quote the key of an earlier call.
 */
int ali_call(struct ali_conn *c, const char *action, const struct kvlist *params, const char *key_sent,
             struct aliyun_reply *out, struct err *err) CP_WUR;

/*
 * The private key in the form Alibaba's certificate pages ask for: the
 * traditional PEM ("BEGIN RSA PRIVATE KEY" / "BEGIN EC PRIVATE KEY"); CDN
 * documents that it wants RSA keys so, not PKCS#8. A secret: free with
 * secret_free(*out, *len). CP_EINVALID / CP_ECRYPTO "<what>: ...".
 */
int ali_key_pem(const struct deploy_cert *c, const char *what, char **out, size_t *len, struct err *err) CP_WUR;

/*
 * The name prefix of a certificate's uploads: the name setting, or
 * "certpilot-", the tag and "-" (when tag is not NULL), and the certificate
 * name with '.' as '_', trimmed to ALI_PREFIX_MAX characters in all; a name
 * that held '_' or had to be trimmed gets 8 hex digits of its SHA-256
 * instead of its tail, so two certificate names never share a prefix.
 * Ends with "-". malloc'd; NULL: no memory.
 */
char *ali_name_prefix(const char *setting, const char *tag, const char *cert_name);

/* The name of one version: the prefix and the last 32 hex digits of the
 * serial, at most ALI_NAME_MAX characters. malloc'd; NULL: no memory. */
char *ali_cert_name(const char *setting, const char *tag, const struct deploy_cert *c);

/* Is name an upload of this prefix: the prefix followed by 1 to 32 upper-case hex digits? */
bool ali_is_upload_of(const char *name, const char *prefix);

/* An id Alibaba sends as a number or a string (CertId), as text; malloc'd; NULL when j is neither. */
char *ali_id_text(const json_t *j);

/* Does the first certificate of pem (what Alibaba says it serves) equal c's leaf, byte for byte? */
bool ali_same_leaf(const char *pem, const struct deploy_cert *c);

/*
 * Every value of key (it may repeat), each split at commas and white
 * space: "a.example.com, b.example.com". *out is a malloc'd array of
 * malloc'd strings (free with ali_list_free), empty when key is absent.
 */
int ali_get_list(const struct kvlist *s, const char *key, char ***out, size_t *n, struct err *err) CP_WUR;
void ali_list_free(char **v, size_t n);

/* Every value a domain name (letters, digits, '-', '.', '_', a leading "*." or "." for wildcards)?
 * CP_EUSAGE "<what>: domain \"x\" is not a domain name" otherwise. */
int ali_check_domains(const char *what, char *const *v, size_t n, struct err *err) CP_WUR;

/* Replace every piece of key_pem's base64 body (8 or more of its characters
 * in a row) in err's line by "[private key]", in any form a server may quote
 * it in (plain, split over lines, percent-encoded, JSON-escaped: util/redact.h),
 * and say that the reply quoted the key. */
void ali_scrub(struct err *err, const char *what, const char *key_pem);

#endif
