/*
 * cli/jsonout — --json output: JSON Lines, one compact object per line on
 * stdout (one per certificate, account or revocation), built with jansson
 * only and ASCII-escaped, so no server text can steer a terminal. Errors stay
 * one line on stderr. Every field is in certpilot(1), "JSON OUTPUT".
 */
#ifndef CP_CLI_JSONOUT_H
#define CP_CLI_JSONOUT_H

#include <time.h>

#include <jansson.h>

#include "manage/manage.h"

/* Print obj as one line and drop the reference (NULL prints nothing). */
void cli_json_line(json_t *obj);

/* A time as "YYYY-MM-DDTHH:MM:SSZ" (a new reference). */
json_t *cli_json_time(time_t t);

/* A certificate's names, serial and expiry: "names", "serial", "not_after" into obj. */
void cli_json_cert(json_t *obj, const struct cert_info *ci);

/* A manage_deploy_cb: appends {"target", "status", "error"} to the array user. */
void cli_json_deploy(void *user, const struct manage_deploy_report *r);

#endif
