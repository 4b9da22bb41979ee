#ifndef SOCCERSTREAM_CDATAGRAM_H
#define SOCCERSTREAM_CDATAGRAM_H

#include <stdint.h>

/* One datagram of a batch: `length` bytes at `offset` in the batch's slab (its own part: a whole
 * frame, or a frame's header stamped for its client), then `shared_length` bytes at
 * `shared_offset` in the same slab (a body that every datagram of the event shares, queued
 * once; 0: none), to the socket address in the first `address_length` bytes of `address`
 * (a sockaddr_in or sockaddr_in6). */
struct soccer_datagram {
    uint32_t offset;
    uint32_t length;
    uint32_t shared_offset;
    uint32_t shared_length;
    uint32_t address_length;
    uint32_t reserved;
    uint64_t address[4];
};

/* Sends up to `count` datagrams of `datagrams`, their bytes in `slab`, to the UDP socket `fd`
 * with one sendmmsg (Linux; at most 1024 per call, each datagram one or two iovecs) or one
 * sendmsg per datagram elsewhere. Returns how many the kernel took (at least 1), or -1 with
 * errno set when it took none (the first datagram's error, or EAGAIN when the socket's buffer
 * is full). */
int soccer_send_datagrams(int fd, const unsigned char *slab, const struct soccer_datagram *datagrams, unsigned count);

#endif
