// A ring's bursts with the guest memory in arena windows (the WebAssembly kernel) against the
// same bursts with it mapped apart (the TypeScript walk), in one process: ns per packet, guest
// to host (dequeue into mbufs, freed) and host to guest (one-segment mbufs into 2 KiB guest
// buffers, mergeable header), 64 and 1500 bytes, bursts of 32 over a 256-entry ring, split
// (the default) or packed (BENCH_RING=packed). The test frontend's own work (posting chains,
// setting lengths, for packed rings taking the used descriptors back) is in both figures.
//
// Run with `npm run bench -w @nic/vhost` after building; each case takes the better of two
// 1.5 s windows. BENCH_MS sets the window. BENCH_PACKETS=n instead moves exactly n packets
// (rounded up to bursts) once through one case, BENCH_CASE='kernel|typescript size direction'
// (e.g. 'kernel 64 guest->host'), and prints nothing else: for counting instructions with
// `perf stat -e instructions` against a run with BENCH_PACKETS=0.
import { Arena, MbufView, pktmbufPoolCreate } from '@nic/eal';
import { BUFFERS_OFF, GPA_BASE, GuestPackedRing, GuestRing, PACKED_BUFFERS_OFF } from '@nic/vhost/testing';

const DESC_F_WRITE = 2;
const HDR = 12;
const NUM = 256;
const BURST = 32;
const BUFFER = 2048;
const WINDOW_MS = Number(process.env.BENCH_MS ?? 1500);
const PACKED = process.env.BENCH_RING === 'packed';

const arena = Arena.anonymous(64 << 20);
const pool = pktmbufPoolCreate(arena, 'vhost_kernel_bench', 4095);
const mbufs = new MbufView(arena);

/**
 * A packed ring driven as `GuestRing` is by the split case: `push(i)` posts descriptor slot
 * `i`'s buffer (set up by `desc`) as buffer id `i`, and the used descriptors are taken back
 * after each burst.
 */
class PackedBench {
  constructor(memory) {
    this.ring = new GuestPackedRing(NUM, (1 << 20) + NUM * BUFFER, { hdrSize: HDR, mrgRxbuf: true }, memory);
    this.vq = this.ring.vq;
    this.buffers = [];
  }
  desc(i, addr, len, flags) {
    this.buffers[i] = { addr, len, flags };
  }
  push(i) {
    this.ring.post([this.buffers[i]], i);
  }
  get u8() {
    return this.ring.u8;
  }
  done() {
    while (this.ring.takeUsed() !== undefined);
  }
  close() {
    this.ring.close();
  }
}

/** The ring of the case: split, or packed (BENCH_RING=packed). */
function ringOf(windows) {
  const memory = windows ? arena.wasm.memory : undefined;
  if (PACKED) return new PackedBench(memory);
  const ring = new GuestRing(NUM, (1 << 20) + NUM * BUFFER, HDR, true, memory);
  ring.done = () => {};
  return ring;
}

/**
 * ns per packet of `direction` at `size` bytes, the memory in windows or apart, over a
 * window of WINDOW_MS, or over exactly `packets` packets when given.
 */
function measure(windows, size, direction, packets) {
  const ring = ringOf(windows);
  const base = PACKED ? PACKED_BUFFERS_OFF : BUFFERS_OFF;
  for (let i = 0; i < NUM; i++) {
    const at = base + i * BUFFER;
    if (direction === 'guest->host') {
      ring.desc(i, GPA_BASE + at, HDR + size, 0);
      ring.u8.fill(i, at + HDR, at + HDR + size);
    } else {
      ring.desc(i, GPA_BASE + at, BUFFER, DESC_F_WRITE);
    }
  }
  const burst = new Uint32Array(BURST);
  let moved = 0;
  let head = 0;
  const start = process.hrtime.bigint();
  const end = Date.now() + WINDOW_MS;
  while (packets === undefined ? Date.now() < end : moved < packets) {
    for (let rep = 0; rep < (packets === undefined ? 100 : 1); rep++) {
      for (let i = 0; i < BURST; i++) ring.push(head++ % NUM);
      if (direction === 'guest->host') {
        const got = ring.vq.dequeueBurst(arena, mbufs, pool, burst, BURST, 0);
        mbufs.freeBulk(burst, got, 0);
        moved += got;
      } else {
        mbufs.allocBulk(pool, burst, BURST, 0);
        for (let i = 0; i < BURST; i++) {
          mbufs.setDataLen(burst[i], size);
          mbufs.setPktLen(burst[i], size);
        }
        moved += ring.vq.enqueueBurst(arena, burst, BURST, 0);
        mbufs.freeBulk(burst, BURST, 0);
      }
      ring.done();
    }
  }
  const ns = Number(process.hrtime.bigint() - start) / moved;
  if (moved > 0 && windows !== ring.vq.kernelPackets > 0) throw new Error(`the ${windows ? 'kernel' : 'TypeScript walk'} did not run`);
  ring.close();
  return ns;
}

if (process.env.BENCH_PACKETS !== undefined) {
  const [path, size, direction] = (process.env.BENCH_CASE ?? 'kernel 64 guest->host').split(' ');
  measure(path === 'kernel', Number(size), direction, Number(process.env.BENCH_PACKETS));
  process.exit(0);
}

console.log(`vhost ${PACKED ? 'packed' : 'split'} ring: kernel (arena windows) against TypeScript (mapped apart), burst ${BURST}, ring ${NUM}, window ${WINDOW_MS} ms`);
console.log(`  ${'case'.padEnd(18)} ${'kernel ns'.padStart(10)} ${'TS ns'.padStart(8)} ${'speed-up'.padStart(9)}`);
for (const size of [64, 1500]) {
  for (const direction of ['guest->host', 'host->guest']) {
    const kernel = Math.min(measure(true, size, direction), measure(true, size, direction));
    const typescript = Math.min(measure(false, size, direction), measure(false, size, direction));
    console.log(`  ${`${direction} ${size}`.padEnd(18)} ${kernel.toFixed(0).padStart(10)} ${typescript.toFixed(0).padStart(8)} ${(typescript / kernel).toFixed(2).padStart(9)}`);
  }
}
