// The driver's own cost per forwarded packet on the host: io forwarding between two
// modelled ports joined by a cable (rx burst, tx burst, buffer recycling; burst 32, 64-byte
// frames, MBUF_FAST_FREE), on the main thread, which also runs the model. The model does its
// work inside the driver's register writes (a TDT write transmits, the cable delivers into
// the peer's ring), so the time inside BAR writes is measured and subtracted: what remains
// is the driver's rx and tx bursts, the mempool's recycling and the loop.
//
// Port models: @nic/test-kit's 82599 model (IxgbeModelBench) when the test kit has it,
// otherwise its 82576 model (IgbModelBench) driven by net_e1000_igb, whose data path is the
// same @nic/intel-common code (the figure then says which).
//
//   flock /tmp/nic-bench.lock npm run bench -w @nic/pmd-ixgbe   (vitest, bench/vitest.config.ts)
//   BENCH_SECONDS=10 BENCH_FRAMES=512 ...
import { writeFileSync, mkdirSync } from 'node:fs';
import { it } from 'vitest';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pktmbufPoolCreate, MbufView } from '@nic/eal';
import { configure, portIdByName, rxBurst, rxQueueSetup, start, stop, txBurst, txQueueSetup, TxOffload } from '@nic/ethdev';
import * as kit from '@nic/test-kit';
import { netIxgbeDriver } from '@nic/pmd-ixgbe';
import { netE1000IgbDriver } from '@nic/pmd-igb';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 192);
const BURST = 32;
// 256 descriptors fill one 4 KiB page: the bench EAL runs --no-huge, where a ring across pages is not IOVA-contiguous.
const RING = 256;
const FRAME_LEN = 60; // 64 bytes on the wire with the FCS

it('forwards io between two modelled ports and reports the driver\'s own cost per packet', async () => {
const ixgbe = typeof (kit as Record<string, unknown>).IxgbeModelBench === 'function';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Bench: any = ixgbe ? (kit as any).IxgbeModelBench : kit.IgbModelBench;
  const driver = ixgbe ? netIxgbeDriver : netE1000IgbDriver;
  
  const bench = await Bench.create({ ports: 2, wire: true });
  const eal = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]], { drivers: [driver] });
  const pool = pktmbufPoolCreate(eal.arena, 'bench_pool', 8191, 256);
  const ports: number[] = bench.addresses.map((addr: string) => portIdByName(addr, eal));
  for (const p of ports) {
    configure(p, 1, 1, { txMode: { offloads: TxOffload.MBUF_FAST_FREE } });
    rxQueueSetup(p, 0, RING, undefined, pool);
    txQueueSetup(p, 0, RING);
    start(p);
    // Every frame goes to the other port, whatever its address.
  }
  const [a, b] = ports;
  const [ma] = bench.models;
  // The model's time: every BAR write of the loop (TDT transmits and delivers, RDT re-arms).
  let modelMs = 0;
  let writes = 0;
  for (const m of bench.models as { write32(o: number, v: number): void }[]) {
    const write32 = m.write32.bind(m);
    m.write32 = (offset: number, value: number): void => {
      const t = performance.now();
      write32(offset, value);
      modelMs += performance.now() - t;
      writes++;
    };
  }
  // Frames to the receiving port's own address, so no filter drops them.
  const frame = (dst: Uint8Array): Uint8Array => {
    const f = kit.testFrame(0, FRAME_LEN);
    f.set(dst, 0);
    return f;
  };
  const outcomes = new Set<string>();
  for (let i = 0; i < FRAMES; i++) outcomes.add(String(ma.receiveFrame(frame(ma.mac))));
  console.log("injected:", [...outcomes]);
  const handles = new Uint32Array(new SharedArrayBuffer(4 * BURST));
  const mbufs = new MbufView(eal.arena);
  // Frames forwarded a->b come back to a over the cable: b's transmit is a's receive.
  function pass(): number {
    let n = rxBurst(a, 0, handles, BURST);
    let moved = n;
    if (n > 0) {
      const sent = txBurst(b, 0, handles, n);
      if (sent < n) mbufs.freeBulk(handles, n - sent, sent);
    }
    n = rxBurst(b, 0, handles, BURST);
    moved += n;
    if (n > 0) {
      const sent = txBurst(a, 0, handles, n);
      if (sent < n) mbufs.freeBulk(handles, n - sent, sent);
    }
    return moved;
  }
  // Warm-up: the JIT compiles the loop.
  for (let t = performance.now(); performance.now() - t < 1000; ) pass();
  modelMs = 0;
  writes = 0;
  let packets = 0;
  const load = loadavg()[0];
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  while (performance.now() < end) for (let i = 0; i < 64; i++) packets += pass();
  const totalMs = performance.now() - t0;
  const driverNs = ((totalMs - modelMs) * 1e6) / packets;
  const result = {
    model: ixgbe ? '82599 (IxgbeModelBench, net_ixgbe)' : '82576 (IgbModelBench, net_e1000_igb over the same @nic/intel-common data path)',
    seconds: totalMs / 1000,
    packets,
    totalNsPerPacket: (totalMs * 1e6) / packets,
    modelNsPerPacket: (modelMs * 1e6) / packets,
    driverNsPerPacket: driverNs,
    driverMppsPerCore: 1e3 / driverNs,
    goalNs: 67.2,
    ratioToGoal: 67.2 / driverNs,
    barWritesPerPacket: writes / packets,
    loadAverage1m: load,
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/fwd.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
  for (const p of ports) stop(p);
  await bench.close();
  
});
