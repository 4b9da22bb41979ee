/* The machine's fan-out ceiling: send pre-built datagrams to N loopback ports with sendmmsg,
 * in batches of up to 1024, as fast as the kernel takes them. soccer-stream bench fanout
 * compiles and runs it next to the real server, with the same receivers.
 *
 * usage: ceiling PORTS_FILE ROUNDS PAYLOAD_FILE [PORTS_PER_ADDRESS [INTERVAL]]
 *   PORTS_FILE: one UDP port per line (receivers on 127.0.0.1)
 *   ROUNDS: datagrams per receiver
 *   PAYLOAD_FILE: the datagram's bytes
 *   PORTS_PER_ADDRESS: receivers per loopback address (0: all on 127.0.0.1)
 *   INTERVAL: seconds between rounds (0: none). soccer-stream bench pace runs it with one
 *     receiver at the real pace: the least an event can cost (a timed sleep, one sendmmsg).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1024

int main(int argc, char **argv) {
    if (argc < 4 || argc > 6) { fprintf(stderr, "usage: %s PORTS_FILE ROUNDS PAYLOAD_FILE [PORTS_PER_ADDRESS [INTERVAL]]\n", argv[0]); return 2; }
    /* The load generator binds its sockets on 127.0.0.1, then 127.0.0.2, ... this many per address. */
    long per_address = argc >= 5 ? atol(argv[4]) : 0;
    double interval = argc == 6 ? atof(argv[5]) : 0;
    struct timespec due;
    clock_gettime(CLOCK_MONOTONIC, &due);
    FILE *ports_file = fopen(argv[1], "r");
    if (!ports_file) { perror(argv[1]); return 2; }
    int capacity = 1024, count = 0, port;
    struct sockaddr_in *targets = malloc(sizeof(*targets) * capacity);
    while (fscanf(ports_file, "%d", &port) == 1) {
        if (count == capacity) { capacity *= 2; targets = realloc(targets, sizeof(*targets) * capacity); }
        memset(&targets[count], 0, sizeof(targets[count]));
        targets[count].sin_family = AF_INET;
        targets[count].sin_port = htons((unsigned short)port);
        targets[count].sin_addr.s_addr = htonl(INADDR_LOOPBACK + (per_address > 0 ? (unsigned)(count / per_address) : 0));
        count++;
    }
    fclose(ports_file);
    long rounds = atol(argv[2]);
    FILE *payload_file = fopen(argv[3], "rb");
    if (!payload_file) { perror(argv[3]); return 2; }
    static unsigned char payload[65536];
    size_t size = fread(payload, 1, sizeof(payload), payload_file);
    fclose(payload_file);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int buffer = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
    struct mmsghdr messages[BATCH];
    struct iovec vectors[BATCH];
    long sent = 0, total = rounds * (long)count;
    for (long round = 0; round < rounds; round++) {
        if (interval > 0) {
            long step = (long)(interval * 1e9);
            due.tv_sec += step / 1000000000 + (due.tv_nsec + step % 1000000000) / 1000000000;
            due.tv_nsec = (due.tv_nsec + step % 1000000000) % 1000000000;
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR) {}
        }
        for (int first = 0; first < count; first += BATCH) {
            int batch = count - first < BATCH ? count - first : BATCH;
            for (int i = 0; i < batch; i++) {
                vectors[i].iov_base = payload;
                vectors[i].iov_len = size;
                memset(&messages[i], 0, sizeof(messages[i]));
                messages[i].msg_hdr.msg_name = &targets[first + i];
                messages[i].msg_hdr.msg_namelen = sizeof(targets[first + i]);
                messages[i].msg_hdr.msg_iov = &vectors[i];
                messages[i].msg_hdr.msg_iovlen = 1;
            }
            int done = 0;
            while (done < batch) {
                int n = sendmmsg(fd, messages + done, batch - done, 0);
                if (n < 0) {
                    if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
                        struct pollfd wait = { fd, POLLOUT, 0 };
                        poll(&wait, 1, 10);
                        continue;
                    }
                    perror("sendmmsg");
                    return 1;
                }
                done += n;
            }
            sent += batch;
        }
    }
    printf("%ld %ld\n", sent, total);
    return 0;
}
