// local (untracked): CPU ns per packet of the kernel path, fixed work
import { Arena, MbufView, pktmbufPoolCreate } from '@nic/eal';
const { BUFFERS_OFF, GPA_BASE, GuestRing } = await import(new URL(`../${process.env.DIST ?? 'dist'}/testing/index.js`, import.meta.url));
const DESC_F_WRITE = 2, HDR = 12, NUM = 256, BURST = 32, BUFFER = 2048;
const BURSTS = Number(process.env.BURSTS ?? 200000);
const arena = Arena.anonymous(64 << 20);
const pool = pktmbufPoolCreate(arena, 'vhost_kernel_bench', 4095);
const mbufs = new MbufView(arena);
function run(size, direction, bursts) {
  const ring = new GuestRing(NUM, (1 << 20) + NUM * BUFFER, HDR, true, arena.wasm.memory);
  for (let i = 0; i < NUM; i++) {
    const at = BUFFERS_OFF + i * BUFFER;
    if (direction === 'g2h') { ring.desc(i, GPA_BASE + at, HDR + size, 0); ring.u8.fill(i, at + HDR, at + HDR + size); }
    else ring.desc(i, GPA_BASE + at, BUFFER, DESC_F_WRITE);
  }
  const burst = new Uint32Array(BURST);
  let moved = 0, head = 0;
  const c0 = process.cpuUsage();
  for (let b = 0; b < bursts; b++) {
    for (let i = 0; i < BURST; i++) ring.push(head++ % NUM);
    if (direction === 'g2h') {
      const got = ring.vq.dequeueBurst(arena, mbufs, pool, burst, BURST, 0);
      mbufs.freeBulk(burst, got, 0);
      moved += got;
    } else {
      mbufs.allocBulk(pool, burst, BURST, 0);
      for (let i = 0; i < BURST; i++) { mbufs.setDataLen(burst[i], size); mbufs.setPktLen(burst[i], size); }
      moved += ring.vq.enqueueBurst(arena, burst, BURST, 0);
      mbufs.freeBulk(burst, BURST, 0);
    }
  }
  const c = process.cpuUsage(c0);
  if (ring.vq.kernelPackets === 0) throw new Error('no kernel');
  ring.close();
  return ((c.user + c.system) * 1000) / moved;
}
const cases = (process.env.CASES ?? 'g2h:64,h2g:64,g2h:1500,h2g:1500').split(',');
for (const cs of cases) {
  const [d, s] = cs.split(':');
  run(Number(s), d, 20000);
  const r = [run(Number(s), d, BURSTS), run(Number(s), d, BURSTS), run(Number(s), d, BURSTS)];
  console.log(`${d} ${s}: cpu ns/pkt min ${Math.min(...r).toFixed(1)} all ${r.map((x) => x.toFixed(1)).join(' ')}`);
}
