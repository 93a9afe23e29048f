#include "cli/jsonout.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/clock.h"

void cli_json_line(json_t *obj)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) : NULL;

    if (text != NULL) {
        puts(text);
        fflush(stdout);  /* a line per certificate as it ends, for a reader that follows */
    }
    free(text);
    json_decref(obj);
}

json_t *cli_json_time(time_t t)
{
    char buf[32];

    return json_string(clock_format_utc(t, buf, sizeof(buf)));
}

void cli_json_cert(json_t *obj, const struct cert_info *ci)
{
    json_t *names = json_array();

    for (size_t i = 0; names != NULL && i < ci->nnames; i++)
        json_array_append_new(names, json_string(ci->names[i]));
    json_object_set_new(obj, "names", names);
    json_object_set_new(obj, "serial", ci->serial_hex ? json_string(ci->serial_hex) : json_null());
    json_object_set_new(obj, "not_after", cli_json_time(ci->not_after));
}

void cli_json_deploy(void *user, const struct manage_deploy_report *r)
{
    const char *status = r->skipped ? "up-to-date" : r->rc != CP_OK ? "failed" : r->changed ? "installed"
                                                                                           : "unchanged";

    json_array_append_new(user, json_pack("{s:s, s:s, s:s*}", "target", r->spec ? r->spec : "?", "status", status, "error",
                                          r->rc != CP_OK ? (r->message ? r->message : cp_strerror(r->rc))
                                                         : NULL));
}
