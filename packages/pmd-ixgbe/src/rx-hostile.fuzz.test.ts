/**
 * Fuzz target: a hostile device writing rx descriptors, against the advanced-descriptor
 * receive path of net_ixgbe and net_e1000_igb (both run `AdvRxQueue` of @nic/intel-common).
 *
 * The port is probed on its register model and started; then the test, not the model, plays
 * the device: it writes write-back descriptors straight into the rx ring, with DD set and
 * everything else arbitrary (lengths past the buffer, stray status and error bits, EOP never
 * set, any packet type, RSS and VLAN words), and polls between writes. After each burst every
 * frame the driver delivered must be a well-formed chain whose segments lie inside their
 * buffers; after the port stops, every mbuf must be back in the pool. A reference count of
 * frames says how many the driver must deliver and how many it must count as errors.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MBUF_DEFAULT_BUF_SIZE, MBUF_HEADROOM, MbufView, MEMPOOL_F_DEBUG, memzoneLookup, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import { configure, portIdByName, rxBurst, rxQueueSetup, start, statsGet, statsReset, stop, txQueueSetup } from '@nic/ethdev';
import { DESC_SIZE, RXD_STAT_DD, RXD_STAT_EOP } from '@nic/intel-common';
import { queueZoneName } from '@nic/intel-common/driver';
import '@nic/pmd-igb';
import { netE1000IgbDriver, RXDEXT_ERR_FRAME } from '@nic/pmd-igb/driver';
import { fuzz, IgbModelBench, IxgbeModelBench } from '@nic/test-kit';
import { RXDADV_ERR_FRAME } from './base/desc.js';
import { netIxgbeDriver } from './index.js';

const RING = 64;
const POOL_SIZE = 1023;
const BURST = 32;
/** Bytes a receive buffer holds past the headroom. */
const ROOM = MBUF_DEFAULT_BUF_SIZE - MBUF_HEADROOM;
/** Descriptors one fuzz input writes at most: a chain that never ends takes one mbuf each. */
const MAX_WRITES = 400;

/** One write-back descriptor as a hostile device writes it (DD is always added). */
interface HostileDescriptor {
  readonly info: number;
  readonly rss: number;
  readonly status: number;
  readonly length: number;
  readonly vlan: number;
}

/** A step of the device: descriptors written, then one poll of `burst`. */
interface Step {
  readonly writes: readonly HostileDescriptor[];
  readonly burst: number;
}

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const descriptor: fc.Arbitrary<HostileDescriptor> = fc.record({
  info: u32,
  rss: u32,
  // mostly EOP and no error, with every other bit possible
  status: fc.oneof(fc.constant(RXD_STAT_EOP), fc.constant(0), u32),
  length: fc.oneof(fc.integer({ min: 0, max: ROOM }), fc.integer({ min: ROOM + 1, max: 0xffff }), fc.constantFrom(0, ROOM, ROOM + 1, 0xffff)),
  vlan: u16,
});
const steps = fc.array(fc.record({ writes: fc.array(descriptor, { maxLength: RING - 1 }), burst: fc.integer({ min: 1, max: BURST }) }), { maxLength: 12 }).filter(
  (s) => s.reduce((n, step) => n + step.writes.length, 0) <= MAX_WRITES,
);

/** What a correct driver does with the descriptors it takes, in order. */
class Reference {
  delivered = 0;
  dropped = 0;
  #bad = false;

  constructor(private readonly errMask: number) {}

  take(d: HostileDescriptor): void {
    if (d.length > ROOM) this.#bad = true;
    if ((d.status & RXD_STAT_EOP) === 0) return;
    if (this.#bad || (d.status & this.errMask) !== 0) this.dropped++;
    else this.delivered++;
    this.#bad = false;
  }
}

const families = [
  { name: 'net_ixgbe', family: 'ixgbe', bench: () => IxgbeModelBench.create({ ports: 1 }), driver: netIxgbeDriver, errMask: RXDADV_ERR_FRAME },
  { name: 'net_e1000_igb', family: 'igb', bench: () => IgbModelBench.create({ ports: 1 }), driver: netE1000IgbDriver, errMask: RXDEXT_ERR_FRAME },
];

describe.each(families)('$name rx against a hostile device', ({ name, family, bench: createBench, driver, errMask }) => {
  let bench: Awaited<ReturnType<typeof createBench>>;
  let eal: Eal;
  let pool: Mempool;
  let mbufs: MbufView;
  let port: number;

  beforeAll(async () => {
    bench = await createBench();
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [driver] });
    pool = pktmbufPoolCreate(eal.arena, `hostile_${name}`, POOL_SIZE, 0, 0, MBUF_DEFAULT_BUF_SIZE, MEMPOOL_F_DEBUG);
    mbufs = new MbufView(eal.arena);
    port = portIdByName(bench.addresses[0], eal);
    configure(port, 1, 1, {});
    rxQueueSetup(port, 0, RING, undefined, pool);
    txQueueSetup(port, 0, RING);
  });

  afterAll(async () => {
    await eal?.cleanup();
    await bench?.close();
  });

  /** What is wrong with one delivered frame (a chain of in-buffer segments whose lengths add up), or ''. */
  function frameFault(m: number): string {
    let segs = 0;
    let bytes = 0;
    for (let s = m; s !== 0 && segs <= POOL_SIZE; s = mbufs.next(s)) {
      if (mbufs.dataOff(s) !== MBUF_HEADROOM) return `segment ${segs}: data_off ${mbufs.dataOff(s)}`;
      if (mbufs.dataOff(s) + mbufs.dataLen(s) > mbufs.bufLen(s)) return `segment ${segs}: data_len ${mbufs.dataLen(s)} past its ${mbufs.bufLen(s)}-byte buffer`;
      bytes += mbufs.dataLen(s);
      segs++;
    }
    if (mbufs.nbSegs(m) !== segs) return `nb_segs ${mbufs.nbSegs(m)}, chain of ${segs}`;
    if (mbufs.pktLen(m) !== bytes) return `pkt_len ${mbufs.pktLen(m)}, segments add up to ${bytes}`;
    return '';
  }

  /** Plays `input` on a started port and checks every frame, the counters and the pool. */
  function play(input: readonly Step[]): void {
    const before = pool.availCount();
    start(port);
    statsReset(port);
    const a32 = eal.arena.u32;
    const ring = memzoneLookup(eal.arena, queueZoneName(family, port, 'rx', 0)).offset;
    const reference = new Reference(errMask);
    const handles = new Uint32Array(BURST);
    let device = 0;
    let written: HostileDescriptor[] = [];
    try {
      for (const step of input) {
        // the device writes only descriptors the driver owns no more (RDT stays behind RDH)
        const writes = step.writes.slice(0, RING - 1 - written.length);
        for (const d of writes) {
          const w = (ring + device * DESC_SIZE) >>> 2;
          a32[w] = d.info;
          a32[w + 1] = d.rss;
          a32[w + 3] = (d.length | (d.vlan << 16)) >>> 0;
          a32[w + 2] = (d.status | RXD_STAT_DD) >>> 0;
          device = (device + 1) % RING;
        }
        written = written.concat(writes);
        const got = rxBurst(port, 0, handles, step.burst);
        const taken = written.splice(0, Math.min(step.burst, written.length));
        for (const d of taken) reference.take(d);
        const faults: string[] = [];
        for (let i = 0; i < got; i++) {
          faults.push(frameFault(handles[i]));
          mbufs.free(handles[i]);
        }
        expect(faults.filter((f) => f !== '')).toEqual([]);
      }
      const stats = statsGet(port);
      expect(stats.ipackets).toBe(reference.delivered);
      expect(stats.qErrors[0]).toBe(reference.dropped);
    } finally {
      stop(port);
    }
    expect(pool.availCount()).toBe(before);
  }

  it('delivers only well-formed frames inside their buffers, counts the rest as errors, and loses no mbuf', async () => {
    await fuzz(`${name} rx descriptors`, (s) => fc.assert(fc.property(steps, play), s));
  });

  it('drops a frame whose segment reports more bytes than its buffer holds, and counts it (found by the fuzz target)', () => {
    const d = (status: number, length: number): HostileDescriptor => ({ info: 0, rss: 0, status, length, vlan: 0 });
    play([{ writes: [d(RXD_STAT_EOP, ROOM + 1), d(0, ROOM), d(RXD_STAT_EOP, 0xffff), d(RXD_STAT_EOP, 60)], burst: BURST }]);
    expect(statsGet(port)).toMatchObject({ ipackets: 1, ibytes: 60, qErrors: [2] });
  });
});
