#ifndef SOCCERSTREAM_CBENCHSUPPORT_H
#define SOCCERSTREAM_CBENCHSUPPORT_H

#include <stdint.h>

/* epoll, which the Swift Glibc module does not export, reduced to what the load generator needs. */
int bench_epoll_create(void);
int bench_epoll_add(int epoll, int fd, uint32_t index);
/* Waits up to timeout_ms; fills indexes with the index of each readable socket; returns how many. */
int bench_epoll_wait(int epoll, uint32_t *indexes, int capacity, int timeout_ms);

#endif
