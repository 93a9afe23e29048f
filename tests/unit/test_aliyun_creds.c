/*
 * Unit tests for cloud/aliyun/creds*.c: the credentials file's profile
 * types, STS AssumeRole and AssumeRoleWithOIDC, the ECS metadata service
 * (IMDSv2), refreshing before expiry; over a recording transport and a test clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cloud/aliyun/client.h"
#include "cloud/aliyun/creds.h"
#include "cloud/aliyun/region.h"
#include "support/files.h"
#include "util/buf.h"
#include "util/str.h"

#define MAXREQ 8

struct canned {
    long status;
    const char *body;
};

struct rec {
    struct http_transport t;
    const struct canned *replies;
    size_t n, next;
    char *line[MAXREQ];  /* "METHOD URL\nheaders...\n\nbody" */
};

static int rec_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                    struct err *err)
{
    struct rec *r = (struct rec *)t;
    struct buf b = BUF_INIT;
    size_t i = r->next++;

    (void)err;
    assert_true(i < r->n && i < MAXREQ);
    assert_int_equal(buf_append_str(&b, req->method) | buf_append_str(&b, " ") | buf_append_str(&b, req->url), 0);
    for (size_t k = 0; req->headers != NULL && req->headers[k] != NULL; k++)
        assert_int_equal(buf_append_str(&b, "\n") | buf_append_str(&b, req->headers[k]), 0);
    assert_int_equal(buf_append_str(&b, "\n\n"), 0);
    if (req->body != NULL)
        assert_int_equal(buf_append(&b, req->body, req->body_len), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    r->line[i] = buf_steal(&b);
    memset(resp, 0, sizeof(*resp));
    resp->status = r->replies[i].status;
    assert_int_equal(buf_append_str(&resp->body, r->replies[i].body), 0);
    return CP_OK;
}

static void rec_init(struct rec *r, const struct canned *c, size_t n)
{
    memset(r, 0, sizeof(*r));
    r->t.send = rec_send;
    r->replies = c;
    r->n = n;
}

static void rec_done(struct rec *r)
{
    for (size_t i = 0; i < MAXREQ; i++)
        free(r->line[i]);
}

static time_t clock_now;

static time_t test_clock(void *ud)
{
    return *(time_t *)ud;
}

static const char *fake_env(void *ud, const char *name)
{
    size_t len = strlen(name);

    for (const char *const *e = ud; *e != NULL; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

/* Write text as dir/credentials; returns the ALIBABA_CLOUD_CREDENTIALS_FILE=... entry (malloc'd). */
static char *creds_file(const char *dir, const char *text)
{
    char *path = str_printf("%s/credentials", dir), *entry = str_printf("ALIBABA_CLOUD_CREDENTIALS_FILE=%s", path);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
    return entry;
}

static int open_with(const char *const *env, struct rec *r, struct aliyun_creds **c, struct err *e)
{
    struct aliyun_creds_opts o = {.getenv_fn = fake_env, .getenv_ud = (void *)env, .http = &r->t,
                                  .sts_endpoint = "sts.test:8443", .metadata_endpoint = "md.test:8080",
                                  .now = test_clock, .now_ud = &clock_now};

    return aliyun_creds_open(&o, c, e);
}

#define STS_OK(id, exp)                                                                                          \
    "{\"RequestId\":\"R\",\"Credentials\":{\"AccessKeyId\":\"" id "\",\"AccessKeySecret\":\"sec-" id             \
    "\",\"SecurityToken\":\"tok-" id "\",\"Expiration\":\"" exp "\"}}"

/* 2026-12-04T12:00:00Z */
#define T0 ((time_t)1796385600)

static void test_ram_role_arn_and_refresh(void **state)
{
    static const struct canned c[] = {{200, STS_OK("STS.one", "2026-12-04T13:00:00Z")},
                                      {200, STS_OK("STS.two", "2026-12-04T14:00:00Z")}};
    char *dir = test_tmpdir("aliyun-creds");
    char *file = creds_file(dir, "[default]\ntype = ram_role_arn\naccess_key_id = AKID\naccess_key_secret = "
                                 "base-secret\nrole_arn = acs:ram::1:role/deploy\nrole_session_name = ci\n");
    const char *env[] = {file, NULL};
    struct aliyun_creds *k = NULL;
    struct rec r;
    struct err e;

    (void)state;
    rec_init(&r, c, 2);
    clock_now = T0;
    assert_int_equal(open_with(env, &r, &k, &e), CP_OK);
    assert_int_equal(r.next, 0);  /* nothing asked until first use */
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_OK);
    assert_string_equal(k->key_id, "STS.one");
    assert_string_equal(k->secret, "sec-STS.one");
    assert_string_equal(k->security_token, "tok-STS.one");
    assert_int_equal(k->expires, T0 + 3600);
    assert_true(str_has_prefix(r.line[0], "POST https://sts.test:8443/\n"));
    assert_non_null(strstr(r.line[0], "Action=AssumeRole&"));
    assert_non_null(strstr(r.line[0], "AccessKeyId=AKID&"));
    assert_non_null(strstr(r.line[0], "DurationSeconds=3600&"));
    assert_non_null(strstr(r.line[0], "RoleArn=acs%3Aram%3A%3A1%3Arole%2Fdeploy&RoleSessionName=ci&"));
    assert_non_null(strstr(r.line[0], "&Signature="));
    assert_null(strstr(r.line[0], "base-secret"));
    clock_now = T0 + 2699;  /* 15 minutes before the expiry: still fresh */
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_OK);
    assert_int_equal(r.next, 1);
    clock_now = T0 + 2700;
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_OK);
    assert_int_equal(r.next, 2);
    assert_string_equal(k->key_id, "STS.two");
    aliyun_creds_free(k);
    rec_done(&r);
    free(file);
    test_rm_rf(dir);
    free(dir);
}

static void test_assume_role_error(void **state)
{
    static const struct canned c[] = {{403, "{\"RequestId\":\"R1\",\"Code\":\"NoPermission\",\"Message\":\"You are "
                                            "not authorized to do this action.\"}"}};
    char *dir = test_tmpdir("aliyun-creds");
    char *file = creds_file(dir, "[p]\ntype = ram_role_arn\naccess_key_id = AKID\naccess_key_secret = base-secret-p\n"
                                 "role_arn = acs:ram::1:role/x\n");
    const char *env[] = {file, "ALIBABA_CLOUD_PROFILE=p", NULL};
    struct aliyun_creds *k = NULL;
    struct rec r;
    struct err e;

    (void)state;
    rec_init(&r, c, 1);
    assert_int_equal(open_with(env, &r, &k, &e), CP_OK);
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_EPROTO);
    assert_string_equal(e.msg, "Alibaba Cloud credentials (ram_role_arn profile of the credentials file): "
                               "AssumeRole of acs:ram::1:role/x: STS: NoPermission: You are not authorized to do "
                               "this action. (RequestId R1)");
    assert_null(k->secret);
    aliyun_creds_free(k);
    rec_done(&r);
    free(file);
    test_rm_rf(dir);
    free(dir);
}

static void test_file_errors(void **state)
{
    static const struct {
        const char *text;
        int rc;
        const char *msg;
    } cases[] = {
        {"[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = s\n", CP_EINVALID,
         "credentials file F: profile [default] of type ram_role_arn lacks role_arn"},
        {"[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = s\nrole_arn = r\n"
         "duration_seconds = 600\n", CP_EINVALID,
         "credentials file F: profile [default]: duration_seconds must be 900 to 43200, not \"600\""},
        {"[default]\ntype = ram_role_arn\nrole_arn = r\n", CP_EINVALID,
         "credentials file F: profile [default] lacks access_key_id or access_key_secret"},
        {"[default]\ntype = chainable\n", CP_EUSAGE, "credentials file F: profile [default] has type \"chainable\"; "
         "supported: access_key, sts, ram_role_arn, ecs_ram_role"},
    };
    struct aliyun_creds *k = NULL;
    struct err e;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(aliyun_creds_parse(cases[i].text, "F", NULL, NULL, &k, &e), cases[i].rc);
        assert_string_equal(e.msg, cases[i].msg);
        assert_null(k);
    }
}

#define MD_CREDS(id)                                                                                             \
    "{\"Code\":\"Success\",\"AccessKeyId\":\"" id "\",\"AccessKeySecret\":\"s\",\"SecurityToken\":\"t\","       \
    "\"Expiration\":\"2026-12-04T18:00:00Z\",\"LastUpdated\":\"2026-12-04T12:00:00Z\"}"

static void test_imds(void **state)
{
    static const struct canned c[] = {{200, "md-token-1"}, {200, "EcsRole\n"}, {200, MD_CREDS("STS.ecs")}};
    const char *env[] = {"HOME=/nonexistent", NULL};
    struct aliyun_creds *k = NULL;
    struct rec r;
    struct err e;

    (void)state;
    rec_init(&r, c, 3);
    clock_now = T0;
    assert_int_equal(open_with(env, &r, &k, &e), CP_OK);
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_OK);
    assert_string_equal(r.line[0], "PUT http://md.test:8080/latest/api/token\n"
                                   "X-aliyun-ecs-metadata-token-ttl-seconds: 21600\n\n");
    assert_string_equal(r.line[1], "GET http://md.test:8080/latest/meta-data/ram/security-credentials/\n"
                                   "X-aliyun-ecs-metadata-token: md-token-1\n\n");
    assert_string_equal(r.line[2], "GET http://md.test:8080/latest/meta-data/ram/security-credentials/EcsRole\n"
                                   "X-aliyun-ecs-metadata-token: md-token-1\n\n");
    assert_string_equal(k->key_id, "STS.ecs");
    assert_int_equal(k->expires, T0 + 6 * 3600);
    aliyun_creds_free(k);
    rec_done(&r);
}

static void test_imds_errors(void **state)
{
    static const struct canned c[] = {{403, ""}, {200, "tok"}, {404, ""}, {200, "tok"}, {200, "{\"Code\":\"Fail\"}"}};
    const char *env[] = {"HOME=/nonexistent", NULL}, *named[] = {"HOME=/x", "ALIBABA_CLOUD_ECS_METADATA=R", NULL};
    struct aliyun_creds *k = NULL;
    struct rec r;
    struct err e;

    (void)state;
    rec_init(&r, c, 5);
    assert_int_equal(open_with(env, &r, &k, &e), CP_OK);
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_EPROTO);
    assert_string_equal(e.msg, "Alibaba Cloud credentials (ECS RAM role (metadata service)): metadata service "
                               "md.test:8080: PUT http://md.test:8080/latest/api/token: HTTP 403");
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "Alibaba Cloud credentials (ECS RAM role (metadata service)): metadata service "
                               "md.test:8080: GET /latest/meta-data/ram/security-credentials/: HTTP 404: the "
                               "instance has no RAM role attached");
    aliyun_creds_free(k);
    assert_int_equal(open_with(named, &r, &k, &e), CP_OK);
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_EPROTO);
    assert_string_equal(e.msg, "Alibaba Cloud credentials (ECS RAM role (metadata service)): metadata service "
                               "md.test:8080: GET /latest/meta-data/ram/security-credentials/R: Code is not Success");
    aliyun_creds_free(k);
    rec_done(&r);
}

static void test_oidc(void **state)
{
    static const struct canned c[] = {{200, STS_OK("STS.pod", "2026-12-04T13:00:00Z")},
                                      {400, "{\"RequestId\":\"R2\",\"Code\":\"AuthenticationFail.OIDCToken.Expired\","
                                            "\"Message\":\"token eyJoidc-token-value expired\"}"}};
    char *dir = test_tmpdir("aliyun-oidc"), *tokfile = str_printf("%s/token", dir);
    char *tf = str_printf("ALIBABA_CLOUD_OIDC_TOKEN_FILE=%s", tokfile);
    const char *env[] = {"ALIBABA_CLOUD_ROLE_ARN=acs:ram::1:role/pod", tf,
                         "ALIBABA_CLOUD_OIDC_PROVIDER_ARN=acs:ram::1:oidc-provider/ack", NULL};
    const char *half[] = {tf, NULL};
    struct aliyun_creds *k = NULL;
    struct rec r;
    struct err e;
    FILE *f = fopen(tokfile, "w");

    (void)state;
    assert_non_null(f);
    fputs("eyJoidc-token-value\n", f);
    fclose(f);
    rec_init(&r, c, 2);
    clock_now = T0;
    assert_int_equal(open_with(env, &r, &k, &e), CP_OK);
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_OK);
    assert_string_equal(k->key_id, "STS.pod");
    assert_true(str_has_prefix(r.line[0], "POST https://sts.test:8443/?Action=AssumeRoleWithOIDC&Format=JSON&"
                                          "Timestamp="));
    assert_non_null(strstr(r.line[0], "\n\nDurationSeconds=3600&OIDCProviderArn=acs%3Aram%3A%3A1%3Aoidc-provider"
                                      "%2Fack&OIDCToken=eyJoidc-token-value&RoleArn=acs%3Aram%3A%3A1%3Arole%2Fpod&"
                                      "RoleSessionName=certpilot"));
    clock_now = T0 + 3600;
    assert_int_equal(aliyun_creds_fresh(k, &e), CP_EPROTO);
    assert_string_equal(e.msg, "Alibaba Cloud credentials (OIDC role (ALIBABA_CLOUD_ROLE_ARN)): AssumeRoleWithOIDC: "
                               "STS: AuthenticationFail.OIDCToken.Expired (RequestId R2; the Message is not shown: "
                               "the request carried a secret)");
    assert_string_equal(k->key_id, "STS.pod");  /* keeps what it had */
    aliyun_creds_free(k);
    assert_int_equal(open_with(half, &r, &k, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "Alibaba Cloud credentials (OIDC): set all of ALIBABA_CLOUD_ROLE_ARN, "
                               "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE");
    assert_null(k);
    rec_done(&r);
    free(tf);
    free(tokfile);
    test_rm_rf(dir);
    free(dir);
}

/* One place for signature=, region= and endpoint= (cloud/aliyun/region.c). */
static void test_settings_parse(void **state)
{
    static const struct aliyun_endpoint_rule dns = {"alidns", "alidns.aliyuncs.com"}, fc = {"fcv3", NULL};
    struct kv kv[] = {{"region", "ap-southeast-1"}, {"signature", "v2"}};
    struct kvlist l = {kv, 2}, none = {NULL, 0};
    struct aliyun_settings as;
    struct err e;

    (void)state;
    assert_int_equal(aliyun_settings_parse(&l, "alidns", &dns, &as, &e), CP_OK);
    assert_string_equal(as.endpoint, "alidns.ap-southeast-1.aliyuncs.com");
    assert_string_equal(as.region, "ap-southeast-1");
    assert_int_equal(as.sig, ALIYUN_SIG_V2);
    aliyun_settings_free(&as);
    assert_int_equal(aliyun_settings_parse(&none, "alidns", &dns, &as, &e), CP_OK);
    assert_string_equal(as.endpoint, "alidns.aliyuncs.com");
    assert_null(as.region);
    aliyun_settings_free(&as);
    assert_int_equal(aliyun_settings_parse(&none, "alifc", &fc, &as, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "alifc: region is not set (the service's region, such as cn-hangzhou)");
    aliyun_settings_free(&as);
    kv[1] = (struct kv){"signature", "v4"};
    assert_int_equal(aliyun_settings_parse(&l, "alifc", &fc, &as, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "alifc: signature must be v3 or v2, not \"v4\"");
    aliyun_settings_free(&as);
    kv[0] = (struct kv){"region", "eu-west-2"};
    kv[1] = (struct kv){"endpoint", "127.0.0.1:1"};
    assert_int_equal(aliyun_settings_parse(&l, "alifc", &fc, &as, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "alifc: region \"eu-west-2\" does not exist (did you mean \"eu-west-1\"?)");
    aliyun_settings_free(&as);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_role_arn_and_refresh),
        cmocka_unit_test(test_assume_role_error),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_imds),
        cmocka_unit_test(test_imds_errors),
        cmocka_unit_test(test_oidc),
        cmocka_unit_test(test_settings_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
