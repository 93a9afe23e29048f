/*
 * aliyun: Alibaba Cloud request signing against the published vectors
 * (tests/data/aliyun/), percent-encoding, credential sources, error replies
 * to one line, and the client's requests and retries over a scripted
 * transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cloud/aliyun/client.h"
#include "cloud/aliyun/creds.h"
#include "cloud/aliyun/sign.h"
#include "support/files.h"
#include "util/str.h"

/* ---- the vector files ---- */

static char *vector(const char *name)
{
    const char *dir = getenv("CP_TEST_DATA");
    char *path = str_printf("%s/aliyun/%s", dir ? dir : "tests/data", name);
    char *text = test_slurp(path);

    free(path);
    return text;
}

/* The line after the first line starting with marker (malloc'd). */
static char *line_after(const char *text, const char *marker)
{
    const char *p = strstr(text, marker), *nl = NULL, *end = NULL;

    assert_non_null(p);
    nl = strchr(p + 1, '\n');  /* p + 1: a marker may start with its own newline */
    assert_non_null(nl);
    end = strchr(nl + 1, '\n');
    return strndup(nl + 1, end ? (size_t)(end - nl - 1) : strlen(nl + 1));
}

/* The "  Name=value" parameter lines of a V2 vector (pointing into text, which is modified). */
static size_t vector_params(char *text, struct kv *out, size_t max)
{
    size_t n = 0;

    for (char *line = strtok(text, "\n"); line != NULL && n < max; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (strncmp(line, "  ", 2) != 0 || line[2] == ' ' || eq == NULL || strchr(line + 2, ' ') != NULL)
            continue;
        *eq = '\0';
        out[n++] = (struct kv){line + 2, eq + 1};
    }
    return n;
}

static void check_v2_vector(const char *file)
{
    char *text = vector(file), *want_sts = line_after(text, "StringToSign"),
         *want_sig = line_after(text, "\nSignature"), *sts = NULL, *sig = NULL;
    struct kv params[16];
    struct kvlist l = {params, vector_params(text, params, 16)};

    assert_int_equal(l.n, strcmp(file, "rpc-signature-v1.txt") == 0 ? 8 : 9);
    assert_int_equal(aliyun_sign_v2("GET", &l, "testsecret", &sts, &sig, NULL), CP_OK);
    assert_string_equal(sts, want_sts);
    assert_string_equal(sig, want_sig);
    free(sts);
    free(sig);
    free(want_sts);
    free(want_sig);
    free(text);
}

static void test_v2_vector_a(void **state)
{
    (void)state;
    check_v2_vector("rpc-signature-v1.txt");
}

static void test_v2_vector_b(void **state)
{
    (void)state;
    check_v2_vector("rpc-signature-v1-b.txt");
}

/* The misspelt "TimeStamp" of a widely copied example must not give the published signature. */
static void test_v2_timestamp_spelling(void **state)
{
    struct kv p[] = {{"AccessKeyId", "testid"}, {"Action", "DescribeRegions"}, {"Format", "XML"},
                     {"SignatureMethod", "HMAC-SHA1"}, {"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
                     {"SignatureVersion", "1.0"}, {"TimeStamp", "2016-02-23T12:46:24Z"}, {"Version", "2014-05-26"}};
    struct kvlist l = {p, 8};
    char *sig = NULL;

    (void)state;
    assert_int_equal(aliyun_sign_v2("GET", &l, "testsecret", NULL, &sig, NULL), CP_OK);
    assert_string_not_equal(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    free(sig);
}

static void test_v3_vector(void **state)
{
    char *text = vector("v3-acs3-hmac-sha256.txt"), *want_auth = line_after(text, "Authorization header:");
    const char *start = strstr(text, "\nPOST\n/\n"), *end = strstr(text, "\n\nHashedCanonicalRequest");
    char *want_creq = NULL;
    struct kv q[] = {{"RegionId", "cn-shanghai"}, {"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"}};
    struct kvlist ql = {q, 2};
    struct aliyun_v3_req r = {"POST", "/", &ql, "ecs.cn-shanghai.aliyuncs.com", "RunInstances", "2014-05-26",
                              "2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d", NULL, NULL, NULL, 0};
    struct aliyun_v3_sig s;

    (void)state;
    assert_non_null(start);
    assert_non_null(end);
    want_creq = strndup(start + 1, (size_t)(end - start - 1));
    assert_int_equal(aliyun_sign_v3(&r, "YourAccessKeyId", "YourAccessKeySecret", &s, NULL), CP_OK);
    assert_string_equal(s.content_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(s.canonical_request, want_creq);
    assert_string_equal(s.authorization, want_auth);
    aliyun_v3_sig_free(&s);
    free(want_creq);
    free(want_auth);
    free(text);
}

/* With a body, a content type and an STS token: all signed, in name order. */
static void test_v3_sts_and_body(void **state)
{
    struct aliyun_v3_req r = {"POST", "/", NULL, "127.0.0.1:8443", "AddDomainRecord", "2015-01-09",
                              "2026-01-01T00:00:00Z", "n1", "application/x-www-form-urlencoded", "TOKEN",
                              "RR=a", 4};
    struct aliyun_v3_sig s;

    (void)state;
    assert_int_equal(aliyun_sign_v3(&r, "STS.id", "secret", &s, NULL), CP_OK);
    assert_non_null(strstr(s.authorization, ",SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;"
                                            "x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,"));
    assert_non_null(strstr(s.canonical_request, "\nx-acs-security-token:TOKEN\n"));
    assert_non_null(strstr(s.canonical_request, "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"));
    /* hex SHA-256 of "RR=a" */
    assert_string_equal(s.content_sha256, "4243cefbdc5b77b0a944f168b139ac742fc01b650bf319fb7aca897a13c44825");
    aliyun_v3_sig_free(&s);
}

/* ROA (FC 3.0 UpdateCustomDomain): the path is the canonical URI, the JSON body's hash is signed. The
 * vector is the Alibaba Node SDK's own signer (@alicloud/openapi-core 1.0.8, utils getAuthorization)
 * over the same request. */
static void test_v3_roa_vector(void **state)
{
    static const char body[] = "{\"certConfig\":{\"certName\":\"certpilot-fc\",\"certificate\":\"C\","
                               "\"privateKey\":\"K\"},\"protocol\":\"HTTP,HTTPS\"}";
    struct aliyun_v3_req r = {"PUT", "/2023-03-30/custom-domains/fc.example.com", NULL,
                              "fcv3.cn-hangzhou.aliyuncs.com", "UpdateCustomDomain", "2023-03-30",
                              "2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d",
                              "application/json; charset=utf-8", NULL, body, sizeof(body) - 1};
    struct aliyun_v3_sig s;

    (void)state;
    assert_int_equal(aliyun_sign_v3(&r, "YourAccessKeyId", "YourAccessKeySecret", &s, NULL), CP_OK);
    assert_string_equal(s.content_sha256, "b473b1afd913369b7e9af10bf3c4cd1b9c9327c4dc96341de9cfb69bb7f81a48");
    assert_string_equal(s.authorization,
                        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=content-type;host;x-acs-action;"
                        "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="
                        "2135fe8502f309f6ea4e98107295ecd485312d84c820b5672cea9cfcfad34f2a");
    assert_true(str_has_prefix(s.canonical_request, "PUT\n/2023-03-30/custom-domains/fc.example.com\n\n"));
    aliyun_v3_sig_free(&s);
}

static void test_pct_encode(void **state)
{
    const char *cases[][2] = {
        {"", ""},
        {"AZaz09-_.~", "AZaz09-_.~"},
        {"a b", "a%20b"},
        {"*", "%2A"},
        {"+/=&?%", "%2B%2F%3D%26%3F%25"},
        {"\xc3\xa9\xe4\xb8\xad", "%C3%A9%E4%B8%AD"},  /* UTF-8 bytes, upper-case hex */
        {"2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *e = aliyun_pct_encode(cases[i][0]);
        assert_string_equal(e, cases[i][1]);
        free(e);
    }
}

static void test_canonical_query(void **state)
{
    struct kv p[] = {{"b", "2"}, {"a", "x y"}, {"B", "*"}, {"a", "1"}, {"c", ""}};
    struct kvlist l = {p, 5};
    char *q = aliyun_canonical_query(&l), *none = aliyun_canonical_query(NULL);

    (void)state;
    /* byte order: upper case before lower case; equal names by value */
    assert_string_equal(q, "B=%2A&a=1&a=x%20y&b=2&c=");
    assert_string_equal(none, "");
    free(q);
    free(none);
}

/* ---- credentials ---- */

static const char *fake_env(void *ud, const char *name)
{
    size_t len = strlen(name);

    for (const char *const *e = ud; *e != NULL; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

static void test_creds_env_sdk_first(void **state)
{
    const char *env[] = {"ALICLOUD_ACCESS_KEY=lego-id", "ALICLOUD_SECRET_KEY=lego-secret",
                         "ALIBABA_CLOUD_ACCESS_KEY_ID=sdk-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=sdk-secret", NULL};
    struct aliyun_creds *c = NULL;

    (void)state;
    assert_int_equal(aliyun_creds_load(fake_env, env, NULL, &c, NULL), CP_OK);
    assert_string_equal(c->key_id, "sdk-id");
    assert_string_equal(c->secret, "sdk-secret");
    assert_null(c->security_token);
    aliyun_creds_free(c);
}

static void test_creds_env_lego_sts(void **state)
{
    const char *env[] = {"ALICLOUD_ACCESS_KEY=STS.id", "ALICLOUD_SECRET_KEY=s", "ALICLOUD_SECURITY_TOKEN=tok",
                         "HOME=/nonexistent", NULL};
    struct aliyun_creds *c = NULL;

    (void)state;
    assert_int_equal(aliyun_creds_load(fake_env, env, "override-id", &c, NULL), CP_OK);
    assert_string_equal(c->key_id, "override-id");
    assert_string_equal(c->security_token, "tok");
    assert_string_equal(c->source, "environment (ALICLOUD_*)");
    aliyun_creds_free(c);
}

static void test_creds_secret_without_id(void **state)
{
    const char *env[] = {"ALIBABA_CLOUD_ACCESS_KEY_SECRET=s", NULL};
    struct aliyun_creds *c = NULL;
    struct err e;

    (void)state;
    assert_int_equal(aliyun_creds_load(fake_env, env, NULL, &c, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "Alibaba Cloud credentials: ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but "
                               "ALIBABA_CLOUD_ACCESS_KEY_ID is not");
    assert_null(c);
}

static void test_creds_missing(void **state)
{
    const char *env[] = {"HOME=/nonexistent", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=TRUE", NULL};
    const char *ecs[] = {"HOME=/nonexistent", NULL};
    struct aliyun_creds *c = NULL;
    struct err e;

    (void)state;
    assert_int_equal(aliyun_creds_load(fake_env, env, NULL, &c, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                               "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY) "
                               "in the environment, or write ~/.alibabacloud/credentials (the ECS RAM role is "
                               "off: ALIBABA_CLOUD_ECS_METADATA_DISABLED)");
    /* as the SDKs, the ECS RAM role is the last source: chosen now, asked on first use */
    assert_int_equal(aliyun_creds_load(fake_env, ecs, NULL, &c, &e), CP_OK);
    assert_string_equal(c->source, "ECS RAM role (metadata service)");
    assert_null(c->secret);
    aliyun_creds_free(c);
}

static const char creds_ini[] =
    "[default]\n"
    "type = access_key\n"
    "access_key_id = file-id\n"
    "access_key_secret = file-secret\n"
    "\n"
    "[ci]\n"
    "type = sts\n"
    "access_key_id = STS.ci\n"
    "access_key_secret = ci-secret\n"
    "security_token = ci-token\n"
    "\n"
    "[ecs]\n"
    "type = ecs_ram_role\n"
    "role_name = r\n"
    "\n"
    "[half]\n"
    "type = sts\n"
    "access_key_id = STS.half\n"
    "access_key_secret = s\n";

/* Load with HOME=dir (the file in dir/.alibabacloud/credentials) and profile (NULL: default). */
static int load_from_file(const char *dir, const char *profile, struct aliyun_creds **c, struct err *e)
{
    char *home = str_printf("HOME=%s", dir), *prof = str_printf("ALIBABA_CLOUD_PROFILE=%s", profile ? profile : "");
    const char *env[] = {home, prof, NULL};
    int rc = aliyun_creds_load(fake_env, env, NULL, c, e);

    free(home);
    free(prof);
    return rc;
}

static char *write_creds_file(void)
{
    char *dir = test_tmpdir("aliyun-creds"), *sub = str_printf("%s/.alibabacloud", dir);
    char *path = str_printf("%s/credentials", sub);
    FILE *f = NULL;

    assert_int_equal(mkdir(sub, 0700), 0);
    assert_non_null(f = fopen(path, "w"));
    fputs(creds_ini, f);
    fclose(f);
    free(sub);
    free(path);
    return dir;
}

static void test_creds_file(void **state)
{
    char *dir = write_creds_file();
    struct aliyun_creds *c = NULL;
    struct err e;

    (void)state;
    assert_int_equal(load_from_file(dir, NULL, &c, &e), CP_OK);
    assert_string_equal(c->key_id, "file-id");
    assert_string_equal(c->secret, "file-secret");
    assert_null(c->security_token);
    assert_string_equal(c->source, "credentials file");
    aliyun_creds_free(c);
    c = NULL;
    assert_int_equal(load_from_file(dir, "ci", &c, &e), CP_OK);
    assert_string_equal(c->key_id, "STS.ci");
    assert_string_equal(c->security_token, "ci-token");
    aliyun_creds_free(c);
    c = NULL;
    assert_int_equal(load_from_file(dir, "ecs", &c, &e), CP_OK);
    assert_string_equal(c->source, "ecs_ram_role profile of the credentials file");
    aliyun_creds_free(c);
    c = NULL;
    assert_int_equal(load_from_file(dir, "half", &c, &e), CP_EINVALID);
    assert_non_null(strstr(e.msg, "profile [half] of type sts lacks security_token"));
    assert_int_equal(load_from_file(dir, "nope", &c, &e), CP_EUSAGE);
    assert_non_null(strstr(e.msg, "no profile [nope]"));
    assert_null(c);
    test_rm_rf(dir);
    free(dir);
}

/* inih reads lines of at most 200 bytes: a longer STS token must fail loudly, not be cut short. */
static void test_creds_file_long_line(void **state)
{
    char *dir = test_tmpdir("aliyun-long"), *path = str_printf("%s/creds", dir);
    char *env0 = str_printf("ALIBABA_CLOUD_CREDENTIALS_FILE=%s", path);
    const char *env[] = {env0, NULL};
    struct aliyun_creds *c = NULL;
    struct err e;
    FILE *f = fopen(path, "w");

    (void)state;
    assert_non_null(f);
    fputs("[default]\ntype = sts\naccess_key_id = STS.x\naccess_key_secret = s\nsecurity_token = ", f);
    for (int i = 0; i < 600; i++)
        fputc('t', f);
    fputs("\n", f);
    fclose(f);
    assert_int_equal(aliyun_creds_load(fake_env, env, NULL, &c, &e), CP_EINVALID);
    assert_non_null(strstr(e.msg, "longer than 200 bytes (give a long STS token in ALIBABA_CLOUD_SECURITY_TOKEN)"));
    assert_null(c);
    test_rm_rf(dir);
    free(dir);
    free(path);
    free(env0);
}

static void test_creds_named_file_missing(void **state)
{
    const char *env[] = {"ALIBABA_CLOUD_CREDENTIALS_FILE=/nonexistent/creds", NULL};
    struct aliyun_creds *c = NULL;
    struct err e;

    (void)state;
    assert_int_equal(aliyun_creds_load(fake_env, env, NULL, &c, &e), CP_ENOTFOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/creds"));
}

/* ---- error replies ---- */

static void test_error_line(void **state)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "RequestId", "RID-1", "HostId", "alidns.aliyuncs.com",
                          "Code", "SignatureDoesNotMatch", "Message",
                          "Specified signature is not matched; key sEcReT was\nused", "Recommend", "https://x");
    struct aliyun_creds k = {"AKID", "sEcReT", NULL, "test"};
    char line[512];

    (void)state;
    assert_int_equal(aliyun_error_line("alidns", j, &k, NULL, line, sizeof(line)), CP_EUSAGE);
    assert_string_equal(line, "alidns: SignatureDoesNotMatch: Specified signature is not matched; key [secret] "
                              "was used (RequestId RID-1)");
    json_object_set_new(j, "Code", json_string("Throttling.User"));
    assert_int_equal(aliyun_error_line("cdn", j, NULL, NULL, line, sizeof(line)), CP_ETIMEOUT);
    json_object_set_new(j, "Code", json_string("DomainRecordDuplicate"));
    assert_int_equal(aliyun_error_line("alidns", j, NULL, NULL, line, sizeof(line)), CP_EPROTO);
    json_object_set_new(j, "Code", json_string("InvalidAccessKeyId.NotFound"));
    assert_int_equal(aliyun_error_line("alidns", j, NULL, NULL, line, sizeof(line)), CP_EUSAGE);
    json_decref(j);
}

/* A secret echoed where the line is cut is redacted before the cut, never
 * left half: a long Code ending in the secret, cut by a 1 KiB line. */
static void error_line_long_echo(void **state)
{
    char code[1200], line[1024];
    const char *secret = "SECRETSECRETSECRETSECRET";
    struct aliyun_creds k = {"AKID", (char *)secret, NULL, "test"};
    json_t *j;

    (void)state;
    memset(code, 'C', sizeof(code));
    snprintf(code + 1000, sizeof(code) - 1000, "%s", secret);
    j = json_pack("{s:s, s:s}", "Code", code, "Message", "m");
    assert_int_equal(aliyun_error_line("alidns", j, &k, NULL, line, sizeof(line)), CP_EPROTO);
    assert_null(strstr(line, "SECRETSEC"));
    assert_non_null(strstr(line, "[sec"));
    json_decref(j);
    /* control characters inside an echoed secret do not hide it from the redaction */
    j = json_pack("{s:s, s:s}", "Code", "SignatureDoesNotMatch", "Message", "key SECRETSECRET\x7f\x1bSECRETSECRET!");
    assert_int_equal(aliyun_error_line("alidns", j, &k, NULL, line, sizeof(line)), CP_EUSAGE);
    assert_string_equal(line, "alidns: SignatureDoesNotMatch: key [secret]! (RequestId none)");
    json_decref(j);
}

/* ---- the client over a scripted transport ---- */

struct canned_reply {
    long status;
    const char *body;
};

struct scripted {
    struct http_transport t;
    const struct canned_reply *replies;
    size_t n, next;
    char *body[8];
    char *headers[8];  /* every header line of request i, joined by '\n' */
    char *url[8];
    const char *method;  /* expected */
    long slept[8];
    size_t nslept;
};

static int scripted_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                         struct err *err)
{
    struct scripted *s = (struct scripted *)t;
    struct buf h = BUF_INIT;
    size_t i = s->next;

    assert_true(i < s->n && i < 8);
    assert_string_equal(req->method, s->method);
    if (strcmp(s->method, "POST") == 0)
        assert_string_equal(req->content_type, "application/x-www-form-urlencoded");
    else if (strcmp(s->method, "PUT") == 0)
        assert_string_equal(req->content_type, "application/json; charset=utf-8");
    else
        assert_null(req->content_type);
    s->url[i] = strdup(req->url);
    for (size_t k = 0; req->headers != NULL && req->headers[k] != NULL; k++)
        assert_int_equal(buf_append_str(&h, req->headers[k]) | buf_append_str(&h, "\n"), CP_OK);
    s->headers[i] = buf_steal(&h);
    s->body[i] = req->body != NULL ? strndup(req->body, req->body_len) : NULL;
    memset(resp, 0, sizeof(*resp));
    resp->status = s->replies[i].status;
    assert_int_equal(buf_append_str(&resp->body, s->replies[i].body), CP_OK);
    s->next++;
    (void)err;
    return CP_OK;
}

static void record_sleep(void *ud, long ms)
{
    struct scripted *s = ud;

    s->slept[s->nslept++] = ms;
}

static void scripted_done(struct scripted *s)
{
    for (size_t i = 0; i < 8; i++) {
        free(s->body[i]);
        free(s->headers[i]);
        free(s->url[i]);
    }
}

static struct aliyun_creds test_creds = {"AKID", "the-secret-value", NULL, "test"};

static struct aliyun_client *scripted_client(struct scripted *s, const struct canned_reply *r, size_t n,
                                             enum aliyun_sigver sig, struct aliyun_creds *k)
{
    struct aliyun_client_opts o = {.product = "alidns", .endpoint = "127.0.0.1:8443", .version = "2015-01-09",
                                   .sig = sig, .creds = k, .http = &s->t, .sleep_ms = record_sleep,
                                   .sleep_ud = s};

    memset(s, 0, sizeof(*s));
    s->t.send = scripted_send;
    s->replies = r;
    s->n = n;
    s->method = "POST";
    return aliyun_client_new(&o, NULL);
}

static void test_client_v3_request(void **state)
{
    static const struct canned_reply r[] = {{200, "{\"RequestId\":\"R\",\"RecordId\":\"42\"}"}};
    struct aliyun_creds k = {"STS.AKID", "the-secret-value", "sts-token", "test"};
    struct scripted s;
    struct aliyun_client *c = scripted_client(&s, r, 1, ALIYUN_SIG_V3, &k);
    struct kv p[] = {{"RR", "_acme-challenge"}, {"Value", "a b*~"}};
    struct kvlist l = {p, 2};
    struct aliyun_reply out;

    (void)state;
    assert_int_equal(aliyun_call(c, "AddDomainRecord", &l, &out, NULL), CP_OK);
    assert_string_equal(json_string_value(json_object_get(out.json, "RecordId")), "42");
    assert_string_equal(s.body[0], "RR=_acme-challenge&Value=a%20b%2A~");
    assert_non_null(strstr(s.headers[0], "Host: 127.0.0.1:8443\n"));
    assert_non_null(strstr(s.headers[0], "x-acs-action: AddDomainRecord\n"));
    assert_non_null(strstr(s.headers[0], "x-acs-version: 2015-01-09\n"));
    assert_non_null(strstr(s.headers[0], "x-acs-security-token: sts-token\n"));
    assert_non_null(strstr(s.headers[0], "Authorization: ACS3-HMAC-SHA256 Credential=STS.AKID,SignedHeaders="
                                         "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;"
                                         "x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature="));
    assert_null(strstr(s.headers[0], "the-secret-value"));
    aliyun_reply_free(&out);
    aliyun_client_free(c);
    scripted_done(&s);
}

/* A ROA call: PUT on the path with the JSON body, V3 headers; a GET has no body. */
static void test_client_roa_request(void **state)
{
    static const struct canned_reply r[] = {{200, "{\"domainName\":\"fc.example.com\"}"}};
    struct scripted s;
    struct aliyun_client *c = scripted_client(&s, r, 1, ALIYUN_SIG_V3, &test_creds);
    json_t *body = json_pack("{s:{s:s}}", "certConfig", "certName", "n");
    struct aliyun_reply out;

    (void)state;
    s.method = "PUT";
    assert_int_equal(aliyun_call_roa(c, "PUT", "/2023-03-30/custom-domains/fc.example.com", "UpdateCustomDomain",
                                     body, NULL, &out, NULL), CP_OK);
    assert_string_equal(json_string_value(json_object_get(out.json, "domainName")), "fc.example.com");
    assert_string_equal(s.url[0], "https://127.0.0.1:8443/2023-03-30/custom-domains/fc.example.com");
    assert_string_equal(s.body[0], "{\"certConfig\":{\"certName\":\"n\"}}");
    assert_non_null(strstr(s.headers[0], "x-acs-action: UpdateCustomDomain\n"));
    assert_non_null(strstr(s.headers[0], "Authorization: ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders="
                                         "content-type;host;x-acs-action;x-acs-content-sha256;"));
    aliyun_reply_free(&out);
    json_decref(body);
    aliyun_client_free(c);
    scripted_done(&s);
}

/* Both error shapes of ROA products; a call carrying a secret never shows the Message; V2 is refused. */
static void test_client_roa_errors(void **state)
{
    static const struct canned_reply r[] = {
        {404, "{\"code\":\"NotFound.DomainNotFound\",\"message\":\"no such domain\",\"requestId\":\"R1\"}"},
        {400, "{\"Code\":\"InvalidArgument\",\"Message\":\"bad key PRIVATEKEYTEXT\",\"RequestId\":\"R2\"}"}};
    struct scripted s;
    struct aliyun_client *c = scripted_client(&s, r, 2, ALIYUN_SIG_V3, &test_creds);
    json_t *body = json_pack("{s:s}", "privateKey", "PRIVATEKEYTEXT");
    struct aliyun_reply out;
    struct err err = {0};

    (void)state;
    s.method = "GET";
    assert_int_equal(aliyun_call_roa(c, "GET", "/v1/domains/d-1", "GetDomain", NULL, NULL, &out, &err), CP_EPROTO);
    assert_string_equal(err.msg, "alidns: NotFound.DomainNotFound: no such domain (RequestId R1)");
    s.method = "PUT";
    assert_int_equal(aliyun_call_roa(c, "PUT", "/x", "UpdateCustomDomain", body, "PRIVATEKEYTEXT", &out, &err),
                     CP_EPROTO);
    assert_string_equal(err.msg, "alidns: InvalidArgument (RequestId R2; the Message is not shown: the request "
                                 "carried a secret)");
    assert_int_equal(aliyun_call_roa(c, "DELETE", "/x", "DeleteThing", NULL, NULL, &out, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "alidns: DeleteThing: DELETE /x is not a ROA request this client makes");
    aliyun_client_free(c);
    scripted_done(&s);
    c = scripted_client(&s, r, 0, ALIYUN_SIG_V2, &test_creds);
    assert_int_equal(aliyun_call_roa(c, "GET", "/v1/domains/d-1", "GetDomain", NULL, NULL, &out, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "alidns: GetDomain is a ROA-style API: signature v2 is not supported for it, "
                                 "use v3");
    json_decref(body);
    aliyun_client_free(c);
    scripted_done(&s);
}

static void test_client_v2_request(void **state)
{
    static const struct canned_reply r[] = {{200, "{\"RequestId\":\"R\"}"}};
    struct aliyun_creds k = {"AKID", "the-secret-value", "tok", "test"};
    struct scripted s;
    struct aliyun_client *c = scripted_client(&s, r, 1, ALIYUN_SIG_V2, &k);
    struct kv p[] = {{"DomainName", "example.com"}};
    struct kvlist l = {p, 1};
    struct aliyun_reply out;

    (void)state;
    assert_int_equal(aliyun_call(c, "DescribeDomainInfo", &l, &out, NULL), CP_OK);
    assert_true(str_has_prefix(s.body[0], "AccessKeyId=AKID&Action=DescribeDomainInfo&DomainName=example.com&"
                                          "Format=JSON&SecurityToken=tok&SignatureMethod=HMAC-SHA1&"
                                          "SignatureNonce="));
    assert_non_null(strstr(s.body[0], "&SignatureVersion=1.0&Timestamp="));
    assert_non_null(strstr(s.body[0], "&Version=2015-01-09&Signature="));
    assert_null(strstr(s.body[0], "the-secret-value"));
    assert_null(strstr(s.headers[0], "Authorization"));
    aliyun_reply_free(&out);
    aliyun_client_free(c);
    scripted_done(&s);
}

/* GET: the parameters (and V2's Signature) in the URL, no body, no content type signed. */
static void test_client_get(void **state)
{
    static const struct canned_reply r[] = {{200, "{\"RequestId\":\"R\"}"}, {200, "{\"RequestId\":\"R\"}"}};
    struct aliyun_client_opts o = {.product = "alidns", .endpoint = "127.0.0.1:8443", .version = "2015-01-09",
                                   .method = "GET", .creds = &test_creds};
    struct kv p[] = {{"SubDomain", "a b.example.com"}, {"PageNumber", "2"}};
    struct kvlist l = {p, 2};
    struct aliyun_reply out;
    struct aliyun_client *c = NULL;
    struct scripted s;

    (void)state;
    aliyun_client_free(scripted_client(&s, r, 2, ALIYUN_SIG_V3, &test_creds));
    s.method = "GET";
    o.http = &s.t;
    assert_non_null(c = aliyun_client_new(&o, NULL));
    assert_int_equal(aliyun_call(c, "DescribeSubDomainRecords", &l, &out, NULL), CP_OK);
    aliyun_reply_free(&out);
    assert_string_equal(s.url[0], "https://127.0.0.1:8443/?PageNumber=2&SubDomain=a%20b.example.com");
    assert_null(s.body[0]);
    assert_non_null(strstr(s.headers[0], "SignedHeaders=host;x-acs-action;"));
    aliyun_client_free(c);
    o.sig = ALIYUN_SIG_V2;
    assert_non_null(c = aliyun_client_new(&o, NULL));
    assert_int_equal(aliyun_call(c, "DescribeSubDomainRecords", &l, &out, NULL), CP_OK);
    aliyun_reply_free(&out);
    assert_true(str_has_prefix(s.url[1], "https://127.0.0.1:8443/?AccessKeyId=AKID&Action=DescribeSubDomainRecords&"
                                         "Format=JSON&PageNumber=2&SignatureMethod=HMAC-SHA1&"));
    assert_non_null(strstr(s.url[1], "&SubDomain=a%20b.example.com&Timestamp="));
    assert_non_null(strstr(s.url[1], "&Version=2015-01-09&Signature="));
    aliyun_client_free(c);
    scripted_done(&s);
    o.method = "PUT";
    assert_null(aliyun_client_new(&o, NULL));
}

#define THROTTLED "{\"RequestId\":\"T\",\"Code\":\"Throttling.User\",\"Message\":\"Request was denied due to user flow control.\"}"

static void test_client_throttling_retried(void **state)
{
    static const struct canned_reply r[] = {{400, THROTTLED}, {400, THROTTLED}, {200, "{\"RequestId\":\"OK\"}"}};
    struct scripted s;
    struct aliyun_client *c = scripted_client(&s, r, 3, ALIYUN_SIG_V3, &test_creds);
    struct aliyun_reply out;

    (void)state;
    assert_int_equal(aliyun_call(c, "DescribeDomains", NULL, &out, NULL), CP_OK);
    assert_int_equal(s.nslept, 2);
    assert_int_equal(s.slept[0], 1000);
    assert_int_equal(s.slept[1], 2000);
    /* every attempt is signed afresh: a nonce is never reused */
    assert_string_not_equal(strstr(s.headers[0], "x-acs-signature-nonce"), strstr(s.headers[1], "x-acs-signature-nonce"));
    aliyun_reply_free(&out);
    aliyun_client_free(c);
    scripted_done(&s);
}

static void test_client_throttling_bounded(void **state)
{
    static const struct canned_reply r[] = {{400, THROTTLED}, {400, THROTTLED}, {400, THROTTLED},
                                            {400, THROTTLED}, {400, THROTTLED}};
    struct scripted s;
    struct aliyun_client *c = scripted_client(&s, r, 5, ALIYUN_SIG_V3, &test_creds);
    struct aliyun_reply out;
    struct err e;

    (void)state;
    assert_int_equal(aliyun_call(c, "DescribeDomains", NULL, &out, &e), CP_ETIMEOUT);
    assert_int_equal(s.next, 5);
    assert_int_equal(s.nslept, 4);
    assert_string_equal(out.code, "Throttling.User");
    assert_string_equal(e.msg, "alidns: Throttling.User: Request was denied due to user flow control. (RequestId T)");
    aliyun_client_free(c);
    scripted_done(&s);
}

/* Code decides, not the status: an error body under 200 is an error; no Code under 404 is one too. */
static void test_client_code_not_status(void **state)
{
    static const struct canned_reply r[] = {
        {200, "{\"RequestId\":\"A\",\"Code\":\"DomainRecordDuplicate\",\"Message\":\"The DNS record already exists.\"}"},
        {404, "{\"RequestId\":\"B\"}"},
        {502, "<html>bad gateway</html>"},
    };
    struct scripted s;
    struct aliyun_client *c = scripted_client(&s, r, 3, ALIYUN_SIG_V3, &test_creds);
    struct aliyun_reply out;
    struct err e;

    (void)state;
    assert_int_equal(aliyun_call(c, "AddDomainRecord", NULL, &out, &e), CP_EPROTO);
    assert_string_equal(out.code, "DomainRecordDuplicate");
    assert_string_equal(e.msg, "alidns: DomainRecordDuplicate: The DNS record already exists. (RequestId A)");
    assert_int_equal(aliyun_call(c, "AddDomainRecord", NULL, &out, &e), CP_EPROTO);
    assert_string_equal(e.msg, "alidns: AddDomainRecord: HTTP 404 from 127.0.0.1:8443 without an error Code");
    assert_int_equal(aliyun_call(c, "AddDomainRecord", NULL, &out, &e), CP_EPROTO);
    assert_string_equal(e.msg, "alidns: AddDomainRecord: HTTP 502 from 127.0.0.1:8443 without a JSON reply");
    assert_int_equal(s.nslept, 0);
    aliyun_client_free(c);
    scripted_done(&s);
}

#define TOKEN "CAIS+Fh0Zk/2Yq9vTcR1xW3bN8mL5pQ7aE2uJ4oS6dG0="
#define AK_SECRET "Xq7bR2mKp9LwZ4vN8sT1yU6cA3eH5j"

/* Error replies quoting the credentials in each form a server may echo a parameter in: the exact line. */
static void test_client_redacts_credentials(void **state)
{
    static const char *const echoed[][2] = {
        {"token " TOKEN " is invalid", "token [secret] is invalid"},
        {"SecurityToken=CAIS%2BFh0Zk%2F2Yq9vTcR1xW3bN8mL5pQ7aE2uJ4oS6dG0%3D&Version=1",
         "SecurityToken=[secret]&Version=1"},
        {"{\"SecurityToken\":\"CAIS\\u002bFh0Zk\\/2Yq9vTcR1xW3bN8mL5pQ7aE2uJ4oS6dG0=\"}",
         "{\"SecurityToken\":\"[secret]\"}"},
        {"token CAIS+Fh0Zk/2Yq9v\\nTcR1xW3bN8mL5p\\nQ7aE2uJ4oS6dG0=.", "token [secret]."},
        {"token CAIS+Fh0Zk/2Yq9v\nTcR1xW3bN8mL5p\r\nQ7aE2uJ4oS6dG0= (split)", "token [secret] (split)"},
        {"secret " AK_SECRET ", token CAIS+Fh0Zk/2Yq9vT (cut)", "secret [secret], token [secret] (cut)"},
        {"secret %58q7bR2mKp9%4CwZ4vN8sT1yU6cA3eH5j!", "secret [secret]!"},
    };
    const size_t n = sizeof(echoed) / sizeof(echoed[0]);
    struct aliyun_creds k = {"STS.AKID", AK_SECRET, TOKEN, "test"};
    struct canned_reply r[8];
    char *bodies[8];
    struct scripted s;
    struct aliyun_client *c = NULL;
    struct aliyun_reply out;
    struct err e;

    (void)state;
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_pack("{s:s, s:s, s:s}", "RequestId", "R-7", "Code", "InvalidParameter", "Message",
                              echoed[i][0]);
        bodies[i] = json_dumps(j, JSON_COMPACT);
        r[i] = (struct canned_reply){400, bodies[i]};
        json_decref(j);
    }
    r[n] = (struct canned_reply){403, "{\"RequestId\":\"R-8\",\"Code\":\"InvalidSecurityToken." TOKEN "\","
                                      "\"Message\":\"m\"}"};
    c = scripted_client(&s, r, n + 1, ALIYUN_SIG_V3, &k);
    for (size_t i = 0; i < n; i++) {
        char *want = str_printf("alidns: InvalidParameter: %s (RequestId R-7)", echoed[i][1]);
        assert_int_equal(aliyun_call(c, "AddDomainRecord", NULL, &out, &e), CP_EPROTO);
        assert_string_equal(e.msg, want);
        free(want);
        free(bodies[i]);
    }
    /* the Code too, and out->code, which the retry and debug logs show */
    assert_int_equal(aliyun_call(c, "AddDomainRecord", NULL, &out, &e), CP_EUSAGE);
    assert_string_equal(e.msg, "alidns: InvalidSecurityToken.[secret]: m (RequestId R-8)");
    assert_string_equal(out.code, "InvalidSecurityToken.[secret]");
    aliyun_client_free(c);
    scripted_done(&s);
}

/* A call that carried a secret: Code and RequestId only, pieces of the secret out of them too. */
static void test_error_line_secret_call(void **state)
{
    const char *key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oyrdhNrclhOMoAoGCCqGSM49\n"
                      "AwEHoUQDQgAE\n-----END EC PRIVATE KEY-----\n";
    struct aliyun_creds k = {"STS.AKID", AK_SECRET, TOKEN, "test"};
    json_t *j = json_pack("{s:s, s:s, s:s}", "RequestId", "R-9", "Code", "InvalidParameter.Key", "Message",
                          "Key -----BEGIN%20EC%20PRIVATE%20KEY-----%0AMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBn%0A");
    char line[1024];

    (void)state;
    assert_int_equal(aliyun_error_line("alicas", j, &k, key, line, sizeof(line)), CP_EPROTO);
    assert_string_equal(line, "alicas: InvalidParameter.Key (RequestId R-9; the Message is not shown: the request "
                              "carried a secret)");
    json_object_set_new(j, "Code", json_string("Bad.MHcCAQEEIBkg4LVW%0AAwEHoUQDQgAE"));
    json_object_set_new(j, "RequestId", json_string("R-" TOKEN));
    assert_int_equal(aliyun_error_line("alicas", j, &k, key, line, sizeof(line)), CP_EPROTO);
    assert_string_equal(line, "alicas: Bad.[secret] (RequestId R-[secret]; the Message is not shown: the request "
                              "carried a secret)");
    json_decref(j);
}

static void test_client_bad_endpoint(void **state)
{
    struct aliyun_client_opts o = {.product = "alidns", .endpoint = "https://alidns.aliyuncs.com",
                                   .version = "2015-01-09", .creds = &test_creds};
    struct err e;

    (void)state;
    assert_null(aliyun_client_new(&o, &e));
    assert_int_equal(e.code, CP_EUSAGE);
    assert_string_equal(e.msg, "alidns: endpoint \"https://alidns.aliyuncs.com\" must be a host name with an "
                               "optional :port (no scheme or path)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2_vector_a),
        cmocka_unit_test(test_v2_vector_b),
        cmocka_unit_test(test_v2_timestamp_spelling),
        cmocka_unit_test(test_v3_vector),
        cmocka_unit_test(test_v3_sts_and_body),
        cmocka_unit_test(test_pct_encode),
        cmocka_unit_test(test_canonical_query),
        cmocka_unit_test(test_creds_env_sdk_first),
        cmocka_unit_test(test_creds_env_lego_sts),
        cmocka_unit_test(test_creds_secret_without_id),
        cmocka_unit_test(test_creds_missing),
        cmocka_unit_test(test_creds_file),
        cmocka_unit_test(test_creds_file_long_line),
        cmocka_unit_test(test_creds_named_file_missing),
        cmocka_unit_test(test_error_line),
        cmocka_unit_test(error_line_long_echo),
        cmocka_unit_test(test_client_v3_request),
        cmocka_unit_test(test_client_v2_request),
        cmocka_unit_test(test_client_roa_request),
        cmocka_unit_test(test_client_roa_errors),
        cmocka_unit_test(test_v3_roa_vector),
        cmocka_unit_test(test_client_get),
        cmocka_unit_test(test_client_throttling_retried),
        cmocka_unit_test(test_client_throttling_bounded),
        cmocka_unit_test(test_client_code_not_status),
        cmocka_unit_test(test_client_bad_endpoint),
        cmocka_unit_test(test_client_redacts_credentials),
        cmocka_unit_test(test_error_line_secret_call),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
