/**
 * The ethdev conformance suite: the contract every poll-mode driver meets, written once
 * and run by every PMD of this repository and by third-party ones. Calling
 * {@link ethdevConformance} from a vitest test file defines the suite's `describe`/`it`
 * blocks; each test runs against a port on a fresh EAL instance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MbufView, type DriverDescriptor, type Eal, type Mempool } from '@nic/eal';
import {
  close,
  configure,
  EthEvent,
  infoGet,
  isValidPort,
  linkGet,
  linkGetNowait,
  maskNames,
  portCallbackRegister,
  portIdByName,
  portName,
  ports,
  portState,
  promiscuousDisable,
  promiscuousEnable,
  promiscuousGet,
  RssHf,
  RxOffload,
  rxBurst,
  rxQueueSetup,
  start,
  statsGet,
  statsReset,
  stop,
  TxOffload,
  txBurst,
  txQueueSetup,
  xstatsGet,
  xstatsGetNames,
  xstatsReset,
  type DevInfo,
} from '@nic/ethdev';
import { testFrame, until } from '@nic/native/testing';
import { allocPackets, errorCode, harnessEal, harnessPool, packetBytes, packetLengths } from './harness.js';

/** How `fn` refused: the code of its error, and whether the message names `what`; no code when it returned. */
function refusal(fn: () => unknown, what: string): { code: string | undefined; names: boolean } {
  try {
    fn();
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : 'no code';
    return { code, names: (e instanceof Error ? e.message : String(e)).includes(what) };
  }
  return { code: undefined, names: false };
}

/**
 * How received packets come about on the port under test:
 * - `'loopback'`: what tx queue `i` sends arrives on rx queue `i` (net_ring);
 * - `'source'`: rx returns new packets without any tx (net_null);
 * - `'none'`: rx returns nothing (a sink, or a NIC with no link partner);
 * - `'peer'`: frames the suite hands to {@link EthdevConformanceOptions.inject} (the kernel's
 *   side of a veth pair or TAP, a wire's far end) arrive on rx queue 0, and nothing else does.
 */
export type ConformanceRxMode = 'loopback' | 'source' | 'none' | 'peer';

/** The port under test, as an {@link EthdevConformanceOptions.inject} function sees it. */
export interface ConformancePort {
  readonly eal: Eal;
  readonly port: number;
  /** The counter the port's devargs were made with. */
  readonly instance: number;
}

/** What the suite needs to know about the PMD under test. */
export interface EthdevConformanceOptions {
  /** The driver name the ports report (`infoGet().driverName`). */
  readonly pmd: string;
  /**
   * EAL arguments creating the port under test on instance `i` (a counter, to vary names
   * when needed), e.g. `(i) => ['--vdev', 'net_ring0']`. The first port of the instance is
   * the one tested.
   */
  readonly devargs: (i: number) => string[];
  /** Drivers for `init(argv, { drivers })`, typically the PMD's `./driver` descriptor. */
  readonly drivers?: readonly DriverDescriptor[];
  /** How received packets come about. */
  readonly rx: ConformanceRxMode;
  /**
   * For `rx: 'peer'`: sends `frames` to the started port from its link partner, resolving once
   * they have left the peer.
   */
  readonly inject?: (frames: readonly Uint8Array[], port: ConformancePort) => Promise<void>;
  /** Length of the packets a `'source'` PMD returns. */
  readonly sourcePacketLength?: number;
  /** Whether the link is up exactly while the port is started (virtual PMDs); default true. */
  readonly linkFollowsStart?: boolean;
}

/** Mbufs in the pool each test uses. */
export const CONFORMANCE_POOL_SIZE = 1023;
/** Packets per burst in the suite. */
export const CONFORMANCE_BURST = 32;
/** Length of the packets the suite sends. */
export const CONFORMANCE_PACKET_LENGTH = 100;
/** How long injected frames may take to arrive on a loaded machine. */
const PEER_WAIT_MS = 20_000;

interface Context {
  eal: Eal;
  port: number;
  pool: Mempool;
  mbufs: MbufView;
}

/** The lowest bit of `table` not in `capa`, or undefined when it has them all. */
function unsupportedBit(capa: number, table: Readonly<Record<string, number>>): number | undefined {
  return Object.values(table).find((bit) => (capa & bit) === 0);
}

/**
 * Defines the conformance suite for one PMD: call it at the top level of a vitest test
 * file. It checks the configure / queue set-up / start / burst / stop / close sequences,
 * restart and reconfiguration, calls in the wrong state, queue and descriptor limits,
 * unadvertised offloads, statistics and extended statistics adding up and resetting,
 * every mbuf back in its pool after stop and close, the link, promiscuous mode, and the
 * release of the port id.
 */
export function ethdevConformance(options: EthdevConformanceOptions): void {
  const { pmd, rx } = options;
  if (rx === 'peer' && options.inject === undefined) throw new TypeError(`ethdevConformance(${pmd}): rx 'peer' needs inject`);
  const linkFollowsStart = options.linkFollowsStart ?? true;
  let instance = 0;
  const ctx = {} as Context;

  function setUp(nbQueues = 1): void {
    configure(ctx.port, nbQueues, nbQueues);
    for (let q = 0; q < nbQueues; q++) {
      rxQueueSetup(ctx.port, q, 0, undefined, ctx.pool);
      txQueueSetup(ctx.port, q, 0);
    }
  }

  function sendAll(queue: number, count: number): Uint32Array {
    const handles = allocPackets(ctx.eal, ctx.pool, count, CONFORMANCE_PACKET_LENGTH);
    const sent = txBurst(ctx.port, queue, handles, count);
    ctx.mbufs.freeBulk(handles, count - sent, sent);
    return handles.subarray(0, sent);
  }

  function receive(queue: number, max: number): Uint32Array {
    const handles = new Uint32Array(max);
    return handles.subarray(0, rxBurst(ctx.port, queue, handles, max));
  }

  /** Receives on `queue` until `count` packets came, yielding between polls (frames from a peer arrive asynchronously). */
  async function receiveCount(queue: number, count: number): Promise<Uint32Array> {
    const got = new Uint32Array(count);
    let n = 0;
    await until(`${count} injected frames to arrive on rx queue ${queue}`, () => {
      n += rxBurst(ctx.port, queue, got.subarray(n), count - n);
      return n === count;
    }, PEER_WAIT_MS);
    return got;
  }

  function info(): DevInfo {
    return infoGet(ctx.port);
  }

  describe(`ethdev conformance: ${pmd}`, () => {
    beforeEach(async () => {
      ctx.eal = await harnessEal(`conformance-${pmd}`, options.devargs(instance++), options.drivers);
      const own = ports(ctx.eal);
      expect(own.length, `the devargs create no port of ${pmd}`).toBeGreaterThan(0);
      ctx.port = own[0];
      ctx.pool = harnessPool(ctx.eal, CONFORMANCE_POOL_SIZE);
      ctx.mbufs = new MbufView(ctx.eal.arena);
    });

    afterEach(async () => {
      await ctx.eal.cleanup();
    });

    it('allocates an unconfigured port that reports its driver and sane limits', () => {
      const i = info();
      expect(i.driverName).toBe(pmd);
      expect(portState(ctx.port)).toBe('unconfigured');
      expect(portIdByName(portName(ctx.port), ctx.eal)).toBe(ctx.port);
      expect(i.maxRxQueues).toBeGreaterThanOrEqual(1);
      expect(i.maxTxQueues).toBeGreaterThanOrEqual(1);
      for (const lim of [i.rxDescLim, i.txDescLim]) {
        expect(lim.min).toBeLessThanOrEqual(lim.max);
        expect(lim.align).toBeGreaterThanOrEqual(1);
      }
      expect(i.minMtu).toBeLessThanOrEqual(i.maxMtu);
      expect(i.nbRxQueues).toBe(0);
    });

    it('runs configure, queue set-up, start, bursts, stop and close', () => {
      configure(ctx.port, 1, 1);
      expect(portState(ctx.port)).toBe('configured');
      expect(info().nbRxQueues).toBe(1);
      rxQueueSetup(ctx.port, 0, 0, undefined, ctx.pool);
      txQueueSetup(ctx.port, 0, 0);
      start(ctx.port);
      expect(portState(ctx.port)).toBe('started');
      const sent = sendAll(0, CONFORMANCE_BURST);
      expect(sent.length).toBeGreaterThan(0);
      const got = receive(0, CONFORMANCE_BURST);
      ctx.mbufs.freeBulk(got, got.length);
      stop(ctx.port);
      expect(portState(ctx.port)).toBe('stopped');
      close(ctx.port);
      expect(ctx.pool.availCount()).toBe(CONFORMANCE_POOL_SIZE);
    });

    it('restarts after a stop and moves packets again', () => {
      setUp();
      start(ctx.port);
      stop(ctx.port);
      start(ctx.port);
      expect(sendAll(0, CONFORMANCE_BURST).length).toBe(CONFORMANCE_BURST);
      expect(statsGet(ctx.port).opackets).toBe(CONFORMANCE_BURST);
      stop(ctx.port);
      start(ctx.port);
      stop(ctx.port);
    });

    it('reconfigures a stopped port with other queue counts', () => {
      setUp(1);
      start(ctx.port);
      stop(ctx.port);
      const n = Math.min(2, info().maxRxQueues, info().maxTxQueues);
      setUp(n);
      start(ctx.port);
      expect(info().nbRxQueues).toBe(n);
      expect(sendAll(n - 1, 4).length).toBe(4);
      expect(statsGet(ctx.port).qOpackets[n - 1]).toBe(4);
      stop(ctx.port);
    });

    it('refuses calls in the wrong state', () => {
      const burst = new Uint32Array(1);
      expect(errorCode(() => start(ctx.port)), 'start before configure').toBe('NIC_EINVAL');
      expect(errorCode(() => rxQueueSetup(ctx.port, 0, 0, undefined, ctx.pool)), 'rx set-up before configure').toBe('NIC_EINVAL');
      expect(errorCode(() => txQueueSetup(ctx.port, 0, 0)), 'tx set-up before configure').toBe('NIC_EINVAL');
      configure(ctx.port, 1, 1);
      expect(errorCode(() => rxQueueSetup(ctx.port, 1, 0, undefined, ctx.pool)), 'rx queue beyond the count').toBe('NIC_EINVAL');
      expect(errorCode(() => txQueueSetup(ctx.port, 1, 0)), 'tx queue beyond the count').toBe('NIC_EINVAL');
      expect(errorCode(() => start(ctx.port)), 'start with queues not set up').toBe('NIC_EINVAL');
      rxQueueSetup(ctx.port, 0, 0, undefined, ctx.pool);
      txQueueSetup(ctx.port, 0, 0);
      expect(rxBurst(ctx.port, 0, burst, 1), 'rx burst before start').toBe(0);
      start(ctx.port);
      expect(errorCode(() => configure(ctx.port, 1, 1)), 'configure while started').toBe('NIC_EBUSY');
      expect(errorCode(() => rxQueueSetup(ctx.port, 0, 0, undefined, ctx.pool)), 'rx set-up while started').toBe('NIC_EBUSY');
      expect(errorCode(() => txQueueSetup(ctx.port, 0, 0)), 'tx set-up while started').toBe('NIC_EBUSY');
      expect(errorCode(() => close(ctx.port)), 'close while started').toBe('NIC_EINVAL');
      expect(errorCode(() => rxBurst(ctx.port, 1, burst, 1)), 'burst on a missing queue').toBe('NIC_EINVAL');
      stop(ctx.port);
      expect(rxBurst(ctx.port, 0, burst, 1), 'rx burst after stop').toBe(0);
      const handles = allocPackets(ctx.eal, ctx.pool, 1, CONFORMANCE_PACKET_LENGTH);
      expect(txBurst(ctx.port, 0, handles, 1), 'tx burst after stop').toBe(0);
      ctx.mbufs.freeBulk(handles, 1);
      expect(errorCode(() => stop(ctx.port)), 'stop twice').toBeUndefined();
    });

    it('enforces its queue and descriptor limits', () => {
      const i = info();
      expect(errorCode(() => configure(ctx.port, i.maxRxQueues + 1, 1))).toBe('NIC_EINVAL');
      expect(errorCode(() => configure(ctx.port, 1, i.maxTxQueues + 1))).toBe('NIC_EINVAL');
      configure(ctx.port, 1, 1);
      const bad = (lim: DevInfo['rxDescLim']): number[] => [
        lim.max + lim.align,
        ...(lim.min > 1 ? [lim.min - 1] : []),
        ...(lim.align > 1 ? [lim.min + 1] : []),
      ];
      for (const n of bad(i.rxDescLim)) expect(errorCode(() => rxQueueSetup(ctx.port, 0, n, undefined, ctx.pool)), `${n} rx descriptors`).toBe('NIC_EINVAL');
      for (const n of bad(i.txDescLim)) expect(errorCode(() => txQueueSetup(ctx.port, 0, n)), `${n} tx descriptors`).toBe('NIC_EINVAL');
    });

    it('refuses offloads, RSS and interrupts it does not advertise, naming them', () => {
      const i = info();
      const rxBit = unsupportedBit(i.rxOffloadCapa, RxOffload);
      // Each refusal is NIC_EINVAL, and its message names what was asked for.
      if (rxBit !== undefined) {
        expect(refusal(() => configure(ctx.port, 1, 1, { rxMode: { offloads: rxBit } }), maskNames(rxBit, RxOffload)[0])).toEqual({ code: 'NIC_EINVAL', names: true });
      }
      const txBit = unsupportedBit(i.txOffloadCapa, TxOffload);
      if (txBit !== undefined) {
        expect(refusal(() => configure(ctx.port, 1, 1, { txMode: { offloads: txBit } }), maskNames(txBit, TxOffload)[0])).toEqual({ code: 'NIC_EINVAL', names: true });
      }
      if (i.flowTypeRssOffloads === 0) {
        expect(refusal(() => configure(ctx.port, 1, 1, { rxMode: { mqMode: 'rss' } }), 'mqMode rss')).toEqual({ code: 'NIC_EINVAL', names: true });
      }
      // A driver with RSS names the hash type it lacks (one without is refused at mqMode above).
      const hfBit = i.flowTypeRssOffloads === 0 ? undefined : unsupportedBit(i.flowTypeRssOffloads, RssHf);
      if (hfBit !== undefined) {
        expect(refusal(() => configure(ctx.port, 1, 1, { rxMode: { mqMode: 'rss' }, rss: { hf: hfBit } }), maskNames(hfBit, RssHf)[0])).toEqual({ code: 'NIC_EINVAL', names: true });
      }
      if (!i.intrLsc) expect(refusal(() => configure(ctx.port, 1, 1, { intrConf: { lsc: true } }), 'intrConf.lsc')).toEqual({ code: 'NIC_EINVAL', names: true });
      expect(portState(ctx.port)).toBe('unconfigured');
    });

    it('counts what it sends: packets, bytes, per queue', () => {
      setUp();
      start(ctx.port);
      const sent = sendAll(0, CONFORMANCE_BURST);
      const stats = statsGet(ctx.port);
      expect(stats.opackets).toBe(sent.length);
      expect(stats.obytes).toBe(sent.length * CONFORMANCE_PACKET_LENGTH);
      expect(stats.qOpackets[0]).toBe(sent.length);
      expect(stats.oerrors).toBe(0);
      stop(ctx.port);
    });

    it(`counts what it receives (${rx})`, async () => {
      setUp();
      start(ctx.port);
      let expected: Uint32Array | undefined;
      if (rx === 'loopback') expected = Uint32Array.from(sendAll(0, CONFORMANCE_BURST));
      const frames = Array.from({ length: CONFORMANCE_BURST }, (_, i) => testFrame(i, CONFORMANCE_PACKET_LENGTH));
      if (rx === 'peer') await options.inject?.(frames, { eal: ctx.eal, port: ctx.port, instance: instance - 1 });
      const got = rx === 'peer' ? await receiveCount(0, CONFORMANCE_BURST) : receive(0, CONFORMANCE_BURST);
      const stats = statsGet(ctx.port);
      expect(stats.ipackets).toBe(got.length);
      expect(stats.qIpackets[0]).toBe(got.length);
      expect(stats.ibytes).toBe(packetLengths(ctx.eal, got).reduce((a, b) => a + b, 0));
      if (rx === 'none') expect(got.length).toBe(0);
      if (rx === 'loopback') expect([...got].sort()).toEqual([...(expected ?? [])].sort());
      if (rx === 'peer') {
        // Exactly the frames the peer sent, byte for byte, and nothing after them.
        const bytes = (f: Uint8Array): string => Buffer.from(f).toString('hex');
        expect([...got].map((h) => bytes(packetBytes(ctx.eal, h))).sort()).toEqual(frames.map(bytes).sort());
        expect(receive(0, 1).length).toBe(0);
      }
      if (rx === 'source') {
        expect(got.length).toBe(CONFORMANCE_BURST);
        if (options.sourcePacketLength !== undefined) expect(new Set(packetLengths(ctx.eal, got))).toEqual(new Set([options.sourcePacketLength]));
      }
      ctx.mbufs.freeBulk(got, got.length);
      stop(ctx.port);
    });

    it('statsReset and xstatsReset zero the counters', () => {
      setUp();
      start(ctx.port);
      sendAll(0, 8);
      const got = receive(0, 8);
      ctx.mbufs.freeBulk(got, got.length);
      statsReset(ctx.port);
      expect(statsGet(ctx.port)).toMatchObject({ ipackets: 0, opackets: 0, ibytes: 0, obytes: 0 });
      sendAll(0, 4);
      const more = receive(0, 4);
      ctx.mbufs.freeBulk(more, more.length);
      expect(xstatsGet(ctx.port).some((v) => v > 0)).toBe(true);
      xstatsReset(ctx.port);
      expect(statsGet(ctx.port)).toMatchObject({ ipackets: 0, opackets: 0, ibytes: 0, obytes: 0, imissed: 0, ierrors: 0, oerrors: 0, rxNombuf: 0 });
      const names = xstatsGetNames(ctx.port);
      expect(xstatsGet(ctx.port).flatMap((v, k) => (v === 0 ? [] : [`${names[k]} = ${v}`]))).toEqual([]);
      stop(ctx.port);
    });

    it('names extended statistics as DPDK and gives values that agree with the statistics', () => {
      setUp();
      start(ctx.port);
      sendAll(0, 16);
      const got = receive(0, 16);
      const names = xstatsGetNames(ctx.port);
      const values = xstatsGet(ctx.port);
      expect(new Set(names).size).toBe(names.length);
      expect(values.length).toBe(names.length);
      const x = new Map(names.map((n, k) => [n, values[k]]));
      const stats = statsGet(ctx.port);
      expect(x.get('rx_good_packets')).toBe(stats.ipackets);
      expect(x.get('tx_good_packets')).toBe(stats.opackets);
      expect(x.get('rx_good_bytes')).toBe(stats.ibytes);
      expect(x.get('tx_good_bytes')).toBe(stats.obytes);
      expect(x.get('rx_missed_errors')).toBe(stats.imissed);
      expect(x.get('rx_mbuf_allocation_errors')).toBe(stats.rxNombuf);
      expect(x.get('rx_q0_packets')).toBe(stats.qIpackets[0]);
      expect(x.get('tx_q0_packets')).toBe(stats.qOpackets[0]);
      expect(x.get('tx_q0_bytes')).toBe(stats.qObytes[0]);
      ctx.mbufs.freeBulk(got, got.length);
      stop(ctx.port);
    });

    it('returns every mbuf it holds to the pool at stop and at close', () => {
      setUp();
      start(ctx.port);
      sendAll(0, CONFORMANCE_BURST * 2);
      const got = receive(0, CONFORMANCE_BURST / 2);
      ctx.mbufs.freeBulk(got, got.length);
      stop(ctx.port);
      expect(ctx.pool.availCount(), 'after stop').toBe(CONFORMANCE_POOL_SIZE);
      start(ctx.port);
      sendAll(0, CONFORMANCE_BURST);
      stop(ctx.port);
      close(ctx.port);
      expect(ctx.pool.availCount(), 'after close').toBe(CONFORMANCE_POOL_SIZE);
    });

    it('reports the link, waiting or not', async () => {
      setUp();
      start(ctx.port);
      const link = await linkGet(ctx.port);
      expect(linkGetNowait(ctx.port)).toEqual(link);
      expect(link.speed).toBeGreaterThanOrEqual(0);
      if (linkFollowsStart) expect(link.up).toBe(true);
      stop(ctx.port);
      if (linkFollowsStart) expect(linkGetNowait(ctx.port).up).toBe(false);
    });

    it('toggles promiscuous mode, or refuses with NIC_ENOTSUP and keeps it', () => {
      for (const on of [true, false, true]) {
        const before = promiscuousGet(ctx.port);
        const code = errorCode(() => (on ? promiscuousEnable(ctx.port) : promiscuousDisable(ctx.port)));
        if (code === undefined) expect(promiscuousGet(ctx.port)).toBe(on);
        else {
          expect(code).toBe('NIC_ENOTSUP');
          expect(promiscuousGet(ctx.port)).toBe(before);
        }
      }
    });

    it('releases its port id at close, with a DESTROY event', () => {
      const destroyed: number[] = [];
      portCallbackRegister(ctx.port, EthEvent.DESTROY, (p) => void destroyed.push(p), undefined);
      const name = portName(ctx.port);
      close(ctx.port);
      expect(destroyed).toEqual([ctx.port]);
      expect(isValidPort(ctx.port)).toBe(false);
      expect(errorCode(() => portIdByName(name, ctx.eal))).toBe('NIC_ENODEV');
      expect(rxBurst(ctx.port, 0, new Uint32Array(1), 1)).toBe(0);
    });
  });
}
