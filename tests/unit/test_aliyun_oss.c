/*
 * Unit tests for cloud/aliyun/sign_oss.c (the OSS V4 signature, against the vectors computed with
 * ali-oss's own signer: tests/data/aliyun/oss4-hmac-sha256.json), ossxml.c (writing with escapes,
 * the bounded parser and what it refuses), osscname.c (PutCname's body, ListCname's reply,
 * fingerprints) and oss.c's error lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "cloud/aliyun/oss.h"
#include "cloud/aliyun/osscname.h"
#include "cloud/aliyun/ossxml.h"
#include "cloud/aliyun/sign_oss.h"
#include "util/str.h"

static json_t *vectors(void)
{
    const char *dir = getenv("CP_TEST_DATA");
    char *path = str_printf("%s/aliyun/oss4-hmac-sha256.json", dir ? dir : "tests/data");
    json_t *j = json_load_file(path, 0, NULL);

    free(path);
    assert_non_null(j);
    return j;
}

static void check_case(const json_t *c)
{
    struct kv q[8], h[8];
    size_t nq = 0, nh = 0, i;
    const char *name;
    json_t *v;
    struct kvlist ql = {q, 0}, hl = {h, 0};
    struct aliyun_oss4_sig s;
    struct err err = {0};

    json_array_foreach(json_object_get(c, "query"), i, v)
        q[nq++] = (struct kv){json_string_value(json_array_get(v, 0)), json_string_value(json_array_get(v, 1))};
    json_object_foreach((json_t *)json_object_get(c, "headers"), name, v)
        h[nh++] = (struct kv){name, json_string_value(v)};
    ql.n = nq;
    hl.n = nh;
    struct aliyun_oss4_req r = {json_string_value(json_object_get(c, "method")),
                                json_string_value(json_object_get(c, "bucket")), NULL, &ql, &hl,
                                json_string_value(json_object_get(json_object_get(c, "headers"), "x-oss-date")),
                                json_string_value(json_object_get(c, "region"))};
    assert_int_equal(aliyun_sign_oss4(&r, json_string_value(json_object_get(c, "key_id")),
                                      json_string_value(json_object_get(c, "secret")), &s, &err), CP_OK);
    assert_string_equal(s.canonical_request, json_string_value(json_object_get(c, "canonical_request")));
    assert_string_equal(s.string_to_sign, json_string_value(json_object_get(c, "string_to_sign")));
    assert_string_equal(s.authorization, json_string_value(json_object_get(c, "authorization")));
    aliyun_oss4_sig_free(&s);
}

static void test_oss4_vectors(void **state)
{
    json_t *j = vectors(), *c;
    size_t i;

    (void)state;
    assert_int_equal(json_array_size(json_object_get(j, "cases")), 2);
    json_array_foreach(json_object_get(j, "cases"), i, c)
        check_case(c);
    json_decref(j);
}

/* Header names in any case, values trimmed, unsigned headers left out: the same signature. */
static void test_oss4_header_forms(void **state)
{
    struct kv q[] = {{"cname", NULL}};
    struct kv h[] = {{"X-OSS-Date", "20261204T235959Z"}, {"Host", "my-bucket-01.oss-ap-southeast-1.aliyuncs.com"},
                     {"x-oss-content-sha256", "  UNSIGNED-PAYLOAD "}, {"User-Agent", "certpilot"}};
    struct kvlist ql = {q, 1}, hl = {h, 4};
    struct aliyun_oss4_req r = {"GET", "my-bucket-01", NULL, &ql, &hl, "20261204T235959Z", "ap-southeast-1"};
    struct aliyun_oss4_sig s;
    struct err err = {0};
    json_t *j = vectors();

    (void)state;
    assert_int_equal(aliyun_sign_oss4(&r, "AK", "sk", &s, &err), CP_OK);
    assert_string_equal(s.authorization, json_string_value(json_object_get(
                                             json_array_get(json_object_get(j, "cases"), 1), "authorization")));
    aliyun_oss4_sig_free(&s);
    r.date = "2026-12-04T23:59:59Z";
    assert_int_equal(aliyun_sign_oss4(&r, "AK", "sk", &s, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "oss: cannot sign for date \"2026-12-04T23:59:59Z\" in region \"ap-southeast-1\"");
    json_decref(j);
}

static void test_xml_element_escapes(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    assert_int_equal(ossxml_element(&b, "Domain", "a&b<c>\"d'"), CP_OK);
    assert_int_equal(buf_append_str(&b, ""), CP_OK);
    assert_string_equal(b.data, "<Domain>a&amp;b&lt;c&gt;&quot;d&apos;</Domain>");
    buf_free(&b);
}

static void test_cname_body(void **state)
{
    struct oss_cname_cert c = {"static.example.com", NULL, "-----BEGIN CERTIFICATE-----\nA<B\n", "KEY&", "12-cn-hangzhou",
                               false};
    char *body = oss_cname_body(&c);

    (void)state;
    assert_string_equal(body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BucketCnameConfiguration><Cname>"
                              "<Domain>static.example.com</Domain><CertificateConfiguration>"
                              "<Certificate>-----BEGIN CERTIFICATE-----\nA&lt;B\n</Certificate>"
                              "<PrivateKey>KEY&amp;</PrivateKey><PreviousCertId>12-cn-hangzhou</PreviousCertId>"
                              "</CertificateConfiguration></Cname></BucketCnameConfiguration>");
    free(body);
    c.previous_cert_id = NULL;
    c.force = true;
    body = oss_cname_body(&c);
    assert_non_null(strstr(body, "</PrivateKey><Force>true</Force></CertificateConfiguration>"));
    free(body);
}

static const char LIST[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListCnameResult>\n  <Bucket>b</Bucket><Owner>o</Owner>\n"
    "  <Cname><Domain>Static.Example.com</Domain><Status>Enabled</Status>\n"
    "    <Certificate><Type>CAS</Type><CertId>493-cn-hangzhou</CertId><Status>Enabled</Status>"
    "<Fingerprint>DE:01:CF</Fingerprint><ValidEndDate>Mon, 4 May 2048 10:14:51 GMT</ValidEndDate></Certificate>\n"
    "  </Cname>\n  <Cname><Domain>a&amp;b&#x41;&#66;.example.com</Domain><Status>Enabled</Status></Cname>\n"
    "</ListCnameResult>\n";

static void test_cnames_parse(void **state)
{
    struct oss_cnames l;
    struct err err = {0};
    const struct oss_cname *e;

    (void)state;
    assert_int_equal(oss_cnames_parse(LIST, strlen(LIST), "alioss: ListCname", &l, &err), CP_OK);
    assert_int_equal(l.n, 2);
    e = oss_cnames_find(&l, "static.example.com");
    assert_non_null(e);
    assert_string_equal(e->cert_id, "493-cn-hangzhou");
    assert_string_equal(e->fingerprint, "DE:01:CF");
    assert_string_equal(e->valid_end, "Mon, 4 May 2048 10:14:51 GMT");
    assert_string_equal(l.v[1].domain, "a&bAB.example.com");
    assert_null(l.v[1].cert_id);
    assert_null(oss_cnames_find(&l, "other.example.com"));
    oss_cnames_free(&l);
}

static void refused(const char *xml, const char *line)
{
    struct oss_cnames l;
    struct err err = {0};

    assert_int_equal(oss_cnames_parse(xml, strlen(xml), "alioss: ListCname", &l, &err), CP_EPROTO);
    assert_string_equal(err.msg, line);
    oss_cnames_free(&l);
}

static void test_cnames_refused(void **state)
{
    char deep[2048] = "";

    (void)state;
    refused("<!DOCTYPE x [<!ENTITY a \"b\">]><ListCnameResult/>",
            "alioss: ListCname: the XML reply has a comment, CDATA, DOCTYPE or processing instruction");
    refused("", "alioss: ListCname: the XML reply has no element where one should start");
    refused("<ListCnameResult><!-- hi --></ListCnameResult>",
            "alioss: ListCname: the XML reply has a comment, CDATA, DOCTYPE or processing instruction");
    refused("<ListCnameResult><Cname><Domain>x&ent;</Domain></Cname></ListCnameResult>",
            "alioss: ListCname: the XML reply has an unknown entity");
    refused("<ListCnameResult><Cname><Domain>x&#0;</Domain></Cname></ListCnameResult>",
            "alioss: ListCname: the XML reply has a bad character reference");
    refused("<ListCnameResult>text<Cname/></ListCnameResult>", "alioss: ListCname: the XML reply mixes text and elements");
    refused("<ListCnameResult><Cname></Cnam></ListCnameResult>",
            "alioss: ListCname: the XML reply has a missing or mismatched end tag");
    refused("<ListCnameResult></ListCnameResult><x/>", "alioss: ListCname: the XML reply has more after its root element");
    refused("<ListCnameResult><Cname>", "alioss: ListCname: the XML reply has a missing or mismatched end tag");
    refused("<Error><Code>x</Code></Error>", "alioss: ListCname: the ListCname reply is a <Error>, not a <ListCnameResult>");
    refused("<ListCnameResult><Cname><Status>Enabled</Status></Cname></ListCnameResult>",
            "alioss: ListCname: the ListCname reply has a Cname without its Domain");
    for (int i = 0; i < 20; i++)
        strcat(deep, "<a>");
    refused(deep, "alioss: ListCname: the XML reply is nested too deeply or too large");
}

static void test_fingerprint(void **state)
{
    const unsigned char der[] = "not really DER";
    unsigned char md[20];
    char colon[64] = "", plain[41] = "";

    (void)state;
    EVP_Digest(der, sizeof(der), md, NULL, EVP_sha1(), NULL);
    for (int i = 0; i < 20; i++) {
        snprintf(colon + strlen(colon), 4, i ? ":%02X" : "%02X", md[i]);
        snprintf(plain + 2 * i, 3, "%02x", md[i]);
    }
    assert_true(oss_fingerprint_matches(colon, der, sizeof(der)));
    assert_true(oss_fingerprint_matches(plain, der, sizeof(der)));
    colon[0] = colon[0] == '0' ? '1' : '0';
    assert_false(oss_fingerprint_matches(colon, der, sizeof(der)));
    assert_false(oss_fingerprint_matches("DE:01:CF:**", der, sizeof(der)));
    assert_false(oss_fingerprint_matches(NULL, der, sizeof(der)));
}

static void test_error_lines(void **state)
{
    static const char xml[] = "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>bad key "
                              "MIIEvQIBADANBgkqhkiG9w0B</Message><RequestId>5C3D</RequestId><HostId>h</HostId></Error>";
    struct aliyun_creds k = {"AK", "sk-Secret-123456789", NULL, "test"};
    char code[128], line[512];

    (void)state;
    assert_int_equal(oss_error_line("alioss", "PutCname", 500, xml, strlen(xml), &k, "MIIEvQIBADANBgkqhkiG9w0B",
                                    code, sizeof(code), line, sizeof(line)), CP_EPROTO);
    assert_string_equal(code, "InternalError");
    assert_string_equal(line, "alioss: PutCname: InternalError (RequestId 5C3D; the Message is not shown: the "
                              "request carried a secret)");
    assert_int_equal(oss_error_line("alioss", "ListCname", 500, xml, strlen(xml), &k, NULL, code, sizeof(code), line,
                                    sizeof(line)), CP_EPROTO);
    assert_string_equal(line, "alioss: ListCname: InternalError: bad key MIIEvQIBADANBgkqhkiG9w0B (RequestId 5C3D)");
    static const char sig[] = "<Error><Code>SignatureDoesNotMatch</Code><Message>no: sk-Secret-123456789</Message>"
                              "<RequestId>R1</RequestId></Error>";
    assert_int_equal(oss_error_line("alioss", "ListCname", 403, sig, strlen(sig), &k, NULL, code, sizeof(code), line,
                                    sizeof(line)), CP_EUSAGE);
    assert_string_equal(line, "alioss: ListCname: SignatureDoesNotMatch: no: [secret] (RequestId R1)");
    assert_int_equal(oss_error_line("alioss", "ListCname", 502, "<html>", 6, &k, NULL, code, sizeof(code), line,
                                    sizeof(line)), CP_EPROTO);
    assert_string_equal(line, "alioss: ListCname: HTTP 502 without an OSS <Error> reply");
    assert_string_equal(code, "");
    static const char odd[] = "<Error><Code>Bad Code\x1b[1m</Code></Error>";
    oss_error_line("alioss", "ListCname", 400, odd, strlen(odd), &k, NULL, code, sizeof(code), line, sizeof(line));
    assert_string_equal(code, "(unusual Code)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oss4_vectors),      cmocka_unit_test(test_oss4_header_forms),
        cmocka_unit_test(test_xml_element_escapes), cmocka_unit_test(test_cname_body),
        cmocka_unit_test(test_cnames_parse),      cmocka_unit_test(test_cnames_refused),
        cmocka_unit_test(test_fingerprint),       cmocka_unit_test(test_error_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
