/*
 * cli/context — what every command shares: verbosity, time format, and
 * opening the library's manager from the global options.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

void cli_apply_verbosity(struct cli *cli)
{
    cli->log.level = cli->quiet ? CP_LOG_WARN : cli->verbose > 0 ? CP_LOG_DEBUG : CP_LOG_INFO;
}

void cli_format_time(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "?");
}

struct manage_opts cli_manage_opts(const struct cli *cli)
{
    return (struct manage_opts){.root = cli->root, .server = cli->server, .ca_bundle = cli->ca_bundle,
                                .log = &cli->log, .cancel = cli->interrupted};
}

int cli_manage_open(struct cli *cli, struct manage **out, struct err *err)
{
    struct manage_opts o = cli_manage_opts(cli);
    int rc = manage_open(&o, out, err);

    /* the library names the URL; the user typed a flag */
    if (rc == CP_EUSAGE && cli->server != NULL && err->msg[0] != '\0' && strstr(err->msg, "server URL"))
        err_prefix(err, "--server: ");
    return rc;
}
