#include "http/share.h"

#include <pthread.h>
#include <stdlib.h>

#include <curl/curl.h>

struct http_share {
    CURLSH *sh;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
    struct http_share *s = ud;

    (void)h;
    (void)access;
    if ((unsigned)data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&s->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
    struct http_share *s = ud;

    (void)h;
    if ((unsigned)data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&s->locks[data]);
}

struct http_share *http_share_new(struct err *err)
{
    struct http_share *s = calloc(1, sizeof(*s));

    if (s == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(s);
        err_set(err, CP_ENOMEM, "cannot set up libcurl's share interface");
        return NULL;
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->locks[i], NULL);
    if ((s->sh = curl_share_init()) == NULL ||
        curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s) != CURLSHE_OK ||
        curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        http_share_free(s);
        err_set(err, CP_ENOMEM, "cannot set up libcurl's share interface");
        return NULL;
    }
    return s;
}

void http_share_free(struct http_share *s)
{
    if (s == NULL)
        return;
    if (s->sh != NULL)
        curl_share_cleanup(s->sh);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&s->locks[i]);
    free(s);
    curl_global_cleanup();
}

void *http_share_handle(struct http_share *s)
{
    return s != NULL ? s->sh : NULL;
}
