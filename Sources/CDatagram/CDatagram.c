/* The one system call the Swift Glibc module does not export for the fan-out: sendmmsg needs
 * _GNU_SOURCE, which a Swift module cannot set for Glibc's headers. */
#define _GNU_SOURCE
#include "CDatagram.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define SOCCER_BATCH 1024

/* Points `vectors` (room for two) at datagram `d`'s parts; returns how many it used. */
static size_t soccer_vectors(const unsigned char *slab, const struct soccer_datagram *d, struct iovec *vectors) {
    size_t used = 0;
    if (d->length > 0 || d->shared_length == 0) {
        vectors[used].iov_base = (void *)(slab + d->offset);
        vectors[used].iov_len = d->length;
        used++;
    }
    if (d->shared_length > 0) {
        vectors[used].iov_base = (void *)(slab + d->shared_offset);
        vectors[used].iov_len = d->shared_length;
        used++;
    }
    return used;
}

int soccer_send_datagrams(int fd, const unsigned char *slab, const struct soccer_datagram *datagrams, unsigned count) {
    if (count == 0) return 0;
#ifdef __linux__
    /* Per thread: the event loop's thread sends; 96 KiB, reused by every call. */
    static __thread struct mmsghdr messages[SOCCER_BATCH];
    static __thread struct iovec vectors[2 * SOCCER_BATCH];
    unsigned batch = count < SOCCER_BATCH ? count : SOCCER_BATCH;
    for (unsigned i = 0; i < batch; i++) {
        memset(&messages[i].msg_hdr, 0, sizeof(messages[i].msg_hdr));
        messages[i].msg_hdr.msg_name = (void *)datagrams[i].address;
        messages[i].msg_hdr.msg_namelen = datagrams[i].address_length;
        messages[i].msg_hdr.msg_iov = &vectors[2 * i];
        messages[i].msg_hdr.msg_iovlen = soccer_vectors(slab, &datagrams[i], &vectors[2 * i]);
    }
    return sendmmsg(fd, messages, batch, 0);
#else
    int sent = 0;
    for (unsigned i = 0; i < count; i++) {
        struct iovec vectors[2];
        struct msghdr message;
        memset(&message, 0, sizeof(message));
        message.msg_name = (void *)datagrams[i].address;
        message.msg_namelen = datagrams[i].address_length;
        message.msg_iov = vectors;
        message.msg_iovlen = soccer_vectors(slab, &datagrams[i], vectors);
        ssize_t result = sendmsg(fd, &message, 0);
        if (result < 0) return sent > 0 ? sent : -1;
        sent++;
    }
    return sent;
#endif
}
