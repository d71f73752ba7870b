import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mempool, NicError, pktmbufPoolCreate, type Eal } from '@nic/eal';
import { confGet, infoGet, isValidPort, portIdByName, stop, TxOffload } from '@nic/ethdev';
import { lcoreArgs } from '@nic/test-kit/models';
import { BUILT, testEal, until } from './__fixtures__/harness.js';
import './drivers.js';
import { Forwarder, MBUF_POOL_NAME, type FinalReport } from './forwarder.js';
import { DEFAULT_OPTIONS, type FwdOptions } from './options.js';
import { pipeline, PIPELINE_VDEVS } from './pipeline.js';
import { portConf, setupPort, type PortSetup } from './ports.js';

/** Packets the sink must have seen before the run is stopped. */
const TARGET = 20_000;

/**
 * Runs the pipeline txonly -> ring -> io -> ring -> rxonly on the lcores `lcores` chooses until the sink
 * counted TARGET packets, then shuts it down.
 */
async function runPipeline(tag: string, lcores: string[], options: FwdOptions = DEFAULT_OPTIONS): Promise<FinalReport> {
  const eal = await testEal(tag, [...lcores, ...PIPELINE_VDEVS.flatMap((v) => ['--vdev', v])]);
  try {
    const { ports, streams } = pipeline();
    const workers = eal.lcores.workerIds();
    const fwd = Forwarder.start({ eal, options, ports, streams, lcores: workers.length > 0 ? workers : [eal.lcores.mainLcore] });
    try {
      await until(() => fwd.streamTotals()[3].rx >= TARGET, 20_000, `${TARGET} packets at the sink`);
    } finally {
      await fwd.shutdown();
    }
    return await fwd.shutdown();
  } finally {
    await eal.cleanup();
  }
}

/** Every count of the report adds up, and every mbuf is back. */
function expectExactAccounting(report: FinalReport): void {
  const [genPort, inPort, outPort, sinkPort] = report.ports;
  const [gen, forward, backward, sink] = report.streams;
  expect([gen.mode, forward.mode, backward.mode, sink.mode]).toEqual(['txonly', 'io', 'io', 'rxonly']);
  // The generator: what it made was sent or dropped at a full ring, and the port counted what was sent.
  expect(gen.rx).toBe(0);
  expect(genPort.txPackets).toBe(gen.tx);
  expect(genPort.fwdDropped).toBe(gen.dropped);
  // After the drain nothing is left in the ring between generator and forwarder.
  expect(inPort.rxPackets).toBe(gen.tx);
  // The forwarder: received = forwarded + counted drops.
  expect(forward.rx).toBe(inPort.rxPackets);
  expect(forward.rx).toBe(forward.tx + forward.dropped);
  expect(outPort.txPackets).toBe(forward.tx);
  expect(outPort.fwdDropped).toBe(forward.dropped);
  expect(backward).toMatchObject({ rx: 0, tx: 0, dropped: 0 });
  // The sink got everything forwarded.
  expect(sinkPort.rxPackets).toBe(outPort.txPackets);
  expect(sink.rx).toBe(sinkPort.rxPackets);
  expect(sink.rx).toBeGreaterThanOrEqual(TARGET);
  expect(report.mbufs.available).toBe(report.mbufs.size);
}

/** A module for a worker lcore whose `hold` blocks until word 0 of the given buffer turns non-zero. */
const HOLD_MODULE = `data:text/javascript,${encodeURIComponent('export function hold(buffer) { Atomics.wait(new Int32Array(buffer), 0, 0); }')}`;

describe.skipIf(!BUILT)('a forwarding run over net_ring ports (worker lcores load dist: npm run build -w @nic/fwd)', () => {
  it('on a worker lcore: txonly -> io -> rxonly with exact accounting and every mbuf back', async () => {
    const report = await runPipeline('pipeline-worker', lcoreArgs(2));
    expectExactAccounting(report);
    expect(report.lcores.map((l) => l.lcore)).toEqual([1]);
  });

  it('on the main lcore alone, in slices: the same accounting', async () => {
    const report = await runPipeline('pipeline-main', lcoreArgs(1));
    expectExactAccounting(report);
    expect(report.lcores.map((l) => l.lcore)).toEqual([0]);
    // Bursts are recorded only when asked for.
    expect(report.ports.every((c) => c.rxBursts === undefined && c.txBursts === undefined)).toBe(true);
  });

  it("with --record-burst-stats: every port's spreads add up to its rx and tx packets", async () => {
    const report = await runPipeline('pipeline-bursts', lcoreArgs(2), { ...DEFAULT_OPTIONS, recordBurstStats: true });
    expectExactAccounting(report);
    const packets = (spread: readonly number[] | undefined): number => (spread ?? []).reduce((sum, count, n) => sum + n * count, 0);
    for (const c of report.ports) {
      expect(c.rxBursts).toHaveLength(DEFAULT_OPTIONS.burst + 1);
      expect(packets(c.rxBursts)).toBe(c.rxPackets);
      expect(packets(c.txBursts)).toBe(c.txPackets);
    }
    // The generator's port receives nothing (txonly does not poll); the sink's polls come back empty at times.
    expect(report.ports[0].rxBursts?.every((count) => count === 0)).toBe(true);
    expect(report.ports[3].rxBursts?.[0]).toBeGreaterThan(0);
  });

  it('an lcore that cannot be launched fails the run like an lcore failure: the lcores launched before it stop, then ports and pool are torn down', async () => {
    const eal = await testEal('launch-busy', [...lcoreArgs(3), ...PIPELINE_VDEVS.flatMap((v) => ['--vdev', v])]);
    const release = new Int32Array(new SharedArrayBuffer(4));
    try {
      // Lcore 2 is busy with something else, so the forwarder's launch there is NIC_EBUSY
      // after lcore 1 (the generator and the forward stream) was launched.
      eal.lcores.remoteLaunch(2, HOLD_MODULE, 'hold', release.buffer);
      const { ports, streams } = pipeline();
      const fwd = Forwarder.start({ eal, options: DEFAULT_OPTIONS, ports, streams, lcores: [1, 2] });
      const failure = await fwd.failed;
      expect(failure).toBeInstanceOf(NicError);
      expect(failure).toMatchObject({ code: 'NIC_EBUSY' });
      await until(() => fwd.streamTotals()[0].tx > 0, 20_000, 'lcore 1 to generate');
      await expect(fwd.shutdown()).rejects.toBe(failure);
      expect(eal.lcores.state(1)).toBe('WAIT');
      expect(ports.map((port) => isValidPort(port))).toEqual(ports.map(() => false));
      expect(() => Mempool.lookup(eal.arena, MBUF_POOL_NAME)).toThrow(NicError);
    } finally {
      Atomics.store(release, 0, 1);
      Atomics.notify(release, 0);
      await eal.lcores.waitLcore(2);
      await eal.cleanup();
    }
  });
});

describe('tx offloads of a net_null port, whose driver lacks MBUF_FAST_FREE', () => {
  const FAST_FREE = TxOffload.MBUF_FAST_FREE;
  let eal: Eal;
  let pool: Mempool;
  let port: number;

  beforeAll(async () => {
    eal = await testEal('ports', [...lcoreArgs(1), '--vdev', 'net_null0']);
    pool = pktmbufPoolCreate(eal.arena, 'ports_pool', 1023);
    port = portIdByName('net_null0');
  });

  afterAll(async () => {
    await eal.cleanup();
  });

  const setup = (txOffloads: number): PortSetup => ({ rxq: 1, txq: 1, rxd: 0, txd: 0, pool, txOffloads });

  it('portConf leaves fast free out and keeps every other bit asked for', () => {
    expect(infoGet(port).txOffloadCapa & FAST_FREE).toBe(0);
    expect(portConf(port, 1, FAST_FREE).txMode).toEqual({ offloads: 0 });
    expect(portConf(port, 1, FAST_FREE | TxOffload.MULTI_SEGS).txMode).toEqual({ offloads: TxOffload.MULTI_SEGS });
    // Bits the driver lacks, other than fast free, are passed on for configure to refuse.
    expect(portConf(port, 1, FAST_FREE | TxOffload.VLAN_INSERT | TxOffload.MULTI_SEGS).txMode).toEqual({ offloads: TxOffload.VLAN_INSERT | TxOffload.MULTI_SEGS });
    expect(portConf(port, 1, 0).txMode).toEqual({ offloads: 0 });
  });

  it('sets the port up and starts it with the default offloads, fast free dropped', () => {
    setupPort(port, setup(DEFAULT_OPTIONS.txOffloads));
    try {
      expect(confGet(port).txMode.offloads).toBe(0);
    } finally {
      stop(port);
    }
    setupPort(port, setup(FAST_FREE | TxOffload.MULTI_SEGS));
    try {
      expect(confGet(port).txMode.offloads).toBe(TxOffload.MULTI_SEGS);
    } finally {
      stop(port);
    }
    expect(pool.availCount()).toBe(pool.size);
  });

  it('fails configure with a NicError naming an unsupported bit other than fast free', () => {
    let error: unknown;
    try {
      setupPort(port, setup(FAST_FREE | TxOffload.VLAN_INSERT));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NicError);
    expect(error).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringContaining('VLAN_INSERT') });
    expect((error as Error).message).not.toContain('MBUF_FAST_FREE');
    expect(pool.availCount()).toBe(pool.size);
  });
});
