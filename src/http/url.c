#include "http/url.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

int url_host_port(const char *url, char **host, long *port, struct err *err)
{
    CURLU *u = curl_url();
    char *h = NULL, *p = NULL, *scheme = NULL;
    int rc = CP_OK;

    *host = NULL;
    if (u == NULL)
        return err_nomem(err);
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        rc = err_set(err, CP_EUSAGE, "\"%s\" is not an http(s) URL", url);
        goto out;
    }
    *port = strtol(p, NULL, 10);
    if ((*host = strdup(h)) == NULL)
        rc = err_nomem(err);
out:
    curl_free(h);
    curl_free(p);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}
