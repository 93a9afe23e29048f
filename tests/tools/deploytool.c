/*
 * deploytool — run deploy targets on a stored certificate, for the
 * integration tests, until `certpilot deploy` exists. It only parses,
 * calls src/deploy/ and prints.
 *
 * usage: deploytool [-v] ROOT NAME SPEC...
 *   ROOT  the state root (as certpilot --root), NAME the certificate,
 *   SPEC  a target in the compact form ("files:/etc/tls,reload=...").
 * prints: "<type>: changed" or "<type>: unchanged" per target on stdout, and
 *         "deploytool: <error>" on stderr for each target that failed; a
 *         failed target does not stop the ones after it.
 * exit:   that of the first failure: 0 ok, 1 a target failed, 2 usage or a bad setting.
 */
#include <stdio.h>
#include <string.h>

#include "deploy/stored.h"
#include "deploy/target.h"
#include "store/store.h"

static void write_line(void *ud, int level, const char *line)
{
    (void)ud;
    (void)level;
    fprintf(stderr, "deploytool: %s\n", line);
}

static int run_one(const char *spec_text, const struct deploy_cert *c, const struct logger *lg,
                   struct err *err)
{
    struct deploy_spec spec = {0};
    struct deploy_opts opts = {lg, NULL, NULL};
    struct deploy_target *t = NULL;
    bool changed = false;
    int rc = deploy_spec_parse(spec_text, &spec, err);

    if (rc == CP_OK && (t = deploy_target_new(spec.type, &spec.settings, &opts, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = deploy_target_run(t, c, &changed, err);
    if (rc == CP_OK)
        printf("%s: %s\n", spec.type, changed ? "changed" : "unchanged");
    deploy_target_free(t);
    deploy_spec_free(&spec);
    return rc;
}

int main(int argc, char **argv)
{
    struct logger lg = {CP_LOG_WARN, write_line, NULL};
    struct err err = {0};
    struct store *st = NULL;
    struct deploy_stored cert = {0};
    int i = 1, rc, first = CP_OK;

    if (i < argc && strcmp(argv[i], "-v") == 0) {
        lg.level = CP_LOG_DEBUG;
        i++;
    }
    if (argc - i < 3) {
        fprintf(stderr, "usage: deploytool [-v] ROOT NAME SPEC...\n");
        return 2;
    }
    rc = store_open(argv[i], &st, &err);
    if (rc == CP_OK)
        rc = deploy_stored_load(st, argv[i + 1], &cert, &err);
    if (rc != CP_OK)
        fprintf(stderr, "deploytool: %s\n", err.msg);
    for (int j = i + 2; rc == CP_OK && j < argc; j++) {
        int one = run_one(argv[j], &cert.view, &lg, &err);
        fflush(stdout);
        if (one != CP_OK) {
            fprintf(stderr, "deploytool: %s\n", err.msg);
            first = first != CP_OK ? first : one;
        }
    }
    rc = rc != CP_OK ? rc : first;
    deploy_stored_free(&cert);
    store_free(st);
    return cp_exit_code(rc);
}
