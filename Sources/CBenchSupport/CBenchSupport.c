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
