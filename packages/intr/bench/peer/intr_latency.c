/*
 * The DPDK peer of latency.bench.mjs: the same two measurements with DPDK's own machinery.
 *   intr-thread: eventfd write -> callback on DPDK's interrupt thread (rte_intr_callback_register)
 *   epoll-wait:  eventfd write -> wake of a thread blocked in rte_epoll_wait
 * A writer thread on writer_cpu waits until the receiver is idle, lets it settle for
 * settle_us, stamps CLOCK_MONOTONIC and writes the eventfd; the receiver (DPDK's interrupt
 * thread, which EAL keeps off the lcores' CPUs; or a thread on receiver_cpu) stamps again on
 * wake-up. Usage: intr_latency <events> <settle_us> <writer_cpu> <receiver_cpu> [EAL args...];
 * prints one JSON object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_errno.h>
#include <rte_interrupts.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) abort();
}

static int events;
static int writer_cpu;
static int receiver_cpu;
static uint64_t settle_ns;
static int efd;
static _Atomic uint64_t sent_at;
static _Atomic int ready;  /* the receiver is idle and wants event number `ready` */
static _Atomic int done;
static uint64_t *lat;

static void *writer(void *arg) {
  (void)arg;
  pin(writer_cpu);
  for (int k = 1; k <= events; k++) {
    while (atomic_load(&ready) != k) { /* spin: the writer's own wake-up is not measured */ }
    uint64_t t = now_ns() + settle_ns;
    while (now_ns() < t) {}
    atomic_store(&sent_at, now_ns());
    uint64_t one = 1;
    if (write(efd, &one, sizeof one) != sizeof one) abort();
  }
  return NULL;
}

static void on_intr(void *arg) {
  uint64_t t = now_ns();
  (void)arg;
  uint64_t v;
  if (read(efd, &v, sizeof v) != sizeof v) return;
  int k = atomic_load(&ready);
  lat[k - 1] = t - atomic_load(&sent_at);
  if (k == events) atomic_store(&done, 1);
  else atomic_store(&ready, k + 1);
}

static void *epoll_receiver(void *arg) {
  (void)arg;
  pin(receiver_cpu);
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  struct rte_epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.epdata.event = EPOLLIN;
  if (rte_epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0) abort();
  for (int k = 1; k <= events; k++) {
    struct rte_epoll_event out;
    atomic_store(&ready, k);
    if (rte_epoll_wait(epfd, &out, 1, -1) != 1) abort();
    uint64_t t = now_ns();
    uint64_t v;
    if (read(efd, &v, sizeof v) != sizeof v) abort();
    lat[k - 1] = t - atomic_load(&sent_at);
  }
  close(epfd);
  return NULL;
}

static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *name, int last) {
  qsort(lat, events, sizeof *lat, cmp);
  printf("\"%s\":{\"p50_us\":%.3f,\"p99_us\":%.3f}%s", name, lat[events / 2] / 1e3, lat[events * 99 / 100] / 1e3, last ? "" : ",");
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  events = atoi(argv[1]);
  settle_ns = (uint64_t)atoi(argv[2]) * 1000u;
  writer_cpu = atoi(argv[3]);
  receiver_cpu = atoi(argv[4]);
  argv[4] = argv[0];
  if (rte_eal_init(argc - 4, argv + 4) < 0) {
    fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  lat = calloc(events, sizeof *lat);
  efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  pthread_t w;
  printf("{");

  /* The interrupt thread. */
  struct rte_intr_handle *h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
  rte_intr_type_set(h, RTE_INTR_HANDLE_EXT);
  rte_intr_fd_set(h, efd);
  if (rte_intr_callback_register(h, on_intr, h) < 0) return 1;
  atomic_store(&ready, 1);
  pthread_create(&w, NULL, writer, NULL);
  while (!atomic_load(&done)) usleep(1000);
  pthread_join(w, NULL);
  while (rte_intr_callback_unregister(h, on_intr, h) == -EAGAIN) {}
  report("intrThread", 0);

  /* A thread blocked in rte_epoll_wait. */
  pthread_t r;
  atomic_store(&ready, 0);
  pthread_create(&r, NULL, epoll_receiver, NULL);
  pthread_create(&w, NULL, writer, NULL);
  pthread_join(r, NULL);
  pthread_join(w, NULL);
  report("epollWait", 1);
  printf("}\n");
  rte_eal_cleanup();
  return 0;
}
