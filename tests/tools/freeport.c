/*
 * freeport — print N distinct free TCP ports on 127.0.0.1, one per line,
 * for the integration harness. With -u each port is also free for UDP
 * (DNS servers need both). All sockets stay open until every port is
 * chosen, so the ports differ; a small race with other processes remains,
 * which the harness handles by retrying a failed start.
 *
 * usage: freeport [-u] [N]
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS 32

static int bind_port(int type, int port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, type, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((unsigned short)port);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int port_of(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    return ntohs(sa.sin_port);
}

int main(int argc, char **argv)
{
    int fds[2 * MAX_PORTS], nfds = 0, ports[MAX_PORTS], n = 1, udp = 0, found = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-u") == 0)
            udp = 1;
        else
            n = atoi(argv[i]);
    }
    if (n < 1 || n > MAX_PORTS) {
        fprintf(stderr, "freeport: N must be 1..%d\n", MAX_PORTS);
        return 2;
    }
    for (int tries = 0; found < n && tries < 200; tries++) {
        int t = bind_port(SOCK_STREAM, 0), u = -1;
        if (t < 0)
            continue;
        if (udp && (u = bind_port(SOCK_DGRAM, port_of(t))) < 0) {
            close(t);
            continue;
        }
        fds[nfds++] = t;
        if (u >= 0)
            fds[nfds++] = u;
        ports[found++] = port_of(t);
    }
    for (int i = 0; i < found; i++)
        printf("%d\n", ports[i]);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    return found == n ? 0 : 1;
}
