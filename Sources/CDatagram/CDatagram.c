/* The one system call the Swift Glibc module does not export for the fan-out: sendmmsg needs
 * _GNU_SOURCE, which a Swift module cannot set for Glibc's headers. */
#define _GNU_SOURCE
#include "CDatagram.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define SOCCER_BATCH 1024

int soccer_send_datagrams(int fd, const unsigned char *slab, const struct soccer_datagram *datagrams, unsigned count) {
    if (count == 0) return 0;
#ifdef __linux__
    /* Per thread: the event loop's thread sends; 80 KiB, reused by every call. */
    static __thread struct mmsghdr messages[SOCCER_BATCH];
    static __thread struct iovec vectors[SOCCER_BATCH];
    unsigned batch = count < SOCCER_BATCH ? count : SOCCER_BATCH;
    for (unsigned i = 0; i < batch; i++) {
        vectors[i].iov_base = (void *)(slab + datagrams[i].offset);
        vectors[i].iov_len = datagrams[i].length;
        memset(&messages[i].msg_hdr, 0, sizeof(messages[i].msg_hdr));
        messages[i].msg_hdr.msg_name = (void *)datagrams[i].address;
        messages[i].msg_hdr.msg_namelen = datagrams[i].address_length;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    return sendmmsg(fd, messages, batch, 0);
#else
    int sent = 0;
    for (unsigned i = 0; i < count; i++) {
        ssize_t result = sendto(fd, slab + datagrams[i].offset, datagrams[i].length, 0,
                                (const struct sockaddr *)datagrams[i].address, datagrams[i].address_length);
        if (result < 0) return sent > 0 ? sent : -1;
        sent++;
    }
    return sent;
#endif
}
