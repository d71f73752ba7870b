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
 * Usage: -plugin <this .so>,out=<file>[,profile=<file>]
 * The out file holds 1 + 2 * GC_MAX_VCPUS u64: a sequence number bumped after every refresh,
 * then per vCPU its instructions and blocks. A thread refreshes it every 2 ms.
 *
 * With profile=<file>, the plugin also counts, per vCPU, how many times each block ran, a
 * block being named by its first instruction's guest virtual address and its instruction
 * count (the same address can start blocks of different lengths). Whoever wants a snapshot
 * creates <file>.request; within 2 ms the thread writes the snapshot to <file> (through
 * <file>.tmp and a rename) and then removes <file>.request. A snapshot is little-endian u64:
 * GC_PROFILE_MAGIC, the vCPU count V, the block count N, then N records of V + 2 u64 (the
 * address, the instructions, then V execution counts). Up to GC_PROFILE_MAX_BLOCKS distinct
 * blocks are kept; the later ones count in one record of address 0 and 0 instructions
 * (their instructions are still in the out file's totals).
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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GC_API_VERSION 2
#define GC_MAX_VCPUS 16
#define GC_REFRESH_NS 2000000L
#define GC_PROFILE_MAGIC 0x31666f7270636775ULL /* "ugcprof1" */
#define GC_PROFILE_MAX_BLOCKS (1u << 20)
#define GC_PROFILE_BUCKETS (1u << 18)
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
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
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

/** One distinct block of the profile; its execution counts are slot `index` of `executions`. */
struct block {
  uint64_t vaddr;
  uint64_t insns;
  struct block *next_in_bucket;
};

/** The profile's file, or NULL when blocks are not profiled. */
static const char *profile_path;
static char *profile_request;
static char *profile_partial;
/** Blocks by index (index 0: the blocks past the cap); a hash of address and length finds them. */
static struct block *profile_blocks;
static struct block **profile_buckets;
static uint32_t profile_count;
static int profile_full;
static struct qemu_plugin_scoreboard *executions;
static pthread_mutex_t profile_lock = PTHREAD_MUTEX_INITIALIZER;

/** The index of the block at `vaddr` of `n` instructions, added on first sight. */
static uint32_t profile_index(uint64_t vaddr, uint64_t n) {
  uint32_t bucket = (uint32_t)(((vaddr ^ (n << 56)) * 0x9e3779b97f4a7c15ULL) >> 46) & (GC_PROFILE_BUCKETS - 1);
  pthread_mutex_lock(&profile_lock);
  uint32_t index = 0;
  for (struct block *b = profile_buckets[bucket]; b != NULL; b = b->next_in_bucket) {
    if (b->vaddr == vaddr && b->insns == n) {
      index = (uint32_t)(b - profile_blocks);
      break;
    }
  }
  if (index == 0 && profile_count == GC_PROFILE_MAX_BLOCKS && !profile_full) {
    profile_full = 1;
    fprintf(stderr, "guest-counts: more than %u blocks; later ones are counted as one, at address 0\n", GC_PROFILE_MAX_BLOCKS - 1);
  }
  if (index == 0 && profile_count < GC_PROFILE_MAX_BLOCKS) {
    index = profile_count;
    struct block *b = &profile_blocks[index];
    b->vaddr = vaddr;
    b->insns = n;
    b->next_in_bucket = profile_buckets[bucket];
    profile_buckets[bucket] = b;
    profile_count++;
  }
  pthread_mutex_unlock(&profile_lock);
  return index;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  const uint64_t n = qemu_plugin_tb_n_insns(tb);
  qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, insns, n);
  qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, blocks, 1);
  if (profile_path != NULL) {
    const qemu_plugin_u64 slot = { executions, sizeof(uint64_t) * profile_index(qemu_plugin_tb_vaddr(tb), n) };
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, slot, 1);
  }
}

static int put_u64(FILE *f, uint64_t v) {
  return fwrite(&v, sizeof v, 1, f) == 1 ? 0 : -1;
}

/** Writes a snapshot of the profile to `profile_path` (see the header). */
static void profile_dump(void) {
  FILE *f = fopen(profile_partial, "wb");
  if (f == NULL) {
    perror("guest-counts: profile");
    return;
  }
  int vcpus = qemu_plugin_num_vcpus();
  pthread_mutex_lock(&profile_lock);
  const uint32_t count = profile_count;
  pthread_mutex_unlock(&profile_lock);
  int bad = put_u64(f, GC_PROFILE_MAGIC) | put_u64(f, (uint64_t)vcpus) | put_u64(f, count);
  for (uint32_t i = 0; i < count && bad == 0; i++) {
    const qemu_plugin_u64 slot = { executions, sizeof(uint64_t) * i };
    bad |= put_u64(f, profile_blocks[i].vaddr) | put_u64(f, profile_blocks[i].insns);
    for (int v = 0; v < vcpus; v++) bad |= put_u64(f, qemu_plugin_u64_get(slot, (unsigned)v));
  }
  if ((fclose(f) | bad) != 0 || rename(profile_partial, profile_path) != 0) perror("guest-counts: profile");
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
    if (profile_path != NULL && access(profile_request, F_OK) == 0) {
      profile_dump();
      unlink(profile_request);
    }
    nanosleep(&period, NULL);
  }
  return NULL;
}

/** Allocates the profile's tables and names its side files. */
static int profile_setup(void) {
  const size_t len = strlen(profile_path) + sizeof ".request";
  profile_request = malloc(len);
  profile_partial = malloc(len);
  profile_blocks = calloc(GC_PROFILE_MAX_BLOCKS, sizeof *profile_blocks);
  profile_buckets = calloc(GC_PROFILE_BUCKETS, sizeof *profile_buckets);
  if (profile_request == NULL || profile_partial == NULL || profile_blocks == NULL || profile_buckets == NULL) {
    fprintf(stderr, "guest-counts: no memory for the profile\n");
    return -1;
  }
  snprintf(profile_request, len, "%s.request", profile_path);
  snprintf(profile_partial, len, "%s.tmp", profile_path);
  unlink(profile_request);
  /* Index 0 gathers the blocks past the cap. */
  profile_count = 1;
  executions = qemu_plugin_scoreboard_new(sizeof(uint64_t) * GC_PROFILE_MAX_BLOCKS);
  return 0;
}

GC_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  const char *path = NULL;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "out=", 4) == 0) path = argv[i] + 4;
    if (strncmp(argv[i], "profile=", 8) == 0) profile_path = argv[i] + 8;
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
  if (profile_path != NULL && profile_setup() != 0) return -1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  pthread_t thread;
  if (pthread_create(&thread, NULL, publish, NULL) != 0) {
    fprintf(stderr, "guest-counts: cannot start the publishing thread\n");
    return -1;
  }
  pthread_detach(thread);
  return 0;
}
