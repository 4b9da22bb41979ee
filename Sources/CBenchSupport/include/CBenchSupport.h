#ifndef SOCCERSTREAM_CBENCHSUPPORT_H
#define SOCCERSTREAM_CBENCHSUPPORT_H

#include <stdint.h>

/* epoll, which the Swift Glibc module does not export, reduced to what the load generator needs. */
int bench_epoll_create(void);
int bench_epoll_add(int epoll, int fd, uint32_t index);
/* Waits up to timeout_ms; fills indexes with the index of each readable socket; returns how many. */
int bench_epoll_wait(int epoll, uint32_t *indexes, int capacity, int timeout_ms);



/* Receives up to `count` datagrams of at most `size` bytes each into `buffer` (count x size
 * bytes) with one recvmmsg call; their lengths go to `lengths`. Returns how many (0 if none). */
int bench_recvmmsg(int fd, unsigned char *buffer, int count, int size, int *lengths);

/// Asks the kernel to stamp each datagram's arrival on `fd` (SO_TIMESTAMPNS).
int bench_enable_timestamps(int fd);

/// Receives one datagram without waiting: its length (-1 when none), and in `when` the kernel's
/// arrival time (CLOCK_REALTIME seconds; -1 without a stamp).
int bench_recv_timestamped(int fd, unsigned char *buffer, int size, double *when);

/* Waits until process `pid` (a child not yet reaped) exits, at most timeout_ms, without polling:
 * a pidfd (Linux 5.3+) becomes readable when the process ends. Returns 1 when it has exited,
 * 0 on timeout, -1 on error (errno says why). */
int bench_wait_exit(int pid, int timeout_ms);

/// Moves the calling thread into the network namespace at `path`; 0, or -1 with errno set.
int bench_enter_netns(const char *path);

#endif
