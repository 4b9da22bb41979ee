#define _GNU_SOURCE
#include "CBenchSupport.h"
#include <sys/epoll.h>

int bench_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int bench_epoll_add(int epoll, int fd, uint32_t index) {
    struct epoll_event event = { .events = EPOLLIN, .data.u32 = index };
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int bench_epoll_wait(int epoll, uint32_t *indexes, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int ready = epoll_wait(epoll, events, capacity, timeout_ms);
    for (int i = 0; i < ready; i++) indexes[i] = events[i].data.u32;
    return ready < 0 ? 0 : ready;
}

#include <sys/socket.h>
#include <string.h>

int bench_recvmmsg(int fd, unsigned char *buffer, int count, int size, int *lengths) {
    struct mmsghdr messages[64];
    struct iovec vectors[64];
    if (count > 64) count = 64;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (int i = 0; i < count; i++) {
        vectors[i].iov_base = buffer + (size_t)i * size;
        vectors[i].iov_len = size;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, messages, count, MSG_DONTWAIT, NULL);
    if (n <= 0) return 0;
    for (int i = 0; i < n; i++) lengths[i] = (int)messages[i].msg_len;
    return n;
}

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

int bench_wait_exit(int pid, int timeout_ms) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return -1;
    struct pollfd entry = { .fd = fd, .events = POLLIN };
    int ready = poll(&entry, 1, timeout_ms);
    close(fd);
    return ready < 0 ? -1 : ready;
}

#include <errno.h>
#include <time.h>

int bench_enable_timestamps(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

int bench_recv_timestamped(int fd, unsigned char *buffer, int size, double *when) {
    struct iovec iov = { .iov_base = buffer, .iov_len = (size_t)size };
    char control[CMSG_SPACE(sizeof(struct timespec))];
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    ssize_t length = recvmsg(fd, &message, MSG_DONTWAIT);
    if (length < 0) return -1;
    *when = -1;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec stamp;
            memcpy(&stamp, CMSG_DATA(header), sizeof stamp);
            *when = (double)stamp.tv_sec + (double)stamp.tv_nsec / 1e9;
        }
    }
    return (int)length;
}

#include <fcntl.h>
#include <sched.h>

/* Moves the calling thread into the network namespace at `path` (/var/run/netns/NAME): the
   sockets it makes, and the processes it spawns, belong to that namespace. 0, or -1 (errno). */
int bench_enter_netns(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int result = setns(fd, CLONE_NEWNET);
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}
