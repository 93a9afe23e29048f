/*
 * deploy/aliclb over a scripted transport: the listener read first and its
 * other attributes sent back unchanged, the upload in the load balancer's
 * region, the SNI domain extension, the read back, skipping a listener that
 * serves this leaf already, delete_old (only our earlier upload, only when
 * no listener or extension uses it), and the settings' error lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/sha.h>

#include "crypto/cert.h"
#include "support/aliscript.h"

#define URL "https://slb.cn-hangzhou.aliyuncs.com/"
#define OURS "certpilot-shop_example_com-0A1B"
#define WAS "certpilot-shop_example_com-0A1A"

/* The leaf's SHA-1 as SLB shows it ("AB:CD:...", upper case here to show case does not matter). */
static void fingerprint(const struct ali_version *v, char out[60])
{
    unsigned char *der = NULL, md[SHA_DIGEST_LENGTH];
    size_t len = 0;

    assert_int_equal(cert_pem_to_der(v->cert, strlen(v->cert), &der, &len, NULL), CP_OK);
    SHA1(der, len, md);
    for (size_t i = 0; i < sizeof(md); i++)
        snprintf(out + 3 * i, 4, "%02X%s", md[i], i + 1 < sizeof(md) ? ":" : "");
    free(der);
}

static json_t *listener(const char *cert_id)
{
    return json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:i,s:s,s:s}", "RequestId", "R", "ListenerPort", 443, "Bandwidth",
                     -1, "StickySession", "on", "StickySessionType", "insert", "HealthCheck", "off",
                     "CookieTimeout", 500, "ServerCertificateId", cert_id, "Status", "running");
}

static json_t *certs(const char *id1, const char *name1, const char *fp1, const char *id2, const char *name2,
                     const char *fp2)
{
    json_t *list = json_array();

    json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "ServerCertificateId", id1, "ServerCertificateName",
                                          name1, "Fingerprint", fp1));
    if (id2 != NULL)
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "ServerCertificateId", id2,
                                              "ServerCertificateName", name2, "Fingerprint", fp2));
    return json_pack("{s:s,s:{s:o}}", "RequestId", "R", "ServerCertificates", "ServerCertificate", list);
}

static json_t *exts(const char *domain, const char *cert_id)
{
    if (domain == NULL)
        return json_pack("{s:s,s:{s:[]}}", "RequestId", "R", "DomainExtensions", "DomainExtension");
    return json_pack("{s:s,s:{s:[{s:s,s:s,s:s}]}}", "RequestId", "R", "DomainExtensions", "DomainExtension",
                     "DomainExtensionId", "de-1", "Domain", domain, "ServerCertificateId", cert_id);
}

static json_t *listeners(const char *lb, int port, const char *cert_id, const char *next)
{
    json_t *r = json_pack("{s:s,s:[{s:s,s:i,s:s,s:{s:s}}]}", "RequestId", "R", "Listeners", "LoadBalancerId", lb,
                          "ListenerPort", port, "ListenerProtocol", "https", "HTTPSListenerConfig",
                          "ServerCertificateId", cert_id);

    if (next != NULL)
        json_object_set_new(r, "NextToken", json_string(next));
    return r;
}

static void test_settings(void **state)
{
    (void)state;
    alis_expect_error("aliclb:region=cn-hangzhou,port=443", CP_EUSAGE,
                      "aliclb: load_balancer is not set (the LoadBalancerId, lb-...)");
    alis_expect_error("aliclb:LB-1,region=cn-hangzhou,port=443", CP_EUSAGE,
                      "aliclb: load_balancer \"LB-1\" is not a LoadBalancerId (lb-...)");
    alis_expect_error("aliclb:lb-bp1x,port=443", CP_EUSAGE,
                      "aliclb: region is not set (the load balancer's region, such as cn-hangzhou)");
    alis_expect_error("aliclb:lb-bp1x,region=cn-shangai,port=443", CP_EUSAGE,
                      "aliclb: region \"cn-shangai\" does not exist (did you mean \"cn-shanghai\"?)");
    alis_expect_error("aliclb:lb-bp1x,region=cn-hangzhou", CP_EUSAGE,
                      "aliclb: port is not set (the HTTPS listener's port)");
    alis_expect_error("aliclb:lb-bp1x,region=cn-hangzhou,port=70000", CP_EUSAGE,
                      "aliclb: port \"70000\" is not a number from 1 to 65535");
    alis_expect_error("aliclb:lb-bp1x,region=cn-hangzhou,port=443,domain=a b", CP_EUSAGE,
                      "aliclb: domain \"a b\" is not a domain name");
}

/* The listener: upload in its region, set with its other attributes as they were, read back; delete_old
 * deletes our earlier upload once no listener or extension uses it. */
static void test_listener(void **state)
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
    alis_queue(&s, 200, listener("sc-1"));
    alis_queue(&s, 200, certs("sc-1", WAS, "aa:bb", "sc-0", "manual", "cc:dd"));
    alis_queue(&s, 200, json_pack("{s:s,s:s}", "RequestId", "R", "ServerCertificateId", "sc-2"));
    alis_queue_ok(&s);
    alis_queue(&s, 200, listener("sc-2"));
    alis_queue(&s, 200, listeners("lb-bp1x", 443, "sc-2", NULL));
    alis_queue(&s, 200, exts(NULL, NULL));
    alis_queue_ok(&s);
    assert_non_null(t = alis_build("aliclb:lb-bp1x:delete_old,region=cn-hangzhou,port=443", &s, &err));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 8);
    alis_request(&s, 0, URL, "DescribeLoadBalancerHTTPSListenerAttribute");
    alis_param(&s, 0, "RegionId", "cn-hangzhou");
    alis_param(&s, 0, "LoadBalancerId", "lb-bp1x");
    alis_param(&s, 0, "ListenerPort", "443");
    alis_request(&s, 1, URL, "DescribeServerCertificates");
    alis_request(&s, 2, URL, "UploadServerCertificate");
    alis_param(&s, 2, "RegionId", "cn-hangzhou");
    alis_param(&s, 2, "ServerCertificateName", OURS);
    alis_param(&s, 2, "ServerCertificate", v.fullchain);
    alis_param(&s, 2, "PrivateKey", v.trad);
    alis_request(&s, 3, URL, "SetLoadBalancerHTTPSListenerAttribute");
    alis_param(&s, 3, "ServerCertificateId", "sc-2");
    alis_param(&s, 3, "ListenerPort", "443");
    alis_param(&s, 3, "Bandwidth", "-1");
    alis_param(&s, 3, "StickySession", "on");
    alis_param(&s, 3, "StickySessionType", "insert");
    alis_param(&s, 3, "CookieTimeout", "500");
    alis_param(&s, 3, "HealthCheck", "off");
    alis_absent(&s, 3, "Status");  /* not a parameter of Set */
    alis_request(&s, 4, URL, "DescribeLoadBalancerHTTPSListenerAttribute");
    alis_request(&s, 5, URL, "DescribeLoadBalancerListeners");
    alis_param(&s, 5, "ListenerProtocol", "https");
    alis_request(&s, 6, URL, "DescribeDomainExtensions");
    alis_request(&s, 7, URL, "DeleteServerCertificate");
    alis_param(&s, 7, "ServerCertificateId", "sc-1");
    alis_param(&s, 7, "RegionId", "cn-hangzhou");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

/* The listener serves this leaf (SLB's fingerprint matches): nothing else is asked. */
static void test_listener_up_to_date(void **state)
{
    struct ali_version v;
    struct ali_script s;
    struct deploy_target *t;
    bool changed = false;
    char fp[60];

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    fingerprint(&v, fp);
    alis_init(&s);
    alis_queue(&s, 200, listener("sc-7"));
    alis_queue(&s, 200, certs("sc-7", "any-name", fp, NULL, NULL, NULL));
    assert_non_null(t = alis_build("aliclb:lb-bp1x,region=cn-hangzhou,port=443,delete_old", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_false(changed);
    assert_int_equal(s.next, 2);
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

/* An SNI extension: our upload already in the region is used, no second upload; the manual certificate
 * it had is not ours and is never deleted. */
static void test_domain_extension(void **state)
{
    struct ali_version v;
    struct ali_script s;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;
    char fp[60];

    (void)state;
    alis_set_creds();
    aliv_make(&v, "shop.example.com", "0A1B");
    fingerprint(&v, fp);
    alis_init(&s);
    alis_queue(&s, 200, exts("www.example.com", "sc-0"));
    alis_queue(&s, 200, certs("sc-0", "manual", "cc:dd", "sc-9", OURS, fp));
    alis_queue_ok(&s);
    alis_queue(&s, 200, exts("www.example.com", "sc-9"));
    assert_non_null(t = alis_build("aliclb:lb-bp1x,region=cn-hangzhou,port=443,domain=WWW.example.com,delete_old",
                                   &s, &err));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 4);
    alis_request(&s, 0, URL, "DescribeDomainExtensions");
    alis_request(&s, 2, URL, "SetDomainExtensionAttribute");
    alis_param(&s, 2, "RegionId", "cn-hangzhou");
    alis_param(&s, 2, "DomainExtensionId", "de-1");
    alis_param(&s, 2, "ServerCertificateId", "sc-9");
    alis_request(&s, 3, URL, "DescribeDomainExtensions");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

/* The listener has no extension for the domain; the set did not take; our old upload still in use. */
static void test_errors(void **state)
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
    alis_queue(&s, 200, exts("other.example.com", "sc-0"));
    assert_non_null(t = alis_build("aliclb:lb-bp1x,region=cn-hangzhou,port=443,domain=www.example.com", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_ENOTFOUND);
    assert_string_equal(err.msg, "aliclb: listener 443 of lb-bp1x has no domain extension for www.example.com "
                                 "(DescribeDomainExtensions)");
    deploy_target_free(t);
    alis_done(&s);

    alis_init(&s);
    alis_queue(&s, 200, listener("sc-1"));
    alis_queue(&s, 200, certs("sc-1", WAS, "aa:bb", NULL, NULL, NULL));
    alis_queue(&s, 200, json_pack("{s:s,s:s}", "RequestId", "R", "ServerCertificateId", "sc-2"));
    alis_queue_ok(&s);
    alis_queue(&s, 200, listener("sc-1"));
    assert_non_null(t = alis_build("aliclb:lb-bp1x,region=cn-hangzhou,port=443", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, &err), CP_EPROTO);
    assert_string_equal(err.msg, "aliclb: lb-bp1x does not show ServerCertificateId sc-2 after "
                                 "SetLoadBalancerHTTPSListenerAttribute");
    deploy_target_free(t);
    alis_done(&s);

    alis_init(&s);  /* delete_old: page 2 of the listeners has an extension with the old certificate */
    alis_queue(&s, 200, listener("sc-1"));
    alis_queue(&s, 200, certs("sc-1", WAS, "aa:bb", NULL, NULL, NULL));
    alis_queue(&s, 200, json_pack("{s:s,s:s}", "RequestId", "R", "ServerCertificateId", "sc-2"));
    alis_queue_ok(&s);
    alis_queue(&s, 200, listener("sc-2"));
    alis_queue(&s, 200, listeners("lb-bp1x", 443, "sc-2", "page2"));
    alis_queue(&s, 200, exts(NULL, NULL));
    alis_queue(&s, 200, listeners("lb-other", 8443, "sc-5", NULL));
    alis_queue(&s, 200, exts("b.example.com", "sc-1"));
    changed = false;
    assert_non_null(t = alis_build("aliclb:lb-bp1x,region=cn-hangzhou,port=443,delete_old", &s, NULL));
    assert_int_equal(deploy_target_run(t, &v.view, &changed, NULL), CP_OK);
    assert_true(changed);
    assert_int_equal(s.next, 9);
    alis_param(&s, 7, "NextToken", "page2");
    alis_param(&s, 8, "LoadBalancerId", "lb-other");
    alis_param(&s, 8, "ListenerPort", "8443");
    deploy_target_free(t);
    alis_done(&s);
    aliv_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_listener),
        cmocka_unit_test(test_listener_up_to_date),
        cmocka_unit_test(test_domain_extension),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
