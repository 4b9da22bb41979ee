/* The machine's registration ceiling: a UDP socket on 127.0.0.1 that answers registers as a
 * SoccerStream server must at least (Spec §7.1): a register without the token gets the
 * challenge, a register carrying it gets the welcome. The answers are pre-built by
 * soccer-stream bench register (this build's frames) and stamped with each register's
 * subscription identifier; datagrams are read with recvmmsg and answered with one sendmmsg per
 * batch, as the server does per read burst. No keys, no state, no log: the kernel's part of
 * registration and little else. It runs until it is stopped (SIGTERM).
 *
 * usage: register-ceiling PORT CHALLENGE_FILE WELCOME_FILE TOKEN_FILE REGISTER_KIND ID_OFFSET
 *   REGISTER_KIND: the header's kind byte (offset 3) of a register frame
 *   ID_OFFSET: where the 8-byte subscription identifier lies in a frame's header
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define MAX_DATAGRAM 2048

static size_t load(const char *path, unsigned char *into, size_t capacity) {
    FILE *file = fopen(path, "rb");
    if (!file) { perror(path); exit(2); }
    size_t size = fread(into, 1, capacity, file);
    int more = fgetc(file) != EOF;
    fclose(file);
    if (more) { fprintf(stderr, "%s: longer than %zu bytes\n", path, capacity); exit(2); }
    return size;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s PORT CHALLENGE_FILE WELCOME_FILE TOKEN_FILE REGISTER_KIND ID_OFFSET\n", argv[0]);
        return 2;
    }
    static unsigned char challenge[MAX_DATAGRAM], welcome[MAX_DATAGRAM], token[256];
    size_t challenge_size = load(argv[2], challenge, sizeof(challenge));
    size_t welcome_size = load(argv[3], welcome, sizeof(welcome));
    size_t token_size = load(argv[4], token, sizeof(token));
    int register_kind = atoi(argv[5]);
    size_t id_offset = (size_t)atol(argv[6]);
    if (token_size == 0 || challenge_size < id_offset + 8 || welcome_size < id_offset + 8) {
        fprintf(stderr, "%s: a token, and answers long enough to hold an identifier at %zu, are needed\n", argv[0], id_offset);
        return 2;
    }

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    int buffer = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) { perror("bind"); return 1; }

    static unsigned char in[BATCH][MAX_DATAGRAM], out[BATCH][MAX_DATAGRAM];
    struct sockaddr_in from[BATCH];
    struct iovec in_vectors[BATCH], out_vectors[BATCH];
    struct mmsghdr reads[BATCH], writes[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            in_vectors[i].iov_base = in[i];
            in_vectors[i].iov_len = MAX_DATAGRAM;
            memset(&reads[i], 0, sizeof(reads[i]));
            reads[i].msg_hdr.msg_name = &from[i];
            reads[i].msg_hdr.msg_namelen = sizeof(from[i]);
            reads[i].msg_hdr.msg_iov = &in_vectors[i];
            reads[i].msg_hdr.msg_iovlen = 1;
        }
        int count = recvmmsg(fd, reads, BATCH, MSG_WAITFORONE, NULL);
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) { perror("recvmmsg"); return 1; }
        int answers = 0;
        for (int i = 0; i < count; i++) {
            size_t size = reads[i].msg_len;
            if (size < id_offset + 8 || in[i][3] != register_kind) continue;
            int validated = memmem(in[i], size, token, token_size) != NULL;
            const unsigned char *answer = validated ? welcome : challenge;
            size_t answer_size = validated ? welcome_size : challenge_size;
            memcpy(out[answers], answer, answer_size);
            memcpy(out[answers] + id_offset, in[i] + id_offset, 8);
            out_vectors[answers].iov_base = out[answers];
            out_vectors[answers].iov_len = answer_size;
            memset(&writes[answers], 0, sizeof(writes[answers]));
            writes[answers].msg_hdr.msg_name = &from[i];
            writes[answers].msg_hdr.msg_namelen = reads[i].msg_hdr.msg_namelen;
            writes[answers].msg_hdr.msg_iov = &out_vectors[answers];
            writes[answers].msg_hdr.msg_iovlen = 1;
            answers++;
        }
        for (int done = 0; done < answers;) {
            int n = sendmmsg(fd, writes + done, answers - done, 0);
            if (n <= 0) break; /* a full buffer drops the rest: the generator registers again */
            done += n;
        }
    }
}
