// The split ring's bursts with the guest memory in arena windows (the WebAssembly kernel)
// against the same bursts with it mapped apart (the TypeScript walk), in one process: ns per
// packet, guest to host (dequeue into mbufs, freed) and host to guest (one-segment mbufs into
// 2 KiB guest buffers, mergeable header), 64 and 1500 bytes, bursts of 32 over a 256-entry
// ring. The test frontend's own work (posting chains, setting lengths) is in both figures.
//
// Run with `npm run bench -w @nic/vhost` after building; each case takes the better of two
// 1.5 s windows. BENCH_MS sets the window.
import { Arena, MbufView, pktmbufPoolCreate } from '@nic/eal';
import { BUFFERS_OFF, GPA_BASE, GuestRing } from '@nic/vhost/testing';

const DESC_F_WRITE = 2;
const HDR = 12;
const NUM = 256;
const BURST = 32;
const BUFFER = 2048;
const WINDOW_MS = Number(process.env.BENCH_MS ?? 1500);

const arena = Arena.anonymous(64 << 20);
const pool = pktmbufPoolCreate(arena, 'vhost_kernel_bench', 4095);
const mbufs = new MbufView(arena);

/** ns per packet of `direction` at `size` bytes, the memory in windows or apart. */
function measure(windows, size, direction) {
  const ring = new GuestRing(NUM, (1 << 20) + NUM * BUFFER, HDR, true, windows ? arena.wasm.memory : undefined);
  for (let i = 0; i < NUM; i++) {
    const at = BUFFERS_OFF + i * BUFFER;
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
  while (Date.now() < end) {
    for (let rep = 0; rep < 100; rep++) {
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
    }
  }
  const ns = Number(process.hrtime.bigint() - start) / moved;
  if (windows !== ring.vq.kernelPackets > 0) throw new Error(`the ${windows ? 'kernel' : 'TypeScript walk'} did not run`);
  ring.close();
  return ns;
}

console.log(`vhost split ring: kernel (arena windows) against TypeScript (mapped apart), burst ${BURST}, ring ${NUM}, window ${WINDOW_MS} ms`);
console.log(`  ${'case'.padEnd(18)} ${'kernel ns'.padStart(10)} ${'TS ns'.padStart(8)} ${'speed-up'.padStart(9)}`);
for (const size of [64, 1500]) {
  for (const direction of ['guest->host', 'host->guest']) {
    const kernel = Math.min(measure(true, size, direction), measure(true, size, direction));
    const typescript = Math.min(measure(false, size, direction), measure(false, size, direction));
    console.log(`  ${`${direction} ${size}`.padEnd(18)} ${kernel.toFixed(0).padStart(10)} ${typescript.toFixed(0).padStart(8)} ${(typescript / kernel).toFixed(2).padStart(9)}`);
  }
}
