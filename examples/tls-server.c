/*
 * tls-server — a small HTTPS server that looks after its own certificate
 * with libcertpilot: on first start it gets one (the state root keeps it for
 * the next start), it serves it, a background thread renews it when due
 * (cp_renew) and the server swaps to the new certificate without a restart.
 *
 *   cc tls-server.c $(pkg-config --cflags --libs certpilot) -o tls-server
 *   ./tls-server STATE_DIR DIRECTORY_URL CA_BUNDLE|- HOOK PORT NAME
 *
 * HOOK answers dns-01 challenges (uacme's hook contract, e.g.
 * examples/hooks/challtestsrv). PORT 0 takes any free one. Each response says
 * which certificate served it ("serial: HEX"). SIGUSR1 renews at once
 * (forced); SIGINT or SIGTERM stop the server, cancelling a renewal under way.
 * The renewal thread checks every 12 hours; a certificate renewed by someone
 * else on the same state root (the certpilot timer) is picked up then too.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <certpilot/certpilot.h>

#define CHECK_EVERY_S (12 * 3600)

struct server {
    const char *root, *url, *ca_bundle, *hook, *name;
    volatile sig_atomic_t stop;  /* the library's cancel hook too */
    pthread_mutex_t lock;        /* guards tls and serial */
    SSL_CTX *tls;                /* the certificate being served */
    char serial[128];
};

static void log_line(void *user, int level, const char *line)
{
    (void)user;
    if (level <= CP_LOG_WARN)
        fprintf(stderr, "tls-server: %s\n", line);
}

/* A context per thread: a cp_ctx is used by one thread at a time. */
static int open_ctx(struct server *s, cp_ctx **ctx, struct cp_error *err)
{
    struct cp_ctx_options o = CP_CTX_OPTIONS_INIT;

    o.root = s->root;
    o.directory_url = s->url;
    o.ca_bundle = s->ca_bundle;
    o.log = log_line;
    o.cancel = &s->stop;
    return cp_ctx_open(ctx, &o, err);
}

/* The stored certificate, or a new one on first start. */
static int obtain(struct server *s, cp_ctx *ctx, cp_cert **cert, struct cp_error *err)
{
    struct cp_account_options acct = CP_ACCOUNT_OPTIONS_INIT;
    struct cp_cert_request req = CP_CERT_REQUEST_INIT;
    struct cp_setting hook[] = {{"program", s->hook}, {"challenge", "dns-01"}};

    if (cp_cert_open(ctx, s->name, cert, err) == CP_OK)
        return CP_OK;
    acct.agree_tos = 1;
    req.names = &s->name;
    req.nnames = 1;
    req.solver = "hook";
    req.settings = hook;
    req.nsettings = 2;
    if (cp_account_ensure(ctx, &acct, err) != CP_OK)
        return err->code;
    return cp_cert_issue(ctx, &req, cert, err);
}

/* A TLS context for cert's live files. */
static SSL_CTX *tls_for(const cp_cert *cert)
{
    SSL_CTX *tls = SSL_CTX_new(TLS_server_method());

    if (tls != NULL && SSL_CTX_use_certificate_chain_file(tls, cp_cert_path(cert, CP_FILE_FULLCHAIN)) == 1 &&
        SSL_CTX_use_PrivateKey_file(tls, cp_cert_path(cert, CP_FILE_KEY), SSL_FILETYPE_PEM) == 1 &&
        SSL_CTX_check_private_key(tls) == 1)
        return tls;
    ERR_print_errors_fp(stderr);
    SSL_CTX_free(tls);
    return NULL;
}

/* Serve cert from now on, when it is another than the one served. */
static void swap_in(struct server *s, const cp_cert *cert)
{
    SSL_CTX *tls, *old = NULL;

    pthread_mutex_lock(&s->lock);
    if (strcmp(s->serial, cp_cert_serial(cert)) == 0) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    pthread_mutex_unlock(&s->lock);
    if ((tls = tls_for(cert)) == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    old = s->tls;
    s->tls = tls;
    snprintf(s->serial, sizeof(s->serial), "%s", cp_cert_serial(cert));
    pthread_mutex_unlock(&s->lock);
    SSL_CTX_free(old);  /* connections under way hold their own reference */
    printf("serving serial %s\n", cp_cert_serial(cert));
    fflush(stdout);
}

/* Renew when due (forced after SIGUSR1), then serve what is current. */
static void renew_once(struct server *s, cp_ctx *ctx, int force)
{
    struct cp_renew_options o = CP_RENEW_OPTIONS_INIT;
    struct cp_error err = {0};
    cp_renewals *done = NULL;
    cp_cert *cert = NULL;

    o.cert_name = s->name;
    o.force = force;
    if (cp_renew(ctx, &o, &done, &err) != CP_OK)
        fprintf(stderr, "tls-server: renewal failed: %s\n", err.message);
    else if (cp_renewals_count(done) == 1 && cp_renewals_get(done, 0)->renewed)
        printf("renewed (%s)\n", cp_renewals_get(done, 0)->why);
    cp_renewals_free(done);
    if (cp_cert_open(ctx, s->name, &cert, &err) == CP_OK)
        swap_in(s, cert);
    cp_cert_free(cert);
}

/* The renewal thread: SIGUSR1 (blocked everywhere, taken here) forces one. */
static void *renewer(void *arg)
{
    struct server *s = arg;
    struct timespec every = {CHECK_EVERY_S, 0};
    struct cp_error err = {0};
    sigset_t usr1;
    cp_ctx *ctx = NULL;

    sigemptyset(&usr1);
    sigaddset(&usr1, SIGINT);
    sigaddset(&usr1, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);  /* they interrupt the main thread's accept */
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (open_ctx(s, &ctx, &err) != CP_OK) {
        fprintf(stderr, "tls-server: %s\n", err.message);
        return NULL;
    }
    while (!s->stop) {
        int sig = sigtimedwait(&usr1, NULL, &every);
        if (!s->stop)
            renew_once(s, ctx, sig == SIGUSR1);
    }
    cp_ctx_free(ctx);
    return NULL;
}

/* One request, one response naming the certificate that served it. */
static void serve(struct server *s, int fd)
{
    char buf[2048], body[200];
    struct timeval patience = {5, 0};  /* a silent client does not hold the server */
    SSL *ssl;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
    pthread_mutex_lock(&s->lock);
    ssl = SSL_new(s->tls);
    snprintf(body, sizeof(body), "serial: %s\n", s->serial);
    pthread_mutex_unlock(&s->lock);
    if (ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1 && SSL_read(ssl, buf, sizeof(buf)) > 0) {
        int n = snprintf(buf, sizeof(buf), "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                         "\r\n%s", strlen(body), body);
        SSL_write(ssl, buf, n);
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    close(fd);
}

static int listen_on(const char *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("tls-server: listen");
        return -1;
    }
    printf("listening on 127.0.0.1:%u\n", ntohs(a.sin_port));
    fflush(stdout);
    return fd;
}

static struct server *the_server;  /* for the signal handler only */

static void on_stop(int sig)
{
    (void)sig;
    the_server->stop++;
}

/* SIGINT/SIGTERM stop (and interrupt accept); SIGUSR1 is for the renewal thread. */
static void signals(struct server *s)
{
    struct sigaction sa = {0};
    sigset_t usr1;

    the_server = s;
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
}

/* Get the certificate and start serving it. */
static int start(struct server *s)
{
    struct cp_error err = {0};
    cp_ctx *ctx = NULL;
    cp_cert *cert = NULL;
    int rc = open_ctx(s, &ctx, &err);

    if (rc == CP_OK)
        rc = obtain(s, ctx, &cert, &err);
    if (rc != CP_OK)
        fprintf(stderr, "tls-server: %s (%s)\n", err.message, cp_strerror(err.code));
    else
        swap_in(s, cert);
    cp_cert_free(cert);
    cp_ctx_free(ctx);
    return rc == CP_OK && s->tls != NULL ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct server s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    pthread_t renew;
    int fd;

    if (argc != 7) {
        fprintf(stderr, "usage: tls-server STATE_DIR DIRECTORY_URL CA_BUNDLE|- HOOK PORT NAME\n");
        return 2;
    }
    s = (struct server){argv[1], argv[2], strcmp(argv[3], "-") ? argv[3] : NULL, argv[4], argv[6], 0,
                        PTHREAD_MUTEX_INITIALIZER, NULL, ""};
    signals(&s);
    if (start(&s) != 0 || (fd = listen_on(argv[5])) < 0)
        return 1;
    if (pthread_create(&renew, NULL, renewer, &s) != 0)
        return 1;
    while (!s.stop) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0)
            serve(&s, c);
    }
    pthread_kill(renew, SIGUSR1);  /* wake it: it sees stop and ends */
    pthread_join(renew, NULL);
    close(fd);
    SSL_CTX_free(s.tls);
    return 0;
}
