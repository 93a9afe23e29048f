/* The sanitiser: its output is well-formed UTF-8 with no control or bidi
 * character, and never longer than its input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

/* An independent check of the output: decode and reject what must be gone. */
static bool clean(const unsigned char *s)
{
    while (*s != '\0') {
        unsigned cp;
        size_t n = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3 : (*s & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0)
            return false;
        cp = n == 1 ? *s : *s & (0x7F >> n);
        for (size_t i = 1; i < n; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
            (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        s += n;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    size_t in_len;

    if (s == NULL)
        return 0;
    memcpy(s, data, len);
    s[len] = '\0';
    in_len = strlen(s);
    str_sanitize(s);
    if (strlen(s) > in_len || !clean((const unsigned char *)s))
        abort();
    free(s);
    return 0;
}
