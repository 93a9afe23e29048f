/*
 * dnssolve — drive the dns-01 solver and a DNS provider without the ACME
 * client, for the integration tests: present IDENT=VALUE challenges (an
 * IDENT of "*.name" is a wildcard: the name without "*."), wait_ready
 * (publish + propagation check), print "ready", then clean up the way the
 * engine does (also after a failed wait).
 *
 * usage: dnssolve [-p PROVIDER] [-s KEY=VALUE]... [-r RESOLVER] [-t TIMEOUT_S]
 *                 [-n] [-d STATE_DIR] [-v] [--keep | --recover] IDENT=VALUE...
 *   -n        skip the propagation check
 *   --keep    exit after "ready" without cleaning up (as a crash would)
 *   --recover remove what journals in STATE_DIR list, and nothing else
 * exit: 0 ok, 1 failure (one line "dnssolve: ..." on stderr), 2 usage
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/provider.h"
#include "solve/solve.h"

#define MAX_ITEMS 32

struct args {
    const char *provider, *resolver, *state_dir;
    struct kv settings[MAX_ITEMS];
    size_t nsettings;
    struct chal chals[MAX_ITEMS];
    size_t nchals;
    long timeout_s;
    bool skip, keep, recover;
    int verbose;
};

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
    cancelled = sig;
}

static void log_line(void *ud, int level, const char *line)
{
    (void)ud;
    fprintf(stderr, "dnssolve: %s%s\n", level == CP_LOG_WARN ? "warning: " : "", line);
}

static int usage(void)
{
    fprintf(stderr, "usage: dnssolve [-p PROVIDER] [-s KEY=VALUE]... [-r RESOLVER] [-t TIMEOUT_S] [-n] "
                    "[-d STATE_DIR] [-v] [--keep | --recover] IDENT=VALUE...\n");
    return 2;
}

/* "key=value" split in place. */
static bool split(char *s, char **key, char **value)
{
    char *eq = strchr(s, '=');

    if (eq == NULL || eq == s)
        return false;
    *eq = '\0';
    *key = s;
    *value = eq + 1;
    return true;
}

static int parse(int argc, char **argv, struct args *a)
{
    static const struct option longs[] = {{"keep", no_argument, NULL, 'K'},
                                          {"recover", no_argument, NULL, 'R'},
                                          {NULL, 0, NULL, 0}};
    char *k, *v;
    int c;

    while ((c = getopt_long(argc, argv, "p:s:r:t:nd:v", longs, NULL)) != -1) {
        switch (c) {
        case 'p': a->provider = optarg; break;
        case 's':
            if (a->nsettings == MAX_ITEMS || !split(optarg, &k, &v))
                return usage();
            a->settings[a->nsettings++] = (struct kv){k, v};
            break;
        case 'r': a->resolver = optarg; break;
        case 't': a->timeout_s = atol(optarg); break;
        case 'n': a->skip = true; break;
        case 'd': a->state_dir = optarg; break;
        case 'v': a->verbose++; break;
        case 'K': a->keep = true; break;
        case 'R': a->recover = true; break;
        default: return usage();
        }
    }
    for (int i = optind; i < argc; i++) {
        if (a->nchals == MAX_ITEMS || !split(argv[i], &k, &v))
            return usage();
        if (strncmp(k, "*.", 2) == 0)
            k += 2;
        a->chals[a->nchals++] = (struct chal){"dns-01", k, "token", v};
    }
    return (a->nchals == 0) != a->recover ? usage() : 0;
}

static int fail(const struct err *err)
{
    fprintf(stderr, "dnssolve: %s\n", err->msg);
    return 1;
}

/* present + wait_ready, then cleanup of everything presented (unless keep). */
static int solve(const struct args *a, struct solver *s, struct err *err)
{
    size_t presented = 0;
    int rc = CP_OK;

    for (; rc == CP_OK && presented < a->nchals; presented++)
        rc = s->present(s, &a->chals[presented], err);
    if (rc == CP_OK)
        rc = s->wait_ready(s, err);
    if (rc == CP_OK) {
        printf("ready\n");
        fflush(stdout);
    }
    if (a->keep)
        return rc;
    for (size_t i = 0; i < presented; i++)
        s->cleanup(s, &a->chals[i], rc == CP_OK);
    return rc;
}

int main(int argc, char **argv)
{
    struct args a = {"rfc2136", NULL, NULL, {{0}}, 0, {{0}}, 0, 0, false, false, false, 0};
    struct err err = {0};
    struct logger lg = {CP_LOG_WARN, log_line, NULL};
    struct sigaction sa;
    struct dns_provider *p = NULL;
    struct solver *s = NULL;
    int rc;

    if ((rc = parse(argc, argv, &a)) != 0)
        return rc;
    lg.level = a.verbose == 0 ? CP_LOG_WARN : a.verbose == 1 ? CP_LOG_INFO : CP_LOG_DEBUG;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct kvlist settings = {a.settings, a.nsettings};
    struct dns_provider_opts po = {&settings, &lg, a.resolver, a.state_dir};
    if ((p = dns_provider_new(a.provider, &po, &err)) == NULL)
        return fail(&err);
    struct solver_dns_opts so = {p, a.resolver, a.timeout_s, a.skip, a.state_dir, &cancelled, &lg, false, NULL, NULL};
    if (a.recover) {
        size_t n = 0;
        rc = solver_dns_recover(&so, &n, &err);
        if (rc == CP_OK)
            printf("recovered %zu\n", n);
    } else if ((s = solver_dns_new(&so, &err)) == NULL) {
        rc = err.code;
    } else {
        rc = solve(&a, s, &err);
        if (a.keep) {
            /* as a crash would: nothing removed, nothing freed, the journal kept */
            if (rc != CP_OK)
                fail(&err);
            fflush(NULL);
            _exit(rc == CP_OK ? 0 : 1);
        }
    }
    solver_free(s);
    dns_provider_free(p);
    return rc == CP_OK ? 0 : fail(&err);
}
