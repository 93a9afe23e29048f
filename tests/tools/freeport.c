/*
 * freeport — print N distinct free TCP ports on 127.0.0.1, one per line, for
 * the integration harness. With -u each port is also free for UDP on
 * 127.0.0.1 (a DNS server needs both). Every socket stays open until all N
 * ports are chosen, so the ports differ from each other; a small race with
 * other processes remains after exit, which the harness handles by retrying
 * a failed start on new ports.
 *
 * usage: freeport [-u] [N]      (N: 1..64, default 1)
 * exit:  0 ok, 1 not enough ports found, 2 usage
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS 64
#define MAX_TRIES 500

/* A socket of TYPE bound to 127.0.0.1:PORT (0: the kernel picks); -1 on failure. */
static int bind_loopback(int type, unsigned short port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, type, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The local port of a bound socket; 0 on failure. */
static unsigned short local_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    memset(&sa, 0, sizeof(sa));
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0 || sa.sin_family != AF_INET)
        return 0;
    return ntohs(sa.sin_port);
}

static int usage(void)
{
    fprintf(stderr, "usage: freeport [-u] [N]   (N: 1..%d, default 1)\n", MAX_PORTS);
    return 2;
}

int main(int argc, char **argv)
{
    int fds[2 * MAX_PORTS];
    unsigned short ports[MAX_PORTS];
    int nfds = 0, found = 0, udp = 0;
    long n = 1;
    int have_n = 0;

    for (int i = 1; i < argc; i++) {
        char *end = NULL;

        if (strcmp(argv[i], "-u") == 0) {
            udp = 1;
            continue;
        }
        if (have_n || argv[i][0] == '\0')
            return usage();
        errno = 0;
        n = strtol(argv[i], &end, 10);
        if (errno != 0 || *end != '\0' || n < 1 || n > MAX_PORTS)
            return usage();
        have_n = 1;
    }

    for (int tries = 0; found < n && tries < MAX_TRIES; tries++) {
        int t = bind_loopback(SOCK_STREAM, 0);
        int u = -1;
        unsigned short p;

        if (t < 0)
            continue;
        p = local_port(t);
        if (p == 0) {
            close(t);
            continue;
        }
        if (udp && (u = bind_loopback(SOCK_DGRAM, p)) < 0) {
            close(t); /* taken for UDP: keep looking */
            continue;
        }
        fds[nfds++] = t;
        if (u >= 0)
            fds[nfds++] = u;
        ports[found++] = p;
    }

    if (found < n) {
        fprintf(stderr, "freeport: found only %d of %ld free ports\n", found, n);
    } else {
        for (int i = 0; i < found; i++)
            printf("%u\n", (unsigned)ports[i]);
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    if (fflush(stdout) != 0)
        return 1;
    return found == n ? 0 : 1;
}
