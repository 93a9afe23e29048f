/*
 * solve/standalone — http-01 from a built-in responder (RFC 8555 §8.3),
 * on libmicrohttpd. We bind the sockets ourselves (exact error messages,
 * IPV6_V6ONLY on IPv6 so "[::]:80" and "0.0.0.0:80" can coexist) and hand
 * them to one MHD daemon each, each with its own thread.
 */
#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "solve/solve.h"
#include "util/str.h"

#define MAX_TOKENS 256
#define PREFIX "/.well-known/acme-challenge/"
/*
 * Connection limits, so that whoever can reach the port cannot keep the CA out
 * (review 22, finding 5). A CA validates from a handful of vantage points, each
 * with one or two connections, so:
 * - PER_IP_CONNECTIONS: one address holds at most this many at once; more are
 *   accepted and closed at once, so an attacker's idle connections use up only
 *   its own share, never the validators';
 * - MAX_CONNECTIONS: all addresses together, per listening address (two of
 *   them stay well below the usual 1024 file descriptors); the listen backlog
 *   matches it;
 * - CONNECTION_TIMEOUT_S: a connection idle this long is closed. libmicrohttpd
 *   (0.9.75 and 1.0) has no whole-request deadline: each byte received restarts
 *   this timer, so a client trickling a byte every few seconds keeps its
 *   connection until its request head reaches the connection memory limit
 *   (32 KiB by default) -- but only inside its own per-address share.
 */
#define PER_IP_CONNECTIONS 8
#define MAX_CONNECTIONS 256
#define CONNECTION_TIMEOUT_S 5

struct token {
    char *token;
    char *auth;
};

struct standalone_solver {
    struct solver base;
    struct MHD_Daemon *daemons[SOLVER_MAX_LISTEN];
    int ports[SOLVER_MAX_LISTEN];
    size_t ndaemons;
    pthread_mutex_t lock;  /* guards tokens: MHD answers on its own threads */
    struct token tokens[MAX_TOKENS];
    size_t ntokens;
    const struct logger *log;
};

/* A copy of the key authorization for token, or NULL. */
static char *lookup(struct standalone_solver *s, const char *token)
{
    char *auth = NULL;

    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->ntokens && auth == NULL; i++)
        if (strcmp(s->tokens[i].token, token) == 0)
            auth = strdup(s->tokens[i].auth);
    pthread_mutex_unlock(&s->lock);
    return auth;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct standalone_solver *s = cls;
    char *auth;
    enum MHD_Result ret;

    (void)version;
    (void)upload;
    (void)con_cls;
    if (*upload_size != 0) {
        *upload_size = 0;  /* a body is never expected; drop it */
        return MHD_YES;
    }
    /* RFC 8555 §8.3: the CA sends GET; answer nothing but presented tokens */
    if ((strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) || !str_has_prefix(url, PREFIX) ||
        (auth = lookup(s, url + strlen(PREFIX))) == NULL)
        return reply(conn, MHD_HTTP_NOT_FOUND, "not found\n");
    log_info(s->log, "http-01: answered %s", url);
    ret = reply(conn, MHD_HTTP_OK, auth);
    free(auth);
    return ret;
}

/* Split "ADDR:PORT" or "[V6ADDR]:PORT" into host (NUL-terminated, of size hsize) and *port.
 * An IPv6 address needs its brackets: "::1:80" could mean either. */
static bool split_listen(const char *spec, char *host, size_t hsize, const char **port)
{
    const char *h = spec, *colon = NULL, *rb = NULL;
    size_t hl;

    if (spec[0] == '[') {
        if ((rb = strchr(spec, ']')) == NULL || rb[1] != ':')
            return false;
        h = spec + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        if ((colon = strrchr(spec, ':')) == NULL)
            return false;
        hl = (size_t)(colon - spec);
        if (memchr(spec, ':', hl) != NULL)
            return false;
    }
    *port = colon + 1;
    /* getaddrinfo takes "99999" and wraps it to a 16-bit port, so check the range here */
    if (hl == 0 || hl >= hsize || **port == '\0' || strlen(*port) > 5 ||
        strspn(*port, "0123456789") != strlen(*port) || atoi(*port) > 65535)
        return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    return true;
}

/* "ADDR:PORT" or "[V6ADDR]:PORT" into a numeric address. */
static int parse_listen(const char *spec, struct addrinfo **ai, struct err *err)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM};
    char host[128];
    const char *port = NULL;

    if (!split_listen(spec, host, sizeof(host), &port))
        return err_set(err, CP_EUSAGE, "listen address %s: expected ADDR:PORT or [IPV6]:PORT, port 0 to 65535",
                       spec);
    if (getaddrinfo(host, port, &hints, ai) != 0)
        return err_set(err, CP_EUSAGE, "listen address %s: \"%s\" is not a numeric IP address", spec, host);
    return CP_OK;
}

int solver_standalone_bind_error(const char *spec, int port, int e, struct err *err)
{
    if (e == EADDRINUSE)
        return err_set(err, CP_EIO, "cannot listen on %s: port %d is in use (a web server? stop it with "
                       "--pre-hook, or use --webroot)", spec, port);
    if (e == EACCES && port > 0 && port < 1024)
        return err_set(err, CP_EIO, "cannot listen on %s: port %d is below 1024 and needs root (or "
                       "CAP_NET_BIND_SERVICE), or use --webroot", spec, port);
    return err_set(err, CP_EIO, "cannot listen on %s: %s", spec, strerror(e));
}

static int addr_port(const struct addrinfo *ai)
{
    if (ai->ai_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ai->ai_addr)->sin6_port);
    return ntohs(((const struct sockaddr_in *)ai->ai_addr)->sin_port);
}

static int bind_socket(const char *spec, int *fd_out, struct err *err)
{
    struct addrinfo *ai = NULL;
    int one = 1, fd, rc = parse_listen(spec, &ai, err);

    *fd_out = -1;
    if (rc != CP_OK)
        return rc;
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        rc = err_set(err, CP_EIO, "cannot listen on %s: %s", spec, strerror(errno));
    else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
             (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0))
        rc = err_set(err, CP_EIO, "cannot listen on %s: %s", spec, strerror(errno));
    else if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, MAX_CONNECTIONS) != 0)
        rc = solver_standalone_bind_error(spec, addr_port(ai), errno, err);
    freeaddrinfo(ai);
    if (rc != CP_OK && fd >= 0)
        close(fd);
    else
        *fd_out = fd;
    return rc;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int start_one(struct standalone_solver *s, const char *spec, struct err *err)
{
    int fd, rc = bind_socket(spec, &fd, err);

    if (rc != CP_OK)
        return rc;
    s->ports[s->ndaemons] = bound_port(fd);
    /* AUTO picks epoll: select() would refuse a descriptor above FD_SETSIZE */
    s->daemons[s->ndaemons] = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, s,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)PER_IP_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    /* Not closing fd on failure is deliberate: MHD 0.9.75 closes a given listen
     * socket on most of its failure paths, and a double close in a threaded
     * process could close someone else's descriptor. */
    if (s->daemons[s->ndaemons] == NULL)
        return err_set(err, CP_EIO, "cannot start the http-01 responder on %s", spec);
    s->ndaemons++;
    log_info(s->log, "http-01 responder listening on %s", spec);
    return CP_OK;
}

static int sa_present(struct solver *sv, const struct chal *c, struct err *err)
{
    struct standalone_solver *s = (struct standalone_solver *)sv;
    struct token t = {strdup(c->token), strdup(c->auth)};
    int rc = CP_OK;

    pthread_mutex_lock(&s->lock);
    if (t.token == NULL || t.auth == NULL)
        rc = err_nomem(err);
    else if (s->ntokens == MAX_TOKENS)
        rc = err_set(err, CP_EUSAGE, "more than %d http-01 challenges at once", MAX_TOKENS);
    else
        s->tokens[s->ntokens++] = t;
    pthread_mutex_unlock(&s->lock);
    if (rc != CP_OK) {
        free(t.token);
        free(t.auth);
    }
    return rc;
}

static void sa_cleanup(struct solver *sv, const struct chal *c, bool validated)
{
    struct standalone_solver *s = (struct standalone_solver *)sv;

    (void)validated;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->ntokens; i++) {
        if (strcmp(s->tokens[i].token, c->token) != 0)
            continue;
        free(s->tokens[i].token);
        free(s->tokens[i].auth);
        s->tokens[i] = s->tokens[--s->ntokens];
        break;
    }
    pthread_mutex_unlock(&s->lock);
}

static void sa_free(struct solver *sv)
{
    struct standalone_solver *s = (struct standalone_solver *)sv;

    for (size_t i = 0; i < s->ndaemons; i++)
        MHD_stop_daemon(s->daemons[i]);  /* closes the socket we gave it */
    for (size_t i = 0; i < s->ntokens; i++) {
        free(s->tokens[i].token);
        free(s->tokens[i].auth);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int solver_standalone_port(const struct solver *sv, size_t i)
{
    const struct standalone_solver *s = (const struct standalone_solver *)sv;

    return i < s->ndaemons ? s->ports[i] : -1;
}

int solver_standalone_check(const char *const *listen, size_t n, struct err *err)
{
    struct addrinfo *ai = NULL;
    int rc = n > SOLVER_MAX_LISTEN ? err_set(err, CP_EUSAGE, "standalone responder: at most %d listen addresses",
                                             SOLVER_MAX_LISTEN) : CP_OK;

    for (size_t i = 0; rc == CP_OK && i < n; i++) {
        rc = parse_listen(listen[i], &ai, err);
        if (ai != NULL)
            freeaddrinfo(ai);
        ai = NULL;
    }
    return rc;
}

struct solver *solver_standalone_new(const char *const *listen, size_t n,
                                     const struct logger *log, struct err *err)
{
    static const char *const defaults[] = {"[::]:80", "0.0.0.0:80"};
    struct standalone_solver *s;

    if (n == 0) {
        listen = defaults;
        n = 2;
    }
    if (n > SOLVER_MAX_LISTEN) {
        err_set(err, CP_EUSAGE, "standalone responder: at most %d listen addresses", SOLVER_MAX_LISTEN);
        return NULL;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        err_nomem(err);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->base = (struct solver){"http-01", sa_present, solver_ready_now, sa_cleanup, sa_free, NULL, NULL};
    s->log = log;
    for (size_t i = 0; i < n; i++)
        if (start_one(s, listen[i], err) != CP_OK) {
            sa_free(&s->base);
            return NULL;
        }
    return &s->base;
}
