/*
 * deploy/aliesa (and cloud/aliyun/esa paging) over a scripted transport:
 * the exact requests (ListSites a GET, the certificate actions POSTs with
 * nothing in the URL), skipping a site that serves our serial, replacing
 * our earlier upload in place, reading it back, the error lines; and the
 * settings errors of the target and of the aliesa DNS provider.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deploy/target.h"
#include "dns/provider.h"
#include "support/aliscript.h"
#include "support/esascript.h"
#include "util/str.h"

#define SITE_ID 7000000000005LL

static struct deploy_target *build(const char *spec, struct esa_script *s, struct err *err)
{
    struct deploy_opts o = {NULL, NULL, &s->t};
    struct deploy_spec sp = {0};
    struct deploy_target *t = NULL;

    if (deploy_spec_parse(spec, &sp, err) == CP_OK)
        t = deploy_target_new(sp.type, &sp.settings, &o, err);
    deploy_spec_free(&sp);
    return t;
}

static json_t *sites_page(void)
{
    return json_pack("{s:[{s:I,s:s}],s:i,s:s}", "Sites", "SiteId", SITE_ID, "SiteName", "esa.example.com",
                     "TotalCount", 1, "RequestId", "R1");
}

/* A ListCertificates page with one certificate. */
static json_t *certs_page(const char *id, const char *name, const char *serial, int total)
{
    return json_pack("{s:[{s:s,s:s,s:s,s:s}],s:i,s:s}", "Result", "Id", id, "Name", name, "SerialNumber", serial,
                     "Type", "upload", "TotalCount", total, "RequestId", "R2");
}

static void test_skips_when_serving(void **state)
{
    struct ali_version v;
    struct esa_script s;
    struct deploy_target *t;
    bool changed = true;

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    esas_init(&s);
    esas_queue(&s, 200, sites_page());
    esas_queue(&s, 200, certs_page("11", "someone-else", "", 2));
    esas_queue(&s, 200, certs_page("12", "by-hand", "0a:1b", 2));  /* our serial, another name: served */
    t = build("aliesa:esa.example.com", &s, NULL);
    assert_non_null(t);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_false(changed);
    assert_int_equal(s.next, 3);
    esas_request(&s, 0, "GET", "ListSites");
    esas_param(&s, 0, "SiteName", "esa.example.com");
    esas_param(&s, 0, "SiteSearchType", "exact");
    esas_request(&s, 1, "POST", "ListCertificates");
    esas_param(&s, 1, "SiteId", "7000000000005");
    esas_param(&s, 1, "PageNumber", "1");
    esas_param(&s, 2, "PageNumber", "2");
    deploy_target_free(t);
    esas_done(&s);
    aliv_free(&v);
}

static void test_replaces_ours_and_verifies(void **state)
{
    struct ali_version v;
    struct esa_script s;
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    esas_init(&s);
    esas_queue(&s, 200, certs_page("21", "certpilot-shop_example_com-FF", "ff", 1));
    esas_queue(&s, 200, json_pack("{s:s,s:s}", "Id", "21", "RequestId", "R3"));
    esas_queue(&s, 200, json_pack("{s:{s:s},s:s}", "Result", "SerialNumber", "0a1b", "Certificate", v.cert));
    t = build("aliesa:7000000000005,region=ap-southeast-1", &s, NULL);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 3);
    esas_request(&s, 0, "POST", "ListCertificates");
    esas_request(&s, 1, "POST", "SetCertificate");
    esas_param(&s, 1, "SiteId", "7000000000005");
    esas_param(&s, 1, "Type", "upload");
    esas_param(&s, 1, "Id", "21");
    esas_param(&s, 1, "Name", "certpilot-shop_example_com-0A1B");
    esas_param(&s, 1, "Certificate", v.fullchain);
    esas_param(&s, 1, "PrivateKey", v.key);
    esas_request(&s, 2, "POST", "GetCertificate");
    esas_param(&s, 2, "Id", "21");
    deploy_target_free(t);
    esas_done(&s);
    aliv_free(&v);
}

static void test_new_upload_not_shown(void **state)
{
    struct ali_version v;
    struct esa_script s;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    esas_init(&s);
    esas_queue(&s, 200, json_pack("{s:[],s:i}", "Result", "TotalCount", 0));
    esas_queue(&s, 200, json_pack("{s:i}", "Id", 31));
    esas_queue(&s, 200, json_pack("{s:{s:s},s:s}", "Result", "SerialNumber", "ff", "Certificate", v.cert));
    t = build("aliesa:7000000000005", &s, NULL);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "aliesa: site 7000000000005: certificate 31 does not show serial 0A1B after "
                                 "SetCertificate (GetCertificate)");
    assert_true(changed);
    esas_absent(&s, 1, "Id");
    deploy_target_free(t);
    esas_done(&s);
    aliv_free(&v);
}

static void test_failure_hides_message(void **state)
{
    struct ali_version v;
    struct esa_script s;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;
    char *echo = NULL;

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    echo = str_printf("bad key %s", v.key);
    esas_init(&s);
    esas_queue(&s, 200, json_pack("{s:[],s:i}", "Result", "TotalCount", 0));
    esas_queue(&s, 400, json_pack("{s:s,s:s,s:s}", "Code", "InvalidParameter.PrivateKey", "Message", echo,
                                  "RequestId", "R-9"));
    t = build("aliesa:7000000000005", &s, NULL);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "aliesa: InvalidParameter.PrivateKey (RequestId R-9; the Message is not shown: "
                                 "the request carried a secret)");
    assert_false(changed);
    deploy_target_free(t);
    esas_done(&s);
    free(echo);
    aliv_free(&v);
}

static void test_no_such_site(void **state)
{
    struct ali_version v;
    struct esa_script s;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    esas_init(&s);
    esas_queue(&s, 200, json_pack("{s:[],s:i}", "Sites", "TotalCount", 0));
    t = build("aliesa:nope.example.com", &s, NULL);
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_ENOTFOUND);
    assert_string_equal(err.msg, "aliesa: no ESA site nope.example.com in this account (ListSites)");
    deploy_target_free(t);
    esas_done(&s);
    aliv_free(&v);
}

static void test_settings(void **state)
{
    (void)state;
    alis_set_creds();
    alis_expect_error("aliesa", CP_EUSAGE, "aliesa: site is not set (the ESA site's name, or its SiteId)");
    alis_expect_error("aliesa:bad site!", CP_EUSAGE, "aliesa: domain \"bad site!\" is not a domain name");
    alis_expect_error("aliesa:a.com,region=eu-central-1", CP_EUSAGE, "aliesa: region must be cn-hangzhou "
                      "(Chinese mainland) or ap-southeast-1 (outside it) for ESA, not \"eu-central-1\"");
    alis_expect_error("aliesa:a.com,sit=x", CP_EUSAGE, "aliesa: unknown setting \"sit\" (did you mean \"site\"?)");
}

static void expect_dns_error(struct kv *kv, size_t n, const char *msg)
{
    struct kvlist l = {kv, n};
    struct dns_provider_opts o = {&l, NULL, NULL, NULL};
    struct err err = {0};

    assert_null(dns_provider_new("aliesa", &o, &err));
    assert_int_equal(err.code, CP_EUSAGE);
    assert_string_equal(err.msg, msg);
}

static void test_dns_settings(void **state)
{
    struct kv ttl[] = {{"ttl", "0"}}, sig[] = {{"signature", "v4"}}, reg[] = {{"region", "Bad Region"}};
    struct kv typo[] = {{"signatur", "v2"}};

    (void)state;
    alis_set_creds();
    expect_dns_error(ttl, 1, "aliesa: ttl \"0\" is not a number from 1 to 86400");
    expect_dns_error(sig, 1, "aliesa: signature must be v3 or v2, not \"v4\"");
    expect_dns_error(reg, 1, "aliesa: region \"Bad Region\" is not a region id such as cn-hangzhou");
    expect_dns_error(typo, 1, "aliesa: unknown setting \"signatur\" (did you mean \"signature\"?)");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);  /* nor the ECS RAM role, the last source */
    expect_dns_error(NULL, 0, "aliesa: no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                              "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY) "
                              "in the environment, or write ~/.alibabacloud/credentials (the ECS RAM role is "
                              "off: ALIBABA_CLOUD_ECS_METADATA_DISABLED)");
    unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skips_when_serving),
        cmocka_unit_test(test_replaces_ours_and_verifies),
        cmocka_unit_test(test_new_upload_not_shown),
        cmocka_unit_test(test_failure_hides_message),
        cmocka_unit_test(test_no_such_site),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_dns_settings),
    };

    unsetenv("ALICLOUD_ACCESS_KEY");
    unsetenv("ALICLOUD_SECRET_KEY");
    unsetenv("ALIBABA_CLOUD_CREDENTIALS_FILE");
    setenv("HOME", "/nonexistent", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
