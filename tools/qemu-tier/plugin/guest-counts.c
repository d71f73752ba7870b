/*
 * guest-counts: a QEMU TCG plugin that counts, per vCPU, the guest instructions and the
 * translation blocks the vCPU executes, and keeps the counts in a file the host can read at
 * any moment (a memory-mapped array of little-endian u64).
 *
 * Under TCG a guest's cost is mostly per translated block (a block ends at every branch,
 * call and return of the guest code) and per instruction, so these counts are a measure of
 * guest work that the host's noise cannot move: two programs doing the same job can be
 * compared exactly, where their run times differ by 10-20% from one second to the next.
 *
 * Usage: -plugin <this .so>,out=<file>
 * The file holds 1 + 2 * GC_MAX_VCPUS u64: a sequence number bumped after every refresh,
 * then per vCPU its instructions and blocks. A thread refreshes it every 2 ms.
 *
 * The declarations below are the few parts of QEMU's plugin interface (API version
 * GC_API_VERSION, QEMU 9.0 and later) this file uses, written out here so that building it
 * needs only a C compiler.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GC_API_VERSION 2
#define GC_MAX_VCPUS 16
#define GC_REFRESH_NS 2000000L
#define GC_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_scoreboard;
typedef struct {
  struct qemu_plugin_scoreboard *score;
  size_t offset;
} qemu_plugin_u64;
typedef struct {
  const char *target_name;
  struct {
    int min;
    int cur;
  } version;
  _Bool system_emulation;
  union {
    struct {
      int smp_vcpus;
      int max_vcpus;
    } system;
  };
} qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
void qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(struct qemu_plugin_tb *, enum qemu_plugin_op, qemu_plugin_u64, uint64_t);
struct qemu_plugin_scoreboard *qemu_plugin_scoreboard_new(size_t);
uint64_t qemu_plugin_u64_get(qemu_plugin_u64, unsigned int);
int qemu_plugin_num_vcpus(void);

GC_EXPORT int qemu_plugin_version = GC_API_VERSION;

/** One vCPU's counters in the scoreboard. */
struct vcpu_counts {
  uint64_t insns;
  uint64_t blocks;
};

static qemu_plugin_u64 insns;
static qemu_plugin_u64 blocks;
static volatile uint64_t *published;

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, insns, qemu_plugin_tb_n_insns(tb));
  qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, blocks, 1);
}

static void *publish(void *unused) {
  (void)unused;
  const struct timespec period = { 0, GC_REFRESH_NS };
  for (;;) {
    int vcpus = qemu_plugin_num_vcpus();
    if (vcpus > GC_MAX_VCPUS) vcpus = GC_MAX_VCPUS;
    for (int v = 0; v < vcpus; v++) {
      published[1 + 2 * v] = qemu_plugin_u64_get(insns, v);
      published[2 + 2 * v] = qemu_plugin_u64_get(blocks, v);
    }
    published[0]++;
    nanosleep(&period, NULL);
  }
  return NULL;
}

GC_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  const char *path = NULL;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "out=", 4) == 0) path = argv[i] + 4;
  }
  if (path == NULL || !info->system_emulation) {
    fprintf(stderr, "guest-counts: needs system emulation and out=<file>\n");
    return -1;
  }
  const size_t size = sizeof(uint64_t) * (1 + 2 * GC_MAX_VCPUS);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
    perror("guest-counts: out");
    if (fd >= 0) close(fd);
    return -1;
  }
  void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    perror("guest-counts: mmap");
    return -1;
  }
  published = map;
  struct qemu_plugin_scoreboard *board = qemu_plugin_scoreboard_new(sizeof(struct vcpu_counts));
  insns = (qemu_plugin_u64){ board, offsetof(struct vcpu_counts, insns) };
  blocks = (qemu_plugin_u64){ board, offsetof(struct vcpu_counts, blocks) };
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  pthread_t thread;
  if (pthread_create(&thread, NULL, publish, NULL) != 0) {
    fprintf(stderr, "guest-counts: cannot start the publishing thread\n");
    return -1;
  }
  pthread_detach(thread);
  return 0;
}
