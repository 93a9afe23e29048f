#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/str.h"

void log_msg(const struct logger *lg, int level, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    if (lg == NULL || lg->write == NULL || level > lg->level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    str_sanitize(line);
    lg->write(lg->ud, level, line);
}
