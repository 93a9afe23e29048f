/*
 * deploy, the Alibaba targets by CAS certificate id (deploy/alibyid.c, alilistener.c, alialb.c,
 * alinlb.c, aliwaf.c, aliapig.c) and alifc.c: settings errors (exact lines), and over a scripted
 * transport the exact requests: the CAS upload found by name and reused, the ALB default
 * certificate set and read back, skipped when served; FC's PUT with the key, never in an error line.
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

#include "crypto/key.h"
#include "deploy/alibyid.h"
#include "deploy/target.h"
#include "support/certs.h"
#include "util/buf.h"
#include "util/str.h"

#define MAXREQ 8

struct scripted {
    struct http_transport t;
    const char *replies[MAXREQ];
    long status[MAXREQ];
    size_t n, next;
    char *method[MAXREQ], *url[MAXREQ], *action[MAXREQ], *body[MAXREQ];
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
    s->method[i] = strdup(req->method);
    s->url[i] = strdup(req->url);
    s->action[i] = header_value(req, "x-acs-action");
    s->body[i] = req->body != NULL ? strndup(req->body, req->body_len) : NULL;
    memset(resp, 0, sizeof(*resp));
    resp->status = s->status[i];
    assert_int_equal(buf_append_str(&resp->body, s->replies[i]), CP_OK);
    return CP_OK;
}

static void queue(struct scripted *s, long status, const char *reply)
{
    s->status[s->n] = status;
    s->replies[s->n++] = reply;
}

static void scripted_done(struct scripted *s)
{
    for (size_t i = 0; i < MAXREQ; i++) {
        free(s->method[i]);
        free(s->url[i]);
        free(s->action[i]);
        free(s->body[i]);
    }
}

static void assert_request(const struct scripted *s, size_t i, const char *method, const char *url,
                           const char *action, const char *body_part)
{
    assert_true(i < s->next);
    assert_string_equal(s->method[i], method);
    assert_string_equal(s->url[i], url);
    assert_string_equal(s->action[i], action);
    if (body_part != NULL)
        assert_non_null(strstr(s->body[i], body_part));
}

struct version {
    char *key, *cert, *fullchain;
    const char *names[1];
    struct deploy_cert view;
};

static void make_version(struct version *v)
{
    static const unsigned char serial[] = {0x0A, 0x1B};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    size_t len = 0;

    memset(v, 0, sizeof(*v));
    assert_int_equal(key_to_pem(key, &v->key, &len, NULL), CP_OK);
    v->cert = test_make_cert(key, serial, sizeof(serial));
    v->fullchain = str_printf("%s%s", v->cert, v->cert);
    v->names[0] = "shop.example.com";
    v->view = (struct deploy_cert){"shop.example.com", v->names, 1, "0A1B", 1700000000, v->cert, v->cert,
                                   v->fullchain, v->key, len, NULL, NULL, NULL, NULL};
    EVP_PKEY_free(key);
}

static void free_version(struct version *v)
{
    secret_free(v->key, v->view.key_len);
    free(v->cert);
    free(v->fullchain);
}

static struct deploy_target *build(const char *spec, struct scripted *s, struct err *err)
{
    struct deploy_opts o = {NULL, NULL, s != NULL ? &s->t : NULL};
    struct deploy_spec sp = {0};
    struct deploy_target *t = NULL;

    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKID", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "the-secret-value", 1);
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
    if (deploy_spec_parse(spec, &sp, err) == CP_OK)
        t = deploy_target_new(sp.type, &sp.settings, &o, err);
    deploy_spec_free(&sp);
    return t;
}

static void expect_error(const char *spec, const char *msg)
{
    struct err err = {0};

    assert_null(build(spec, NULL, &err));
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, CP_EUSAGE);
}

static void test_settings_errors(void **state)
{
    (void)state;
    expect_error("alialb:lsn-1", "alialb: region is not set (the service's region, such as cn-hangzhou)");
    expect_error("alialb:lsn-1,region=cn-atlantis",
                 "alialb: region \"cn-atlantis\" does not exist (a region id such as cn-hangzhou or ap-southeast-1)");
    expect_error("alialb:lsn-1,region=cn-hangzhou,cas_region=mars-1",
                 "alialb: cas_region: region \"mars-1\" does not exist (a region id such as cn-hangzhou or ap-southeast-1)");
    expect_error("alialb:region=cn-hangzhou", "alialb: listener is not set (the listener id, such as lsn-...)");
    expect_error("alinlb:lsn-1,as=sni,region=cn-hangzhou", "alinlb: as must be default or additional, not \"sni\"");
    expect_error("aliwaf:waf.example.com,region=cn-hangzhou",
                 "aliwaf: instance is not set to a WAF instance id (waf_v2_public_cn-...)");
    expect_error("aliwaf:waf.example.com,instance=waf-1,region=cn-beijing",
                 "aliwaf: region must be cn-hangzhou (Chinese mainland) or ap-southeast-1 (outside it) for WAF "
                 "3.0, not \"cn-beijing\"");
    expect_error("aliapig:d-1,region=cn-hangzhou,signature=v2",
                 "aliapig: the cloud-native API Gateway takes V3 signatures only (signature=v3)");
    expect_error("alifc:region=cn-hangzhou",
                 "alifc: domain is not set (the custom domain name in Function Compute)");
    expect_error("alifc:fc.example.com", "alifc: region is not set (the service's region, such as cn-hangzhou)");
}

#define CAS_EMPTY "{\"RequestId\":\"R\",\"CertificateOrderList\":[],\"TotalCount\":0}"
#define CAS_OURS "{\"RequestId\":\"R\",\"TotalCount\":1,\"CertificateOrderList\":" \
                 "[{\"Name\":\"certpilot-shop_example_com-0A1B\",\"CertificateId\":14}]}"

/* No upload yet: uploaded once; the listener's default set to "<CertId>-cn-hangzhou" and read back. */
static void test_alialb_default(void **state)
{
    struct version v;
    struct scripted s = {.t.send = scripted_send};
    struct err err = {0};
    bool changed = false;
    struct deploy_target *t;

    (void)state;
    make_version(&v);
    queue(&s, 200, CAS_EMPTY);
    queue(&s, 200, "{\"RequestId\":\"R\",\"CertId\":15}");
    queue(&s, 200, "{\"RequestId\":\"R\",\"Certificates\":[{\"CertificateId\":\"9-cn-hangzhou\",\"IsDefault\":true}]}");
    queue(&s, 200, "{\"RequestId\":\"R\",\"JobId\":\"j\"}");
    queue(&s, 200, "{\"RequestId\":\"R\",\"Certificates\":[{\"CertificateId\":\"15-cn-hangzhou\",\"IsDefault\":true}]}");
    t = build("alialb:lsn-1,region=cn-shanghai", &s, &err);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 5);
    assert_request(&s, 0, "POST", "https://cas.aliyuncs.com/", "ListUserCertificateOrder", "OrderType=UPLOAD");
    assert_request(&s, 1, "POST", "https://cas.aliyuncs.com/", "UploadUserCertificate",
                   "Name=certpilot-shop_example_com-0A1B");
    assert_request(&s, 2, "POST", "https://alb.cn-shanghai.aliyuncs.com/", "ListListenerCertificates",
                   "ListenerId=lsn-1");
    assert_request(&s, 3, "POST", "https://alb.cn-shanghai.aliyuncs.com/", "UpdateListenerAttribute",
                   "Certificates.1.CertificateId=15-cn-hangzhou&ListenerId=lsn-1");
    assert_request(&s, 4, "POST", "https://alb.cn-shanghai.aliyuncs.com/", "ListListenerCertificates", NULL);
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

/* The upload is there and the listener has it as an additional certificate: nothing changes. NLB names
 * RegionId. A change the listener does not show afterwards is an error naming the certificate. */
static void test_alinlb_skip_and_verify(void **state)
{
    struct version v;
    struct scripted s = {.t.send = scripted_send};
    struct err err = {0};
    bool changed = false;
    struct deploy_target *t;

    (void)state;
    make_version(&v);
    queue(&s, 200, CAS_OURS);
    queue(&s, 200, "{\"RequestId\":\"R\",\"Certificates\":[{\"CertificateId\":\"14-cn-hangzhou\",\"IsDefault\":false}]}");
    t = build("alinlb:lsn-2,as=additional,region=cn-hangzhou", &s, &err);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_false(changed);
    assert_int_equal(s.next, 2);
    assert_request(&s, 1, "POST", "https://nlb.cn-hangzhou.aliyuncs.com/", "ListListenerCertificates",
                   "RegionId=cn-hangzhou");
    deploy_target_free(t);
    scripted_done(&s);

    memset(&s, 0, sizeof(s));
    s.t.send = scripted_send;
    queue(&s, 200, CAS_OURS);
    queue(&s, 200, "{\"RequestId\":\"R\",\"Certificates\":[]}");
    queue(&s, 200, "{\"RequestId\":\"R\"}");
    queue(&s, 200, "{\"RequestId\":\"R\",\"Certificates\":[]}");
    t = build("alinlb:lsn-2,region=cn-hangzhou", &s, &err);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "alinlb: listener lsn-2 does not list certificate 14-cn-hangzhou as its default "
                                 "after the change (ListListenerCertificates)");
    assert_request(&s, 2, "POST", "https://nlb.cn-hangzhou.aliyuncs.com/", "UpdateListenerAttribute",
                   "CertificateIds.1=14-cn-hangzhou");
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

/* FC: GET, then PUT with the chain and key in certConfig; the refusal shows Code and RequestId only. */
static void test_alifc_put_and_error(void **state)
{
    struct version v;
    struct scripted s = {.t.send = scripted_send};
    struct err err = {0};
    bool changed = false;
    struct deploy_target *t;

    (void)state;
    make_version(&v);
    queue(&s, 200, "{\"domainName\":\"fc.example.com\",\"protocol\":\"HTTP\"}");
    queue(&s, 400, "{\"Code\":\"InvalidArgument\",\"Message\":\"bad privateKey\",\"RequestId\":\"R9\"}");
    t = build("alifc:fc.example.com,region=cn-hangzhou", &s, &err);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "alifc: InvalidArgument (RequestId R9; the Message is not shown: the request "
                                 "carried a secret)");
    assert_request(&s, 0, "GET", "https://fcv3.cn-hangzhou.aliyuncs.com/2023-03-30/custom-domains/fc.example.com",
                   "GetCustomDomain", NULL);
    assert_null(s.body[0]);
    assert_request(&s, 1, "PUT", "https://fcv3.cn-hangzhou.aliyuncs.com/2023-03-30/custom-domains/fc.example.com",
                   "UpdateCustomDomain", "\"certName\":\"certpilot-shop_example_com-0A1B\"");
    assert_non_null(strstr(s.body[1], "\"privateKey\":\"-----BEGIN EC PRIVATE KEY-----"));
    assert_non_null(strstr(s.body[1], "\"protocol\":\"HTTP,HTTPS\""));
    deploy_target_free(t);
    scripted_done(&s);
    free_version(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_alialb_default),
        cmocka_unit_test(test_alinlb_skip_and_verify),
        cmocka_unit_test(test_alifc_put_and_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
