/*
 * embed — get a certificate from a C program with libcertpilot.
 *
 *   cc embed.c $(pkg-config --cflags --libs certpilot) -o embed
 *   ./embed STATE_DIR DIRECTORY_URL CA_BUNDLE HOOK NAME...
 *
 * CA_BUNDLE may be "-" for the system's trust store. HOOK answers dns-01
 * challenges (uacme's hook contract, e.g. examples/hooks/challtestsrv).
 * Prints where the certificate went and what it holds.
 */
#include <stdio.h>
#include <string.h>

#include <certpilot/certpilot.h>

static void log_line(void *user, int level, const char *line)
{
    (void)user;
    fprintf(stderr, "%s%s\n", level <= CP_LOG_WARN ? "embed: " : "", line);
}

static int fail(const struct cp_error *err)
{
    fprintf(stderr, "embed: %s (%s)\n", err->message, cp_strerror(err->code));
    return 1;
}

static void show(const cp_cert *cert)
{
    char when[32];
    time_t t = cp_cert_not_after(cert);

    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    printf("name: %s\nfullchain: %s\nkey: %s\nserial: %s\nexpires: %s\n", cp_cert_name(cert),
           cp_cert_path(cert, CP_FILE_FULLCHAIN), cp_cert_path(cert, CP_FILE_KEY), cp_cert_serial(cert),
           when);
    for (size_t i = 0; i < cp_cert_dns_count(cert); i++)
        printf("dns: %s\n", cp_cert_dns_name(cert, i));
}

int main(int argc, char **argv)
{
    struct cp_ctx_options o = CP_CTX_OPTIONS_INIT;
    struct cp_account_options acct = CP_ACCOUNT_OPTIONS_INIT;
    struct cp_cert_request req = CP_CERT_REQUEST_INIT;
    struct cp_setting hook[] = {{"program", NULL}, {"challenge", "dns-01"}};
    struct cp_error err = {0};
    cp_ctx *ctx = NULL;
    cp_cert *cert = NULL;
    int rc = 1;

    if (argc < 6) {
        fprintf(stderr, "usage: embed STATE_DIR DIRECTORY_URL CA_BUNDLE|- HOOK NAME...\n");
        return 2;
    }
    o.root = argv[1];
    o.directory_url = argv[2];
    o.ca_bundle = strcmp(argv[3], "-") != 0 ? argv[3] : NULL;
    o.log = log_line;
    acct.agree_tos = 1;
    hook[0].value = argv[4];
    req.names = (const char *const *)argv + 5;
    req.nnames = (size_t)(argc - 5);
    req.solver = "hook";
    req.settings = hook;
    req.nsettings = 2;

    if (cp_ctx_open(&ctx, &o, &err) != CP_OK || cp_account_ensure(ctx, &acct, &err) != CP_OK ||
        cp_cert_issue(ctx, &req, &cert, &err) != CP_OK)
        rc = fail(&err);
    else {
        show(cert);
        rc = 0;
    }
    cp_cert_free(cert);
    cp_ctx_free(ctx);
    return rc;
}
