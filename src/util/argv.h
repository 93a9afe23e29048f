/*
 * util/argv — command lines given as one setting ("reload=/usr/sbin/nginx
 * -s reload") turned into an argv list for exec_run, without a shell:
 * nothing is expanded, no variable, glob or redirection; quotes only group.
 * Every returned array belongs to the caller (argv_free).
 */
#ifndef CP_UTIL_ARGV_H
#define CP_UTIL_ARGV_H

#include "util/err.h"

/*
 * Split line at blanks (space, tab) into words. Inside '...' every
 * character is literal; inside "..." a backslash escapes only '"' and
 * '\'; elsewhere a backslash makes the next character literal. *out is a
 * NULL-terminated malloc'd array of malloc'd words. CP_EUSAGE "<what>: ..."
 * for an unclosed quote, a trailing backslash or no word at all.
 */
int argv_split(const char *line, char ***out, const char *what, struct err *err) CP_WUR;

/* Free an array made by argv_split (accepts NULL). */
void argv_free(char **argv);

/*
 * The program a command names, as a malloc'd path: a name with a '/' is
 * used as given, a bare name is looked up in PATH (as a shell would).
 * CP_ENOTFOUND "<what>: program \"x\" is not in PATH" or
 * "<what>: /x/y is not an executable file".
 */
int argv_find_program(const char *prog, char **out, const char *what, struct err *err) CP_WUR;

#endif
