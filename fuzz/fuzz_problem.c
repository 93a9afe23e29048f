/* Problem documents (RFC 7807, RFC 8555 §6.7) turned into one error line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acme/problem.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    json_t *doc = json_loadb((const char *)data, len, 0, NULL);
    struct err err = {0};
    char small[16];

    if (doc == NULL)
        return 0;
    acme_problem_format(doc, small, sizeof(small));
    if (strlen(small) >= sizeof(small))
        abort();
    acme_problem_err(&err, doc, "fuzz");
    /* the sanitiser let no control character through */
    for (const char *p = err.msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    (void)acme_problem_is(doc, "badNonce");
    json_decref(doc);
    return 0;
}
