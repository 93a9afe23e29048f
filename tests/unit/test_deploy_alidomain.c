/*
 * deploy/alidomain: alicdn, alidcdn, alilive and alivod over a scripted
 * transport — the exact actions, endpoints and parameters of each product
 * (one upload, then CertId for DCDN, CertName for Live, the chain and key
 * for every VOD domain), skipping a domain that already serves the
 * version, alicdn's delete_old (only our earlier upload, only when no CDN
 * domain shows it any more), and the settings' error lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/aliscript.h"

/* A DescribeXxxDomainCertificateInfo reply in DCDN/Live/VOD's shape (pem NULL: HTTPS off). */
static json_t *info(const char *domain, const char *pem, const char *name, const char *id)
{
    json_t *it = json_pack("{s:s,s:s}", "DomainName", domain, "SSLProtocol", pem != NULL ? "on" : "off");

    if (pem != NULL)
        json_object_update_new(it, json_pack("{s:s,s:s}", "SSLPub", pem, "CertName", name));
    if (id != NULL)
        json_object_update_new(it, json_pack("{s:s,s:s}", "CertId", id, "CertRegion", "cn-hangzhou"));
    return json_pack("{s:s,s:{s:[o]}}", "RequestId", "R", "CertInfos", "CertInfo", it);
}

/* CDN's shape: ServerCertificateStatus and ServerCertificate. */
static json_t *cdn_info(const char *domain, const char *pem, const char *name, const char *id)
{
    return json_pack("{s:s,s:{s:[{s:s,s:s,s:s,s:s,s:s}]}}", "RequestId", "R", "CertInfos", "CertInfo",
                     "DomainName", domain, "ServerCertificateStatus", "on", "ServerCertificate", pem, "CertName",
                     name, "CertId", id);
}

static void test_settings(void **state)
{
    (void)state;
    alis_expect_error("alidcdn:verify_timeout=0", CP_EUSAGE,
                      "alidcdn: domain is not set (the DCDN domain names to install on)");
    alis_expect_error("alilive:a.example.com,delete_old=yes", CP_EUSAGE, "alilive: unknown setting \"delete_old\"");
    alis_expect_error("alivod:a.example.com,region=cn-hangzou", CP_EUSAGE,
                      "alivod: region \"cn-hangzou\" does not exist (did you mean \"cn-hangzhou\"?)");
    alis_expect_error("alivod:a.example.com,region=mars-north-42", CP_EUSAGE,
                      "alivod: region \"mars-north-42\" does not exist (a region id such as cn-hangzhou or "
                      "ap-southeast-1)");
    alis_expect_error("alicdn:a.example.com,delete_olds=yes", CP_EUSAGE,
                      "alicdn: unknown setting \"delete_olds\" (did you mean \"delete_old\"?)");
    alis_expect_error("alidcdn:a.example.com/x", CP_EUSAGE, "alidcdn: domain \"a.example.com/x\" is not a domain name");
}

/* DCDN: one upload (chain and key), then the other domain by the upload's CertId. */
static void test_dcdn(void **state)
{
    struct ali_version v;
    struct ali_script s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    const char *url = "https://dcdn.aliyuncs.com/";

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    alis_init(&s);
    alis_queue(&s, 200, info("a.example.com", NULL, NULL, NULL));
    alis_queue(&s, 200, info("b.example.com", NULL, NULL, NULL));
    alis_queue_ok(&s);
    alis_queue(&s, 200, info("a.example.com", v.fullchain, "certpilot-dcdn-shop_example_com-0A1B", "77"));
    alis_queue_ok(&s);
    alis_queue(&s, 200, info("b.example.com", v.fullchain, "certpilot-dcdn-shop_example_com-0A1B", "77"));
    assert_non_null(t = alis_build("alidcdn:a.example.com,b.example.com", &s, &err));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 6);
    alis_request(&s, 0, url, "DescribeDcdnDomainCertificateInfo");
    alis_param(&s, 0, "DomainName", "a.example.com");
    alis_request(&s, 2, url, "SetDcdnDomainSSLCertificate");
    alis_param(&s, 2, "DomainName", "a.example.com");
    alis_param(&s, 2, "CertName", "certpilot-dcdn-shop_example_com-0A1B");
    alis_param(&s, 2, "CertType", "upload");
    alis_param(&s, 2, "SSLProtocol", "on");
    alis_param(&s, 2, "SSLPub", v.fullchain);
    alis_param(&s, 2, "SSLPri", v.trad);
    alis_request(&s, 4, url, "SetDcdnDomainSSLCertificate");
    alis_param(&s, 4, "DomainName", "b.example.com");
    alis_param(&s, 4, "CertType", "cas");
    alis_param(&s, 4, "CertId", "77");
    alis_param(&s, 4, "CertRegion", "cn-hangzhou");
    alis_absent(&s, 4, "SSLPri");
    alis_absent(&s, 4, "SSLPub");
    alis_request(&s, 5, url, "DescribeDcdnDomainCertificateInfo");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

/* Already served: nothing is sent but the question. */
static void test_dcdn_already_there(void **state)
{
    struct ali_version v;
    struct ali_script s;
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    alis_init(&s);
    alis_queue(&s, 200, info("a.example.com", v.fullchain, "somebody-else", "5"));
    assert_non_null(t = alis_build("alidcdn:a.example.com", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_false(changed);
    assert_int_equal(s.next, 1);
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

/* The upload fails: Code and RequestId only, the call carried the key. */
static void test_dcdn_upload_fails(void **state)
{
    struct ali_version v;
    struct ali_script s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    alis_init(&s);
    alis_queue(&s, 200, info("a.example.com", NULL, NULL, NULL));
    alis_queue(&s, 400, json_pack("{s:s,s:s,s:s}", "RequestId", "R-E", "Code", "InvalidSSLPri", "Message",
                                  strchr(v.trad, '\n') + 1));
    assert_non_null(t = alis_build("alidcdn:a.example.com", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "alidcdn: InvalidSSLPri (RequestId R-E; the Message is not shown: the request "
                                 "carried a secret)");
    assert_false(changed);
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

/* Live: the other domain by the stored certificate's CertName; checked with verify_timeout=0 off. */
static void test_live(void **state)
{
    struct ali_version v;
    struct ali_script s;
    struct deploy_target *t;
    bool changed = false;
    const char *url = "https://live.aliyuncs.com/";

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    alis_init(&s);
    alis_queue(&s, 200, info("a.example.com", NULL, NULL, NULL));
    alis_queue(&s, 200, info("b.example.com", NULL, NULL, NULL));
    alis_queue_ok(&s);
    alis_queue_ok(&s);
    assert_non_null(t = alis_build("alilive:a.example.com,b.example.com,verify_timeout=0,name=tv", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 4);
    alis_request(&s, 0, url, "DescribeLiveDomainCertificateInfo");
    alis_request(&s, 2, url, "SetLiveDomainCertificate");
    alis_param(&s, 2, "CertType", "upload");
    alis_param(&s, 2, "CertName", "tv-0A1B");
    alis_param(&s, 2, "SSLPri", v.trad);
    alis_request(&s, 3, url, "SetLiveDomainCertificate");
    alis_param(&s, 3, "DomainName", "b.example.com");
    alis_param(&s, 3, "CertType", "cas");
    alis_param(&s, 3, "CertName", "tv-0A1B");
    alis_absent(&s, 3, "SSLPri");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

/* VOD: no CertType; every domain gets the chain and key; the endpoint follows the region. */
static void test_vod(void **state)
{
    struct ali_version v;
    struct ali_script s;
    struct deploy_target *t;
    bool changed = false;
    const char *url = "https://vod.ap-southeast-1.aliyuncs.com/";

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    alis_init(&s);
    alis_queue(&s, 200, info("a.example.com", NULL, NULL, NULL));
    alis_queue(&s, 200, info("b.example.com", NULL, NULL, NULL));
    alis_queue_ok(&s);
    alis_queue(&s, 200, info("a.example.com", v.fullchain, "x", NULL));
    alis_queue_ok(&s);
    alis_queue(&s, 200, info("b.example.com", v.fullchain, "x", NULL));
    assert_non_null(t = alis_build("alivod:a.example.com,b.example.com,region=ap-southeast-1", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 6);
    alis_request(&s, 0, url, "DescribeVodDomainCertificateInfo");
    alis_request(&s, 2, url, "SetVodDomainCertificate");
    alis_request(&s, 4, url, "SetVodDomainCertificate");
    for (size_t i = 2; i <= 4; i += 2) {
        alis_param(&s, i, "CertName", "certpilot-vod-shop_example_com-0A1B");
        alis_param(&s, i, "SSLProtocol", "on");
        alis_param(&s, i, "SSLPub", v.fullchain);
        alis_param(&s, i, "SSLPri", v.trad);
        alis_absent(&s, i, "CertType");
    }
    alis_param(&s, 4, "DomainName", "b.example.com");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

static json_t *https_list(json_int_t total, const char *d1, const char *n1, const char *d2, const char *n2)
{
    json_t *list = json_array();

    json_array_append_new(list, json_pack("{s:s,s:s}", "DomainName", d1, "CertName", n1));
    if (d2 != NULL)
        json_array_append_new(list, json_pack("{s:s,s:s}", "DomainName", d2, "CertName", n2));
    return json_pack("{s:s,s:{s:o},s:I}", "RequestId", "R", "CertInfos", "CertInfo", list, "TotalCount", total);
}

/* alicdn delete_old: a's earlier upload of ours goes once no CDN domain shows it (two pages); b's manual
 * certificate is not ours and stays. */
static void test_cdn_delete_old(void **state)
{
    struct ali_version v, old;
    struct ali_script s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    const char *now = "certpilot-cdn-shop_example_com-0A1B", *was = "certpilot-cdn-shop_example_com-0A1A";

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    aliv_make(&old, "shop.example.com", "0A1A");
    alis_init(&s);
    alis_queue(&s, 200, cdn_info("a.example.com", old.fullchain, was, "11"));
    alis_queue(&s, 200, cdn_info("b.example.com", old.fullchain, "manual", "12"));
    alis_queue_ok(&s);
    alis_queue(&s, 200, cdn_info("a.example.com", v.fullchain, now, "55"));
    alis_queue_ok(&s);
    alis_queue(&s, 200, cdn_info("b.example.com", v.fullchain, now, "55"));
    alis_queue(&s, 200, https_list(3, "a.example.com", now, "b.example.com", now));
    alis_queue(&s, 200, https_list(3, "c.example.com", "manual", NULL, NULL));
    alis_queue_ok(&s);
    assert_non_null(t = alis_build("alicdn:a.example.com,b.example.com,delete_old,cas_endpoint=127.0.0.1:9", &s,
                                   &err));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 9);
    alis_request(&s, 6, "https://cdn.aliyuncs.com/", "DescribeCdnHttpsDomainList");
    alis_param(&s, 6, "PageNumber", "1");
    alis_param(&s, 7, "PageNumber", "2");
    alis_request(&s, 8, "https://127.0.0.1:9/", "DeleteUserCertificate");
    alis_param(&s, 8, "CertId", "11");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
    aliv_free(&old);
}

/* Another CDN domain still shows the earlier upload: it stays. */
static void test_cdn_delete_old_in_use(void **state)
{
    struct ali_version v, old;
    struct ali_script s;
    struct deploy_target *t;
    bool changed = false;
    const char *now = "certpilot-cdn-shop_example_com-0A1B", *was = "certpilot-cdn-shop_example_com-0A1A";

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    aliv_make(&old, "shop.example.com", "0A1A");
    alis_init(&s);
    alis_queue(&s, 200, cdn_info("a.example.com", old.fullchain, was, "11"));
    alis_queue_ok(&s);
    alis_queue(&s, 200, cdn_info("a.example.com", v.fullchain, now, "55"));
    alis_queue(&s, 200, https_list(2, "a.example.com", now, "z.example.com", was));
    assert_non_null(t = alis_build("alicdn:a.example.com,delete_old", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 4);
    alis_request(&s, 3, "https://cdn.aliyuncs.com/", "DescribeCdnHttpsDomainList");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
    aliv_free(&old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_dcdn),
        cmocka_unit_test(test_dcdn_already_there),
        cmocka_unit_test(test_dcdn_upload_fails),
        cmocka_unit_test(test_live),
        cmocka_unit_test(test_vod),
        cmocka_unit_test(test_cdn_delete_old),
        cmocka_unit_test(test_cdn_delete_old_in_use),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
