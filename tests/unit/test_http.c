/*
 * http: header lookup, Link and Retry-After parsing, and the libcurl
 * transport against a small libmicrohttpd server on 127.0.0.1 (plain
 * HTTP): bodies, headers, HEAD, connection reuse, limits and failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "http/http.h"
#include "util/str.h"

static struct http_response with_headers(const char *const *kv, size_t n)
{
    struct http_response r = {0};

    r.headers = calloc(n, sizeof(*r.headers));
    for (size_t i = 0; i < n; i++) {
        r.headers[i].name = strdup(kv[2 * i]);
        r.headers[i].value = strdup(kv[2 * i + 1]);
    }
    r.nheaders = n;
    return r;
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void test_header_get(void **state)
{
    const char *kv[] = {"Replay-Nonce", "abc", "content-type", "application/json"};
    struct http_response r = with_headers(kv, 2);

    (void)state;
    assert_string_equal(http_header_get(&r, "replay-nonce"), "abc");
    assert_string_equal(http_header_get(&r, "Content-Type"), "application/json");
    assert_null(http_header_get(&r, "Location"));
    http_response_free(&r);
}

static void test_links(void **state)
{
    const char *kv[] = {
        "Link", "<https://ca/alt/1>;rel=\"alternate\", <https://ca/dir>;rel=\"index\"",
        "link", "<https://ca/alt/2> ; rel=alternate",
        "Link", "<https://ca/x>; title=\"a, b\"; rel=\"up alternate\"",
        "Link", "garbage",
        /* only the first rel counts (RFC 8288 §3.3); escaped quotes and tabs inside values */
        "LINK", "<https://ca/first>; rel=index; rel=alternate, <https://ca/t>;title=\"x\\\", y\";REL=\"next\tALTERNATE\"",
        "Link", "<https://ca/nope>; rel=\"alternates\"",
    };
    struct http_response r = with_headers(kv, 6);
    char **out = NULL;
    int n;

    (void)state;
    n = http_links(&r, "alternate", &out);
    assert_int_equal(n, 4);
    assert_string_equal(out[0], "https://ca/alt/1");
    assert_string_equal(out[1], "https://ca/alt/2");
    assert_string_equal(out[2], "https://ca/x");
    assert_string_equal(out[3], "https://ca/t");
    free_list(out, n);
    n = http_links(&r, "index", &out);
    assert_int_equal(n, 2);
    assert_string_equal(out[0], "https://ca/dir");
    assert_string_equal(out[1], "https://ca/first");
    free_list(out, n);
    n = http_links(&r, "up", &out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "https://ca/x");
    free_list(out, n);
    n = http_links(&r, "next", &out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "https://ca/t");
    free_list(out, n);
    assert_int_equal(http_links(&r, "prev", &out), 0);
    free(out);
    http_response_free(&r);
}

static void test_retry_after(void **state)
{
    const time_t now = 784111747; /* Sun, 06 Nov 1994 08:49:07 GMT */
    long s = -1;

    (void)state;
    assert_int_equal(http_retry_after("120", now, &s), CP_OK);
    assert_int_equal(s, 120);
    assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now, &s), CP_OK);
    assert_int_equal(s, 30);
    assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now, &s), CP_OK);
    assert_int_equal(s, 0);
    /* the obsolete forms a recipient must still accept (RFC 9110 §5.6.7) */
    assert_int_equal(http_retry_after("Sunday, 06-Nov-94 08:49:17 GMT", now, &s), CP_OK);
    assert_int_equal(s, 10);
    assert_int_equal(http_retry_after("Sun Nov  6 08:49:27 1994", now, &s), CP_OK);
    assert_int_equal(s, 20);
    assert_int_equal(http_retry_after(" 7 ", now, &s), CP_OK);
    assert_int_equal(s, 7);
    assert_int_equal(http_retry_after("soon", now, &s), CP_EINVALID);
    assert_int_equal(http_retry_after("", now, &s), CP_EINVALID);
    assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:49:37", now, &s), CP_EINVALID);
    assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT trailing", now, &s), CP_EINVALID);
    assert_int_equal(http_retry_after("12s", now, &s), CP_EINVALID);
    assert_int_equal(http_retry_after("-5", now, &s), CP_EINVALID);
}

/* --- a test server on 127.0.0.1, port chosen by the kernel --- */

struct server {
    struct MHD_Daemon *d;
    int port;
    _Atomic int connections;  /* counted on MHD's threads */
};

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)c;
    (void)socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        ((struct server *)cls)->connections++;
}

/* Echo what the client sent (method, Content-Type, User-Agent), so the tests
 * see what libcurl really put on the wire. */
static enum MHD_Result respond(struct MHD_Connection *conn, const char *method, unsigned int status,
                               const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
    const char *acs = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-acs-test");
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    enum MHD_Result ret;

    MHD_add_response_header(r, "Replay-Nonce", "nonce-1");
    MHD_add_response_header(r, "Link", "<http://x/alt>;rel=\"alternate\"");
    MHD_add_response_header(r, "X-Method", method);
    MHD_add_response_header(r, "X-Content-Type", ct ? ct : "(none)");
    MHD_add_response_header(r, "X-User-Agent", ua ? ua : "(none)");
    MHD_add_response_header(r, "X-Echo-Acs", acs ? acs : "(none)");
    MHD_add_response_header(r, "X-Echo-Host", host ? host : "(none)");
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
    struct buf *up = *con_cls;
    enum MHD_Result ret;
    char big[8192];

    (void)cls;
    (void)version;
    if (up == NULL) {  /* first call: headers only */
        *con_cls = calloc(1, sizeof(struct buf));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*size > 0) {
        if (buf_append(up, data, *size) != CP_OK)
            return MHD_NO;
        *size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/slow") == 0)
        sleep(3);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    if (strcmp(url, "/big") == 0)
        ret = respond(conn, method, 200, big);
    else if (strcmp(method, "POST") == 0)
        ret = respond(conn, method, 201, up->data ? up->data : "");
    else
        ret = respond(conn, method, strcmp(url, "/missing") == 0 ? 404 : 200, "hello");
    buf_free(up);
    free(up);
    *con_cls = NULL;
    return ret;
}

static void server_start(struct server *s)
{
    const union MHD_DaemonInfo *info;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

    memset(s, 0, sizeof(*s));
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
    assert_non_null(s->d);
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info->port;
}

static char *url_for(const struct server *s, const char *path)
{
    return str_printf("http://127.0.0.1:%d%s", s->port, path);
}

static struct http_transport *transport(long timeout_s, size_t max_body)
{
    struct http_opts o = {.timeout_s = timeout_s, .max_body = max_body, .user_agent = "cp-test/1"};
    struct err err = {0};
    struct http_transport *t = http_curl_new(&o, &err);

    assert_non_null(t);
    return t;
}

/* Send and check status, method seen by the server, and Content-Type seen by it. */
static void exchange(struct http_transport *t, const struct http_request *req, struct http_response *r,
                     long status, const char *ctype_seen)
{
    struct err err = {0};

    assert_int_equal(http_send(t, req, r, &err), CP_OK);
    assert_int_equal(r->status, status);
    assert_string_equal(http_header_get(r, "x-method"), req->method);
    assert_string_equal(http_header_get(r, "X-Content-Type"), ctype_seen);
    assert_string_equal(http_header_get(r, "X-User-Agent"), "cp-test/1");
}

static void test_round_trip(void **state)
{
    struct server s;
    struct http_transport *t = transport(10, 0);
    struct http_response r = {0};
    char *u = NULL, *miss = NULL;
    char **links = NULL;

    (void)state;
    server_start(&s);
    u = url_for(&s, "/dir");
    miss = url_for(&s, "/missing");
    exchange(t, &(struct http_request){"GET", u, NULL, NULL, 0}, &r, 200, "(none)");
    assert_string_equal(r.body.data, "hello");
    assert_string_equal(http_header_get(&r, "replay-nonce"), "nonce-1");
    assert_int_equal(http_links(&r, "alternate", &links), 1);
    assert_string_equal(links[0], "http://x/alt");
    free_list(links, 1);
    http_response_free(&r);

    exchange(t, &(struct http_request){"POST", u, "application/jose+json", "{\"a\":1}", 7}, &r, 201,
             "application/jose+json");
    assert_string_equal(r.body.data, "{\"a\":1}");
    http_response_free(&r);

    /* a POST without a type carries none (not libcurl's form type) */
    exchange(t, &(struct http_request){"POST", u, NULL, "x", 1}, &r, 201, "(none)");
    assert_string_equal(r.body.data, "x");
    http_response_free(&r);

    /* ACME newNonce (RFC 8555 §7.2) is a HEAD: headers, no body */
    exchange(t, &(struct http_request){"HEAD", u, NULL, NULL, 0}, &r, 200, "(none)");
    assert_int_equal(r.body.len, 0);
    assert_string_equal(http_header_get(&r, "Replay-Nonce"), "nonce-1");
    http_response_free(&r);

    /* after a HEAD and a POST, a GET is a GET again, with a body */
    exchange(t, &(struct http_request){"GET", miss, NULL, NULL, 0}, &r, 404, "(none)");
    assert_string_equal(r.body.data, "hello");
    http_response_free(&r);
    free(u);
    free(miss);
    /* five requests, one kept-alive connection */
    assert_int_equal(s.connections, 1);
    http_transport_free(t);
    MHD_stop_daemon(s.d);
}

/* Extra request headers (signed cloud APIs) reach the server, may replace Host, and do not
 * stay on the handle for the next request. */
static void test_extra_headers(void **state)
{
    static const char *const hdrs[] = {"x-acs-test: v1", "Host: api.example.test:8443", NULL};
    struct server s;
    struct http_transport *t = transport(10, 0);
    struct http_response r = {0};
    char *u = NULL, *host = NULL;

    (void)state;
    server_start(&s);
    u = url_for(&s, "/api");
    host = str_printf("127.0.0.1:%d", s.port);
    exchange(t, &(struct http_request){"POST", u, "application/x-www-form-urlencoded", "a=1", 3, hdrs}, &r, 201,
             "application/x-www-form-urlencoded");
    assert_string_equal(http_header_get(&r, "X-Echo-Acs"), "v1");
    assert_string_equal(http_header_get(&r, "X-Echo-Host"), "api.example.test:8443");
    http_response_free(&r);
    exchange(t, &(struct http_request){"GET", u, NULL, NULL, 0, NULL}, &r, 200, "(none)");
    assert_string_equal(http_header_get(&r, "X-Echo-Acs"), "(none)");
    assert_string_equal(http_header_get(&r, "X-Echo-Host"), host);
    http_response_free(&r);
    free(u);
    free(host);
    http_transport_free(t);
    MHD_stop_daemon(s.d);
}

static void test_body_limit(void **state)
{
    struct server s;
    struct http_transport *t = transport(10, 1024), *exact = transport(10, 8191);
    struct http_response r = {0};
    struct err err = {0};
    char *u;

    (void)state;
    server_start(&s);
    u = url_for(&s, "/big");
    assert_int_equal(http_send(t, &(struct http_request){"GET", u, NULL, NULL, 0}, &r, &err), CP_EPROTO);
    assert_int_equal(err.code, CP_EPROTO);
    assert_non_null(strstr(err.msg, "exceeds 1024 bytes"));
    assert_non_null(strstr(err.msg, u));
    assert_null(r.body.data);
    assert_int_equal(r.nheaders, 0);
    /* exactly at the limit is fine */
    assert_int_equal(http_send(exact, &(struct http_request){"GET", u, NULL, NULL, 0}, &r, &err), CP_OK);
    assert_int_equal(r.body.len, 8191);
    http_response_free(&r);
    free(u);
    http_transport_free(t);
    http_transport_free(exact);
    MHD_stop_daemon(s.d);
}

static void test_timeout(void **state)
{
    struct server s;
    struct http_transport *t = transport(1, 0);
    struct http_response r = {0};
    struct err err = {0};
    char *u;

    (void)state;
    server_start(&s);
    u = url_for(&s, "/slow");
    assert_int_equal(http_send(t, &(struct http_request){"GET", u, NULL, NULL, 0}, &r, &err), CP_ETIMEOUT);
    assert_int_equal(err.code, CP_ETIMEOUT);
    assert_non_null(strstr(err.msg, u));
    free(u);
    http_transport_free(t);
    MHD_stop_daemon(s.d);
}

static void test_connect_refused(void **state)
{
    struct server s;
    struct http_transport *t = transport(5, 0);
    struct http_response r = {0};
    struct err err = {0};
    char *u;

    (void)state;
    server_start(&s);
    u = url_for(&s, "/");
    MHD_stop_daemon(s.d); /* the port is closed now */
    assert_int_equal(http_send(t, &(struct http_request){"GET", u, NULL, NULL, 0}, &r, &err), CP_ENET);
    assert_int_equal(err.code, CP_ENET);
    assert_non_null(strstr(err.msg, u));
    assert_non_null(strstr(err.msg, ": cannot connect to the server ("));
    free(u);
    http_transport_free(t);
}

static void test_unsupported_method(void **state)
{
    struct http_transport *t = transport(5, 0);
    struct http_response r = {0};
    struct err err = {0};

    (void)state;
    assert_int_equal(http_send(t, &(struct http_request){"DELETE", "http://127.0.0.1:1/", NULL, NULL, 0}, &r, &err),
                     CP_EUSAGE);
    assert_string_equal(err.msg, "HTTP method DELETE is not supported");
    http_transport_free(t);
}

static void test_ca_bundle(void **state)
{
    struct http_opts o = {.ca_bundle = "/nonexistent/ca.pem"};
    struct err err = {0};

    (void)state;
    assert_null(http_curl_new(&o, &err));
    assert_int_equal(err.code, CP_EUSAGE);
    assert_string_equal(err.msg, "CA bundle /nonexistent/ca.pem: No such file or directory");
    o.ca_bundle = "/tmp";
    assert_null(http_curl_new(&o, &err));
    assert_int_equal(err.code, CP_EUSAGE);
    assert_string_equal(err.msg, "CA bundle /tmp: not a regular file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_get),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_extra_headers),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_unsupported_method),
        cmocka_unit_test(test_ca_bundle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
