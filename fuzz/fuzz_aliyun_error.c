/* Alibaba Cloud error replies turned into one line (aliyun_error_line): the
 * access key secret and the STS token never come out, even when the reply
 * echoes them, nor does a key the request carried, and no control character
 * reaches the terminal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cloud/aliyun/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define SECRET "s3cr3tKEYs3cr3tKEY"
#define TOKEN "STS.t0kenT0KENt0kenT0KEN"
#define SENT "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    json_t *reply = json_loadb((const char *)data, len, 0, NULL);
    char secret[] = SECRET, token[] = TOKEN;
    struct aliyun_creds k = {.key_id = "AK", .secret = secret, .security_token = token, .source = "fuzz"};
    const char *sent = (len & 1) ? SENT : NULL;  /* half the runs: the request carried a key */
    char line[256], tiny[8];
    int rc;

    if (reply == NULL)
        return 0;
    rc = aliyun_error_line("Alidns", reply, &k, sent, line, sizeof(line));
    if (rc != CP_ETIMEOUT && rc != CP_EUSAGE && rc != CP_EPROTO)
        abort();
    if (strstr(line, SECRET) != NULL || strstr(line, TOKEN) != NULL || (sent != NULL && strstr(line, sent) != NULL) ||
        strlen(line) >= sizeof(line))
        abort();
    for (const char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    (void)aliyun_error_line("Alidns", reply, &k, NULL, tiny, sizeof(tiny));
    if (strlen(tiny) >= sizeof(tiny))
        abort();
    json_decref(reply);
    return 0;
}
