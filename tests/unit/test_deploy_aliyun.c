/*
 * deploy, Alibaba Cloud targets: upload names (length, uniqueness, the
 * prefix delete_old matches), the compact forms, settings errors, key
 * material kept out of error lines, and the alicdn, aliapigw and alicas
 * runs over a scripted transport: the exact actions and parameters sent
 * (POST form bodies only), skipping a version already in place, checking
 * after the upload, one failing domain not stopping the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "cloud/aliyun/sign.h"
#include "crypto/key.h"
#include "deploy/aliyun.h"
#include "deploy/target.h"
#include "support/certs.h"
#include "util/buf.h"
#include "util/str.h"

#define MAXREQ 16

/* ---------- a certificate version ---------- */

struct version {
    char *key, *cert, *fullchain;
    char *trad;  /* the key as the targets send it: traditional PEM */
    size_t trad_len;
    const char *names[1];
    struct deploy_cert view;
};

static void make_version(struct version *v, const char *name, const char *serial_hex)
{
    static const unsigned char serial[] = {0x0A, 0x1B};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    size_t len = 0;

    memset(v, 0, sizeof(*v));
    assert_non_null(key);
    assert_int_equal(key_to_pem(key, &v->key, &len, NULL), CP_OK);
    assert_int_equal(key_to_pem_traditional(key, &v->trad, &v->trad_len, NULL), CP_OK);
    assert_true(str_has_prefix(v->trad, "-----BEGIN EC PRIVATE KEY-----\n"));
    v->cert = test_make_cert(key, serial, sizeof(serial));
    v->fullchain = str_printf("%s%s", v->cert, v->cert);  /* any second certificate will do */
    v->names[0] = name;
    v->view = (struct deploy_cert){name, v->names, 1, serial_hex, 1700000000, v->cert, v->cert, v->fullchain,
                                   v->key, len, NULL, NULL, NULL, NULL};
    EVP_PKEY_free(key);
}

static void free_version(struct version *v)
{
    secret_free(v->key, v->view.key_len);
    secret_free(v->trad, v->trad_len);
    free(v->cert);
    free(v->fullchain);
}

/* ---------- a scripted transport ---------- */

struct scripted {
    struct http_transport t;
    char *replies[MAXREQ];  /* owned JSON texts */
    long status[MAXREQ];
    size_t n, next;
    char *url[MAXREQ], *action[MAXREQ], *body[MAXREQ];
};

static char *header_value(const struct http_request *req, const char *name)
{
    size_t n = strlen(name);

    for (size_t k = 0; req->headers != NULL && req->headers[k] != NULL; k++)
        if (strncmp(req->headers[k], name, n) == 0 && req->headers[k][n] == ':')
            return strdup(req->headers[k] + n + 2);
    return NULL;
}

static int scripted_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                         struct err *err)
{
    struct scripted *s = (struct scripted *)t;
    size_t i = s->next++;

    (void)err;
    assert_true(i < s->n);
    assert_string_equal(req->method, "POST");
    assert_null(strchr(req->url, '?'));  /* nothing in the URL, ever */
    s->url[i] = strdup(req->url);
    s->action[i] = header_value(req, "x-acs-action");
    s->body[i] = strndup(req->body, req->body_len);
    memset(resp, 0, sizeof(*resp));
    resp->status = s->status[i];
    assert_int_equal(buf_append_str(&resp->body, s->replies[i]), CP_OK);
    return CP_OK;
}

static void scripted_init(struct scripted *s)
{
    memset(s, 0, sizeof(*s));
    s->t.send = scripted_send;
}

/* Queue a reply: a JSON object, new reference taken. */
static void queue(struct scripted *s, long status, json_t *reply)
{
    assert_true(s->n < MAXREQ);
    s->status[s->n] = status;
    s->replies[s->n++] = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
}

static void queue_ok(struct scripted *s)
{
    queue(s, 200, json_pack("{s:s}", "RequestId", "R-OK"));
}

static void scripted_done(struct scripted *s)
{
    for (size_t i = 0; i < MAXREQ; i++) {
        free(s->replies[i]);
        free(s->url[i]);
        free(s->action[i]);
        free(s->body[i]);
    }
}

/* The decoded value of name in form body (malloc'd), or NULL. */
static char *form_get(const char *body, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = body; p != NULL && *p != '\0'; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) != 0 || p[n] != '=')
            continue;
        struct buf b = BUF_INIT;
        for (const char *q = p + n + 1; *q != '\0' && *q != '&'; q++) {
            char c = *q;
            if (c == '%') {
                unsigned x = 0;
                assert_int_equal(sscanf(q + 1, "%2x", &x), 1);
                c = (char)x;
                q += 2;
            }
            assert_int_equal(buf_append(&b, &c, 1), CP_OK);
        }
        assert_int_equal(buf_append(&b, "", 0), CP_OK);
        return buf_steal(&b);
    }
    return NULL;
}

static void assert_param(const struct scripted *s, size_t i, const char *name, const char *want)
{
    char *got = form_get(s->body[i], name);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void assert_request(const struct scripted *s, size_t i, const char *url, const char *action)
{
    assert_true(i < s->next);
    assert_string_equal(s->url[i], url);
    assert_string_equal(s->action[i], action);
}

/* ---------- building targets ---------- */

static void set_creds(void)
{
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKID", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "the-secret-value", 1);
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
}

/* The target of spec (compact form) over s (may be NULL); NULL with err on a bad setting. */
static struct deploy_target *build(const char *spec, struct scripted *s, struct err *err)
{
    struct deploy_opts o = {NULL, NULL, s != NULL ? &s->t : NULL};
    struct deploy_spec sp = {0};
    struct deploy_target *t = NULL;

    if (deploy_spec_parse(spec, &sp, err) == CP_OK)
        t = deploy_target_new(sp.type, &sp.settings, &o, err);
    deploy_spec_free(&sp);
    return t;
}

static void expect_error(const char *spec, int code, const char *msg)
{
    struct err err = {0};

    assert_null(build(spec, NULL, &err));
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, code);
}

/* ---------- names ---------- */

static void expect_prefix(const char *setting, const char *tag, const char *cert_name, const char *want)
{
    char *p = ali_name_prefix(setting, tag, cert_name);

    assert_string_equal(p, want);
    assert_true(strlen(p) <= ALI_PREFIX_MAX + 1);
    free(p);
}

static void test_names(void **state)
{
    struct deploy_cert c = {.name = "shop.example.com", .serial_hex = "0A1B"};
    char *n;

    (void)state;
    expect_prefix(NULL, NULL, "shop.example.com", "certpilot-shop_example_com-");
    expect_prefix(NULL, "cdn", "shop.example.com", "certpilot-cdn-shop_example_com-");
    expect_prefix("shop", "cdn", "shop.example.com", "shop-");
    /* a '_' in the name: "a.b" and "a_b" must not share a prefix */
    expect_prefix(NULL, NULL, "a.b", "certpilot-a_b-");
    expect_prefix(NULL, NULL, "a_b", "certpilot-a_b-648fa9b3-");
    /* too long: trimmed, and the hash of the whole name keeps two such names apart */
    expect_prefix(NULL, NULL, "www.averyveryverylongname.example.com", "certpilot-www_averyver-ab71aa72-");
    expect_prefix(NULL, NULL, "www.averyveryverylongname.example.net", "certpilot-www_averyver-4130d0b0-");
    expect_prefix(NULL, "cdn", "www.averyveryverylongname.example.com", "certpilot-cdn-www_aver-ab71aa72-");
    n = ali_cert_name(NULL, NULL, &c);
    assert_string_equal(n, "certpilot-shop_example_com-0A1B");
    free(n);
    /* a 40-digit serial: its last 32 digits; never over 64 characters */
    c.name = "www.averyveryverylongname.example.com";
    c.serial_hex = "0123456789ABCDEF0123456789ABCDEF01234567";
    n = ali_cert_name(NULL, NULL, &c);
    assert_string_equal(n, "certpilot-www_averyver-ab71aa72-89ABCDEF0123456789ABCDEF01234567");
    assert_true(strlen(n) <= ALI_NAME_MAX);
    free(n);
    n = ali_cert_name(NULL, "cdn", &c);
    assert_int_equal(strlen(n), ALI_NAME_MAX);
    free(n);
    n = ali_cert_name("abcdefghijklmnopqrstuvwxyz01234", NULL, &c);  /* the longest name setting */
    assert_int_equal(strlen(n), ALI_NAME_MAX);
    free(n);
}

static void test_is_upload_of(void **state)
{
    (void)state;
    assert_true(ali_is_upload_of("certpilot-a_b-0A1B", "certpilot-a_b-"));
    assert_true(ali_is_upload_of("shop-89ABCDEF0123456789ABCDEF01234567", "shop-"));
    assert_false(ali_is_upload_of("certpilot-a_b-", "certpilot-a_b-"));
    assert_false(ali_is_upload_of("certpilot-a_b-0a1b", "certpilot-a_b-"));  /* not our upper-case hex */
    assert_false(ali_is_upload_of("certpilot-a_b-648fa9b3-0A1B", "certpilot-a_b-"));  /* another name's */
    assert_false(ali_is_upload_of("shop-0123456789ABCDEF0123456789ABCDEF0", "shop-"));  /* 33 digits */
    assert_false(ali_is_upload_of("manual-upload", "shop-"));
}

static void test_get_list(void **state)
{
    struct kv items[] = {{"domain", "a.example.com, b.example.com"}, {"group", "g"}, {"domain", "c.example.com"}};
    struct kvlist l = {items, 3};
    char **v = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(ali_get_list(&l, "domain", &v, &n, NULL), CP_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "a.example.com");
    assert_string_equal(v[1], "b.example.com");
    assert_string_equal(v[2], "c.example.com");
    ali_list_free(v, n);
    assert_int_equal(ali_get_list(&l, "region", &v, &n, NULL), CP_OK);
    assert_int_equal(n, 0);
    ali_list_free(v, n);
}

static void test_scrub(void **state)
{
    const char *key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0123456789abcdef\n"
                      "-----END PRIVATE KEY-----\n";
    struct err e;

    (void)state;
    err_set(&e, CP_EPROTO, "alicdn: Bad: key MIGHAgEAMBMGByqGSM49AgEGCCqGSM49 and Gbcdef x (RequestId R-1)");
    ali_scrub(&e, "alicdn", key);
    assert_string_equal(e.msg, "alicdn: Bad: key [private key] and Gbcdef x (RequestId R-1) "
                               "(alicdn: the reply quoted the private key)");
    assert_int_equal(e.code, CP_EPROTO);
    /* a piece from the middle of a line, 8 characters */
    err_set(&e, CP_EPROTO, "alicdn: Bad: AgEGCCqG (RequestId R-1)");
    ali_scrub(&e, "alicdn", key);
    assert_string_equal(e.msg, "alicdn: Bad: [private key] (RequestId R-1) (alicdn: the reply quoted the private key)");
    err_set(&e, CP_EPROTO, "alicdn: InvalidParameter: SSLPri is malformed (RequestId R-1)");
    ali_scrub(&e, "alicdn", key);
    assert_string_equal(e.msg, "alicdn: InvalidParameter: SSLPri is malformed (RequestId R-1)");
}

/* ali_scrub on line, the exact result. */
static void expect_scrubbed(const char *key, const char *line, const char *want)
{
    struct err e;

    err_set(&e, CP_EPROTO, "%s", line);
    ali_scrub(&e, "alicas", key);
    assert_string_equal(e.msg, want);
}

/* A key quoted whole or in part in each form a server may echo a parameter in. */
static void test_scrub_wire_forms(void **state)
{
    struct version v;
    const char *body = NULL, *nl = NULL;
    char *pct = NULL, *json = NULL, *flat = NULL, *line = NULL, *piece = NULL;
    json_t *j = NULL;

    (void)state;
    make_version(&v, "shop.example.com", "0A1B");
    body = strchr(v.trad, '\n') + 1;
    nl = strchr(body, '\n');
    /* percent-encoded, as the form body carried it */
    pct = aliyun_pct_encode(v.trad);
    line = str_printf("alicas: Bad: Key=%s (RequestId R-1)", pct);
    expect_scrubbed(v.trad, line, "alicas: Bad: Key=-----BEGIN%20EC%20PRIVATE%20KEY-----%0A[private key]%0A-----END"
                                  "%20EC%20PRIVATE%20KEY-----%0A (RequestId R-1) (alicas: the reply quoted the "
                                  "private key)");
    free(line);
    /* JSON-escaped: \n for the line breaks, \/ for '/' */
    j = json_pack("{s:s}", "Key", v.trad);
    json = json_dumps(j, JSON_COMPACT | JSON_ESCAPE_SLASH);
    line = str_printf("alicas: Bad: %s (RequestId R-2)", json);
    expect_scrubbed(v.trad, line, "alicas: Bad: {\"Key\":\"-----BEGIN EC PRIVATE KEY-----\\n[private key]\\n-----END "
                                  "EC PRIVATE KEY-----\\n\"} (RequestId R-2) (alicas: the reply quoted the private key)");
    free(line);
    /* split over lines (a line's breaks are spaces by now) */
    flat = strdup(v.trad);
    for (char *p = flat; *p != '\0'; p++)
        *p = *p == '\n' ? ' ' : *p;
    line = str_printf("alicas: Bad: %s(RequestId R-3)", flat);
    expect_scrubbed(v.trad, line, "alicas: Bad: -----BEGIN EC PRIVATE KEY----- [private key] -----END EC PRIVATE "
                                  "KEY----- (RequestId R-3) (alicas: the reply quoted the private key)");
    free(line);
    /* a piece across a line break, the break a literal \n */
    piece = str_printf("%.10s\\n%.10s", nl - 10, nl + 1);
    line = str_printf("alicas: Bad: near \"%s\" (RequestId R-4)", piece);
    expect_scrubbed(v.trad, line, "alicas: Bad: near \"[private key]\" (RequestId R-4) (alicas: the reply quoted "
                                  "the private key)");
    free(line);
    free(piece);
    free(flat);
    free(json);
    json_decref(j);
    free(pct);
    free_version(&v);
}

/* Alibaba's pages ask for "BEGIN RSA PRIVATE KEY", not PKCS#8: the same key, re-encoded. */
static void test_key_form(void **state)
{
    EVP_PKEY *key = key_generate(KEY_RSA_2048, NULL), *back = NULL;
    struct deploy_cert c = {.name = "x"};
    char *pkcs8 = NULL, *trad = NULL;
    size_t len = 0, tlen = 0;
    struct err err = {0};

    (void)state;
    assert_int_equal(key_to_pem(key, &pkcs8, &len, NULL), CP_OK);
    c.key_pem = pkcs8;
    c.key_len = len;
    assert_int_equal(ali_key_pem(&c, "alicas", &trad, &tlen, NULL), CP_OK);
    assert_true(str_has_prefix(trad, "-----BEGIN RSA PRIVATE KEY-----\n"));
    assert_non_null(back = key_from_pem(trad, tlen, "converted", NULL));
    assert_int_equal(EVP_PKEY_eq(key, back), 1);
    secret_free(trad, tlen);
    c.key_pem = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
    c.key_len = strlen(c.key_pem);
    assert_int_not_equal(ali_key_pem(&c, "alicas", &trad, &tlen, &err), CP_OK);
    assert_true(str_has_prefix(err.msg, "alicas: the private key: "));
    assert_null(trad);
    secret_free(pkcs8, len);
    EVP_PKEY_free(key);
    EVP_PKEY_free(back);
}

/* ---------- the compact forms and settings ---------- */

static void expect_settings(const char *spec, const char *want)
{
    struct deploy_spec s = {0};
    struct buf b = BUF_INIT;

    assert_int_equal(deploy_spec_parse(spec, &s, NULL), CP_OK);
    assert_int_equal(buf_append(&b, "", 0), CP_OK);
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(buf_append_str(&b, i ? " " : "") | buf_append_str(&b, s.items[i].key) |
                         buf_append_str(&b, "=") | buf_append_str(&b, s.items[i].value), CP_OK);
    assert_string_equal(b.data, want);
    buf_free(&b);
    deploy_spec_free(&s);
}

static void test_spec_forms(void **state)
{
    (void)state;
    expect_settings("alicdn:cdn.example.com,img.example.com", "domain=cdn.example.com domain=img.example.com");
    expect_settings("alicdn:domain=a.example.com\\,b.example.com,verify_timeout=0",
                    "domain=a.example.com,b.example.com verify_timeout=0");
    expect_settings("aliapigw:api.example.com,region=cn-hangzhou,group=0123abcd",
                    "domain=api.example.com region=cn-hangzhou group=0123abcd");
    expect_settings("alicas:shop:delete_old", "delete_old=yes name=shop");
    expect_settings("alicas:delete_old,signature=v2", "delete_old=yes signature=v2");
    expect_settings("alicas", "");
}

static void test_settings_errors(void **state)
{
    (void)state;
    set_creds();
    expect_error("alicdn:verify_timeout=5", CP_EUSAGE, "alicdn: domain is not set (the CDN domain names to install on)");
    expect_error("alicdn:a.example.com,verify_timeout=-1", CP_EUSAGE,
                 "alicdn: verify_timeout \"-1\" is not a number from 0 to 3600");
    expect_error("alicdn:a.example.com,sslpri=x", CP_EUSAGE, "alicdn: unknown setting \"sslpri\"");
    expect_error("alicdn:a.example.com,signature=v1", CP_EUSAGE, "alicdn: signature must be v3 or v2, not \"v1\"");
    expect_error("alicdn:a.example.com,endpoint=https://cdn.aliyuncs.com", CP_EUSAGE,
                 "alicdn: endpoint \"https://cdn.aliyuncs.com\" must be a host name with an optional :port "
                 "(no scheme or path)");
    expect_error("aliapigw:cn-hangzhou:0123abcd:api.example.com", CP_EUSAGE,
                 "aliapigw: domain \"cn-hangzhou:0123abcd:api.example.com\" is not a domain name");
    expect_error("alicdn:domain=a.example.com/x", CP_EUSAGE, "alicdn: domain \"a.example.com/x\" is not a domain name");
    expect_error("alicdn:domain=*.", CP_EUSAGE, "alicdn: domain \"*.\" is not a domain name");
    expect_error("aliapigw:api.example.com,region=cn-hangzhou", CP_EUSAGE,
                 "aliapigw: group is not set (the API group's GroupId)");
    expect_error("aliapigw:api.example.com,group=0123abcd", CP_EUSAGE,
                 "aliapigw: region is not set (the API group's region, such as cn-hangzhou)");
    expect_error("aliapigw:api.example.com,group=0123abcd,region=cn/x", CP_EUSAGE,
                 "aliapigw: region \"cn/x\" does not exist (a region id such as cn-hangzhou or ap-southeast-1)");
    expect_error("aliapigw:group=0123abcd,region=cn-hangzhou", CP_EUSAGE,
                 "aliapigw: domain is not set (the group's custom domain names)");
    expect_error("aliapigw:api.example.com,group=a b,region=cn-hangzhou", CP_EUSAGE,
                 "aliapigw: group \"a b\" is not a GroupId (lower-case letters, digits, '-')");
    expect_error("alicas:shop.example", CP_EUSAGE,
                 "alicas: name \"shop.example\" must be 1 to 31 letters, digits, '_' or '-'");
    expect_error("alicas:delete_old=maybe", CP_EUSAGE, "alicas: delete_old \"maybe\" is not yes or no");
    expect_error("alicas:region=Cn", CP_EUSAGE, "alicas: region \"Cn\" does not exist (a region id such as cn-hangzhou or ap-southeast-1)");
    {
        struct deploy_target *t = build("alicdn:*.example.com,.img.example.com,EXAMPLE.org", NULL, NULL);
        assert_non_null(t);
        deploy_target_free(t);
    }
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    unsetenv("ALIBABA_CLOUD_CREDENTIALS_FILE");
    unsetenv("ALICLOUD_ACCESS_KEY");
    unsetenv("ALICLOUD_SECRET_KEY");
    setenv("HOME", "/nonexistent-home-cp", 1);  /* no ~/.alibabacloud/credentials either */
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);  /* nor the ECS RAM role */
    {
        struct err err = {0};
        assert_null(build("alicas", NULL, &err));
        assert_int_equal(err.code, CP_EUSAGE);
        assert_true(str_has_prefix(err.msg, "alicas: no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID"));
    }
}

/* ---------- alicdn ---------- */

/* DescribeDomainCertificateInfo's reply: HTTPS on with pem (stored as cert_id), or off. */
static json_t *cdn_info(const char *domain, const char *pem, const char *cert_name, const char *cert_id)
{
    if (pem == NULL)
        return json_pack("{s:s,s:{s:[{s:s,s:s}]}}", "RequestId", "R-D", "CertInfos", "CertInfo", "DomainName",
                         domain, "ServerCertificateStatus", "off");
    return json_pack("{s:s,s:{s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}}", "RequestId", "R-D", "CertInfos", "CertInfo",
                     "DomainName", domain, "ServerCertificateStatus", "on", "ServerCertificate", pem, "CertName",
                     cert_name, "CertId", cert_id, "CertRegion", "ap-southeast-1");
}

/* One domain serves this version already: the other is pointed at its CertId; the key is not sent. */
static void test_alicdn_reuses_stored(void **state)
{
    struct version v, old;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    const char *url = "https://cdn.aliyuncs.com/";

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    make_version(&old, "shop.example.com", "0A1A");
    scripted_init(&s);
    queue(&s, 200, cdn_info("cdn.example.com", old.fullchain, "whatever", "76"));  /* another version */
    queue(&s, 200, cdn_info("img.example.com", v.fullchain, "whatever", "77"));    /* this one */
    queue_ok(&s);
    queue(&s, 200, cdn_info("cdn.example.com", v.fullchain, "whatever", "77"));
    t = build("alicdn:cdn.example.com,img.example.com", &s, &err);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 4);
    assert_request(&s, 0, url, "DescribeDomainCertificateInfo");
    assert_param(&s, 0, "DomainName", "cdn.example.com");
    assert_param(&s, 1, "DomainName", "img.example.com");
    assert_request(&s, 2, url, "SetCdnDomainSSLCertificate");
    assert_param(&s, 2, "DomainName", "cdn.example.com");
    assert_param(&s, 2, "CertType", "cas");
    assert_param(&s, 2, "CertId", "77");
    assert_param(&s, 2, "CertRegion", "ap-southeast-1");
    assert_param(&s, 2, "SSLProtocol", "on");
    assert_null(form_get(s.body[2], "SSLPri"));
    assert_null(form_get(s.body[2], "SSLPub"));
    assert_request(&s, 3, url, "DescribeDomainCertificateInfo");
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
    free_version(&old);
}

/* No domain has it: one upload (chain and key), checked; the next domain gets its CertId. */
static void test_alicdn_uploads_once(void **state)
{
    struct version v;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    scripted_init(&s);
    queue(&s, 200, cdn_info("a.example.com", NULL, NULL, NULL));
    queue(&s, 200, cdn_info("b.example.com", NULL, NULL, NULL));
    queue_ok(&s);
    queue(&s, 200, cdn_info("a.example.com", v.fullchain, "certpilot-cdn-shop_example_com-0A1B", "55"));
    queue_ok(&s);
    queue(&s, 200, cdn_info("b.example.com", v.fullchain, "certpilot-cdn-shop_example_com-0A1B", "55"));
    t = build("alicdn:domain=a.example.com\\,b.example.com", &s, &err);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 6);
    assert_request(&s, 2, "https://cdn.aliyuncs.com/", "SetCdnDomainSSLCertificate");
    assert_param(&s, 2, "DomainName", "a.example.com");
    assert_param(&s, 2, "CertName", "certpilot-cdn-shop_example_com-0A1B");
    assert_param(&s, 2, "CertType", "upload");
    assert_param(&s, 2, "SSLProtocol", "on");
    assert_param(&s, 2, "SSLPub", v.fullchain);
    assert_param(&s, 2, "SSLPri", v.trad);
    assert_param(&s, 3, "DomainName", "a.example.com");
    assert_param(&s, 4, "DomainName", "b.example.com");
    assert_param(&s, 4, "CertType", "cas");
    assert_param(&s, 4, "CertId", "55");
    assert_null(form_get(s.body[4], "SSLPri"));
    assert_param(&s, 5, "DomainName", "b.example.com");
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

/* No ServerCertificate in the reply: the CertName of this version decides. */
static void test_alicdn_name_fallback(void **state)
{
    struct version v;
    struct scripted s;
    struct deploy_target *t;
    bool changed = true;
    json_t *reply;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    scripted_init(&s);
    reply = json_pack("{s:{s:[{s:s,s:s,s:s}]}}", "CertInfos", "CertInfo", "DomainName", "cdn.example.com",
                      "ServerCertificateStatus", "on", "CertName", "certpilot-cdn-shop_example_com-0A1B");
    queue(&s, 200, reply);
    t = build("alicdn:cdn.example.com,signature=v2", &s, NULL);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_false(changed);
    assert_int_equal(s.next, 1);
    assert_param(&s, 0, "Action", "DescribeDomainCertificateInfo");  /* V2: the action is a parameter */
    assert_param(&s, 0, "Version", "2018-05-10");
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

static void test_alicdn_verify_times_out(void **state)
{
    struct version v, old;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    make_version(&old, "shop.example.com", "0A1A");
    scripted_init(&s);
    queue(&s, 200, cdn_info("cdn.example.com", NULL, NULL, NULL));
    queue_ok(&s);
    queue(&s, 200, cdn_info("cdn.example.com", old.fullchain, "x", "1"));
    queue(&s, 200, cdn_info("cdn.example.com", old.fullchain, "x", "1"));
    t = build("alicdn:cdn.example.com,verify_timeout=1", &s, &err);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "alicdn: cdn.example.com does not serve serial 0A1B 1 s after the change "
                                 "(DescribeDomainCertificateInfo)");
    assert_true(changed);
    assert_int_equal(s.next, 4);
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
    free_version(&old);
}

/* CDN takes a moment: the check asks again after a pause and then sees the new certificate. */
static void test_alicdn_verify_waits(void **state)
{
    struct version v, old;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    make_version(&old, "shop.example.com", "0A1A");
    scripted_init(&s);
    queue(&s, 200, cdn_info("cdn.example.com", old.fullchain, "x", "1"));
    queue_ok(&s);
    queue(&s, 200, cdn_info("cdn.example.com", old.fullchain, "x", "1"));
    queue(&s, 200, cdn_info("cdn.example.com", v.fullchain, "x", "2"));
    t = build("alicdn:cdn.example.com,verify_timeout=1", &s, &err);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 4);
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
    free_version(&old);
}

static json_t *error_reply(const char *code, const char *message)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "RequestId", "R-E", "HostId", "cdn.aliyuncs.com", "Code", code,
                     "Message", message);
}

/* The first domain fails: the second is still deployed; the first error is returned. */
static void test_alicdn_one_domain_fails(void **state)
{
    struct version v;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    char *echo;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    scripted_init(&s);
    queue(&s, 200, cdn_info("a.example.com", NULL, NULL, NULL));
    queue(&s, 200, cdn_info("b.example.com", NULL, NULL, NULL));
    echo = str_printf("SSLPri %.40s is not valid", strchr(v.trad, '\n') + 1);  /* a careless server */
    queue(&s, 400, error_reply("InvalidSSLPri", echo));
    queue_ok(&s);
    queue(&s, 200, cdn_info("b.example.com", v.fullchain, "x", "9"));
    t = build("alicdn:a.example.com,b.example.com", &s, &err);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "alicdn: InvalidSSLPri (RequestId R-E; the Message is not shown: the request "
                                 "carried a secret)");
    assert_true(changed);
    assert_int_equal(s.next, 5);
    assert_param(&s, 2, "DomainName", "a.example.com");
    assert_param(&s, 3, "DomainName", "b.example.com");
    assert_param(&s, 3, "CertType", "upload");
    free(echo);
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

/* ---------- aliapigw ---------- */

static void test_aliapigw(void **state)
{
    struct version v;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    const char *url = "https://apigateway.cn-hangzhou.aliyuncs.com/";

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    scripted_init(&s);
    queue(&s, 200, json_pack("{s:s,s:s}", "RequestId", "R", "DomainName", "api.example.com"));  /* no certificate */
    queue_ok(&s);
    queue(&s, 200, json_pack("{s:s,s:s,s:s}", "RequestId", "R", "CertificateBody", v.fullchain,
                             "CertificatePrivateKey", v.trad));  /* the look back */
    queue(&s, 200, json_pack("{s:s,s:s,s:s}", "RequestId", "R", "CertificateBody", v.fullchain,
                             "CertificatePrivateKey", v.trad));  /* v2: already there */
    t = build("aliapigw:api.example.com,v2.example.com,region=cn-hangzhou,group=0123abcd,name=shop", &s, &err);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 4);
    assert_request(&s, 0, url, "DescribeDomain");
    assert_param(&s, 0, "GroupId", "0123abcd");
    assert_param(&s, 0, "DomainName", "api.example.com");
    assert_request(&s, 1, url, "SetDomainCertificate");
    assert_param(&s, 1, "GroupId", "0123abcd");
    assert_param(&s, 1, "DomainName", "api.example.com");
    assert_param(&s, 1, "CertificateName", "shop-0A1B");
    assert_param(&s, 1, "CertificateBody", v.fullchain);
    assert_param(&s, 1, "CertificatePrivateKey", v.trad);
    assert_request(&s, 2, url, "DescribeDomain");
    assert_param(&s, 2, "DomainName", "api.example.com");
    assert_request(&s, 3, url, "DescribeDomain");
    assert_param(&s, 3, "DomainName", "v2.example.com");
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

/* The gateway accepted the call but still shows the old certificate. */
static void test_aliapigw_did_not_take(void **state)
{
    struct version v, old;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    make_version(&old, "shop.example.com", "0A1A");
    scripted_init(&s);
    queue(&s, 200, json_pack("{s:s,s:s}", "RequestId", "R", "CertificateBody", old.fullchain));
    queue_ok(&s);
    queue(&s, 200, json_pack("{s:s,s:s}", "RequestId", "R", "CertificateBody", old.fullchain));
    t = build("aliapigw:api.example.com,endpoint=127.0.0.1:1,group=0123abcd", &s, &err);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "aliapigw: api.example.com does not show serial 0A1B after SetDomainCertificate "
                                 "(DescribeDomain)");
    assert_string_equal(s.url[0], "https://127.0.0.1:1/");
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
    free_version(&old);
}

/* ---------- alicas ---------- */

static json_t *cas_page(json_int_t total, const char *name1, json_int_t id1, const char *name2, json_int_t id2)
{
    json_t *list = json_array();

    if (name1 != NULL)
        json_array_append_new(list, json_pack("{s:s,s:I}", "Name", name1, "CertificateId", id1));
    if (name2 != NULL)
        json_array_append_new(list, json_pack("{s:s,s:I}", "Name", name2, "CertificateId", id2));
    return json_pack("{s:s,s:o,s:I}", "RequestId", "R-L", "CertificateOrderList", list, "TotalCount", total);
}

static void test_alicas_upload_and_delete_old(void **state)
{
    struct version v;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    const char *url = "https://cas.aliyuncs.com/";

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    scripted_init(&s);
    queue(&s, 200, cas_page(3, "certpilot-shop_example_com-0A1A", 11, "manual", 12));
    queue(&s, 200, cas_page(3, "certpilot-shop_example_com-648fa9b3-0A1A", 13, NULL, 0));
    queue(&s, 200, json_pack("{s:s,s:I}", "RequestId", "R-U", "CertId", (json_int_t)14));
    queue_ok(&s);
    t = build("alicas:delete_old", &s, &err);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 4);
    assert_request(&s, 0, url, "ListUserCertificateOrder");
    assert_param(&s, 0, "OrderType", "UPLOAD");
    assert_param(&s, 0, "CurrentPage", "1");
    assert_param(&s, 1, "CurrentPage", "2");
    assert_request(&s, 2, url, "UploadUserCertificate");
    assert_param(&s, 2, "Name", "certpilot-shop_example_com-0A1B");
    assert_param(&s, 2, "Cert", v.fullchain);
    assert_param(&s, 2, "Key", v.trad);
    assert_request(&s, 3, url, "DeleteUserCertificate");
    assert_param(&s, 3, "CertId", "11");  /* only the earlier upload of this prefix */
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

/* The upload fails and the reply quotes the key, percent-encoded: Code and RequestId only. */
static void test_alicas_upload_echo(void **state)
{
    struct version v;
    struct scripted s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    char *enc = NULL, *echo = NULL;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    scripted_init(&s);
    enc = aliyun_pct_encode(v.trad);
    echo = str_printf("The parameter Key=%s is invalid", enc);
    queue(&s, 200, cas_page(0, NULL, 0, NULL, 0));
    queue(&s, 400, json_pack("{s:s,s:s,s:s}", "RequestId", "R-U", "Code", "InvalidParameter.Key", "Message", echo));
    t = build("alicas", &s, &err);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "alicas: InvalidParameter.Key (RequestId R-U; the Message is not shown: the "
                                 "request carried a secret)");
    assert_false(changed);
    deploy_target_free(t);
    scripted_done(&s);
    free(echo);
    free(enc);
    free_version(&v);
}

static void test_alicas_already_there(void **state)
{
    struct version v;
    struct scripted s;
    struct deploy_target *t;
    bool changed = true;

    (void)state;
    set_creds();
    make_version(&v, "shop.example.com", "0A1B");
    scripted_init(&s);
    queue(&s, 200, cas_page(1, "shop-0A1B", 21, NULL, 0));
    t = build("alicas:shop,region=ap-southeast-1", &s, NULL);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_false(changed);
    assert_int_equal(s.next, 1);
    assert_request(&s, 0, "https://cas.ap-southeast-1.aliyuncs.com/", "ListUserCertificateOrder");
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_is_upload_of),
        cmocka_unit_test(test_get_list),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_scrub_wire_forms),
        cmocka_unit_test(test_key_form),
        cmocka_unit_test(test_spec_forms),
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_alicdn_reuses_stored),
        cmocka_unit_test(test_alicdn_uploads_once),
        cmocka_unit_test(test_alicdn_name_fallback),
        cmocka_unit_test(test_alicdn_verify_times_out),
        cmocka_unit_test(test_alicdn_verify_waits),
        cmocka_unit_test(test_alicdn_one_domain_fails),
        cmocka_unit_test(test_aliapigw),
        cmocka_unit_test(test_aliapigw_did_not_take),
        cmocka_unit_test(test_alicas_upload_and_delete_old),
        cmocka_unit_test(test_alicas_upload_echo),
        cmocka_unit_test(test_alicas_already_there),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
