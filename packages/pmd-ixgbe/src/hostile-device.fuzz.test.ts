/**
 * Fuzz targets: a hostile device writing descriptors, against the advanced-descriptor rings
 * of net_ixgbe and net_e1000_igb (both run `AdvRxQueue` and `AdvTxQueue` of @nic/intel-common).
 * The port is probed on its register model and started; then the test, not the model, plays
 * the device.
 *
 * Rx: the test writes write-back descriptors straight into the rx ring, with DD set and
 * everything else arbitrary (lengths past the buffer, stray status and error bits, EOP never
 * set, any packet type, RSS and VLAN words), and polls between writes. After each burst every
 * frame the driver delivered must be a well-formed chain whose segments lie inside their
 * buffers; after the port stops, every mbuf must be back in the pool. A reference count of
 * frames says how many the driver must deliver and how many it must count as errors.
 *
 * Tx: the model's transmit engine is switched off, and between bursts the test finishes some
 * descriptors as a device would (DD on those with RS) and writes arbitrary write-back words
 * into any descriptor, posted or not (stray DD and status bits, bogus lengths and command
 * bits). The tx path reads nothing of a descriptor but DD on the descriptors it asked a
 * report of, so there is nothing for it to count as an error; what must hold is that every
 * descriptor it posts says exactly what its segment holds (no stale write-back survives the
 * post, so the device is never sent outside a buffer), that it gives packets back whole and
 * oldest first, never one it does not hold, that its counters count what it took, and that
 * every mbuf is back in the pool once the port stops.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MBUF_DEFAULT_BUF_SIZE, MBUF_HEADROOM, MbufView, MEMPOOL_F_DEBUG, memzoneLookup, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import { configure, portIdByName, rxBurst, rxQueueSetup, start, statsGet, statsReset, stop, txBurst, txQueueSetup, TxOffload } from '@nic/ethdev';
import {
  DESC_SIZE,
  RXD_STAT_DD,
  RXD_STAT_EOP,
  TXD_ADDR_HI,
  TXD_ADDR_LO,
  TXD_CMD_TYPE_LEN,
  TXD_DCMD_DEXT,
  TXD_DCMD_EOP,
  TXD_DCMD_IFCS,
  TXD_DCMD_RS,
  TXD_DTYP_DATA,
  TXD_OLINFO_STATUS,
  TXD_PAYLEN_SHIFT,
  TXD_STAT_DD,
} from '@nic/intel-common';
import { queueZoneName } from '@nic/intel-common/driver';
import '@nic/pmd-igb';
import { netE1000IgbDriver, RXDEXT_ERR_FRAME } from '@nic/pmd-igb/driver';
import { fuzz, IgbModelBench, igbRegs, IxgbeModelBench, ixgbeRegs } from '@nic/test-kit';
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

/** One write of the device into the write-back words of a tx descriptor, posted or not. */
interface TxWriteBack {
  readonly slot: number;
  /** Into cmd_type_len: bogus lengths and command bits. */
  readonly cmd: number;
  /** Into olinfo_status: stray DD and status bits. */
  readonly status: number;
}

/** A tx step: a burst offered (each packet its segments' lengths), then the device's turn. */
interface TxStep {
  readonly packets: readonly (readonly number[])[];
  /** Descriptors the device finishes as a device would, from its head: DD on those with RS. */
  readonly finish: number;
  readonly writes: readonly TxWriteBack[];
}

const txWriteBack: fc.Arbitrary<TxWriteBack> = fc.record({
  slot: fc.integer({ min: 0, max: RING - 1 }),
  cmd: fc.oneof(fc.constant(0), u32),
  status: fc.oneof(fc.constant(TXD_STAT_DD), u32),
});
/** Tx steps whose packets have at most `maxSegs` segments. */
const txSteps = (maxSegs: number): fc.Arbitrary<TxStep[]> =>
  fc.array(
    fc.record({
      packets: fc.array(fc.array(fc.integer({ min: 1, max: ROOM }), { minLength: 1, maxLength: maxSegs }), { maxLength: BURST }),
      finish: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: RING })),
      writes: fc.array(txWriteBack, { maxLength: 8 }),
    }),
    { maxLength: 12 },
  );
/** Segments a packet has at most on the general tx path here (the fast-free path takes one). */
const TX_MAX_SEGS = 3;
/** Command bits every data descriptor the tx path posts carries. */
const TX_DATA_CMD = TXD_DTYP_DATA | TXD_DCMD_DEXT | TXD_DCMD_IFCS;
const TX_LENGTH_MASK = 0xffff;
const TWO_32 = 2 ** 32;

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
  { name: 'net_ixgbe', family: 'ixgbe', bench: () => IxgbeModelBench.create({ ports: 1 }), driver: netIxgbeDriver, errMask: RXDADV_ERR_FRAME, regs: ixgbeRegs },
  { name: 'net_e1000_igb', family: 'igb', bench: () => IgbModelBench.create({ ports: 1 }), driver: netE1000IgbDriver, errMask: RXDEXT_ERR_FRAME, regs: igbRegs },
];

describe.each(families)('$name against a hostile device', ({ name, family, bench: createBench, driver, errMask, regs }) => {
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
    setUp(0);
  });

  /** Configures the stopped port with one queue pair and the tx offloads `txOffloads`. */
  function setUp(txOffloads: number): void {
    configure(port, 1, 1, { txMode: { offloads: txOffloads } });
    rxQueueSetup(port, 0, RING, undefined, pool);
    txQueueSetup(port, 0, RING);
  }

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

  it('rx: delivers only well-formed frames inside their buffers, counts the rest as errors, and loses no mbuf', async () => {
    setUp(0);
    await fuzz(`${name} rx descriptors`, (s) => fc.assert(fc.property(steps, play), s));
  });

  it('rx: drops a frame whose segment reports more bytes than its buffer holds, and counts it (found by the fuzz target)', () => {
    setUp(0);
    const d = (status: number, length: number): HostileDescriptor => ({ info: 0, rss: 0, status, length, vlan: 0 });
    play([{ writes: [d(RXD_STAT_EOP, ROOM + 1), d(0, ROOM), d(RXD_STAT_EOP, 0xffff), d(RXD_STAT_EOP, 60)], burst: BURST }]);
    expect(statsGet(port)).toMatchObject({ ipackets: 1, ibytes: 60, qErrors: [2] });
  });
  /** A packet from the pool whose segments hold `lengths` bytes each; its head. */
  function txPacket(lengths: readonly number[]): number {
    const head = mbufs.alloc(pool);
    mbufs.append(head, lengths[0]);
    for (let i = 1; i < lengths.length; i++) {
      const seg = mbufs.alloc(pool);
      mbufs.append(seg, lengths[i]);
      expect(mbufs.chain(head, seg)).toBe(0);
    }
    return head;
  }

  /**
   * What is wrong with the descriptors from `from` up to `to` (the tail before and after a
   * burst), which must describe the segments of `packets` in order, or ''.
   */
  function postFault(ring: number, from: number, to: number, packets: Uint32Array, n: number): string {
    const a32 = eal.arena.u32;
    let slot = from;
    for (let i = 0; i < n; i++) {
      const pktLen = mbufs.pktLen(packets[i]);
      for (let seg = packets[i]; seg !== 0; seg = mbufs.next(seg)) {
        if (slot === to) return `packet ${i}: the tail stops before its segments end`;
        const w = (ring + slot * DESC_SIZE) >>> 2;
        const address = a32[w + (TXD_ADDR_HI >>> 2)] * TWO_32 + a32[w + (TXD_ADDR_LO >>> 2)];
        const cmd = a32[w + (TXD_CMD_TYPE_LEN >>> 2)];
        const status = a32[w + (TXD_OLINFO_STATUS >>> 2)];
        const last = mbufs.next(seg) === 0;
        if (address !== mbufs.dataIova(seg)) return `slot ${slot}: address ${address}, segment data at ${mbufs.dataIova(seg)}`;
        if ((cmd & TX_LENGTH_MASK) !== mbufs.dataLen(seg)) return `slot ${slot}: length ${cmd & TX_LENGTH_MASK}, segment holds ${mbufs.dataLen(seg)}`;
        if ((cmd & TX_DATA_CMD) !== TX_DATA_CMD || ((cmd & TXD_DCMD_EOP) !== 0) !== last) return `slot ${slot}: cmd_type_len 0x${cmd.toString(16)}`;
        if ((status & TXD_STAT_DD) !== 0 || status >>> TXD_PAYLEN_SHIFT !== pktLen) return `slot ${slot}: olinfo_status 0x${status.toString(16)} for a ${pktLen}-byte packet`;
        slot = (slot + 1) % RING;
      }
    }
    return slot === to ? '' : `the tail is ${to}, the segments end at ${slot}`;
  }

  /**
   * Plays `input` on a started port, its model's transmit engine off so that only the test
   * writes back, and checks each post, the mbufs the driver holds, the counters and the pool.
   */
  function playTx(input: readonly TxStep[]): void {
    const before = pool.availCount();
    const model = bench.models[0].u32;
    const [tdh, tdt, txdctl] = [regs.TDH(0) >>> 2, regs.TDT(0) >>> 2, regs.TXDCTL(0) >>> 2];
    start(port);
    model[txdctl] &= ~regs.TXDCTL_ENABLE;
    statsReset(port);
    const a32 = eal.arena.u32;
    const ring = memzoneLookup(eal.arena, queueZoneName(family, port, 'tx', 0)).offset;
    const burst = new Uint32Array(BURST);
    /** The mbufs of the rx ring, which nothing polls here. */
    const rxHeld = pool.inUseCount();
    /** Segment counts of the packets the driver took and may still hold, oldest first. */
    let held: number[] = [];
    let sent = 0;
    let bytes = 0;
    try {
      for (const step of input) {
        const n = step.packets.length;
        for (let i = 0; i < n; i++) burst[i] = txPacket(step.packets[i]);
        const from = model[tdt];
        const took = txBurst(port, 0, burst, n);
        expect(took).toBeGreaterThanOrEqual(0);
        expect(took).toBeLessThanOrEqual(n);
        expect(postFault(ring, from, model[tdt], burst, took)).toBe('');
        for (let i = 0; i < took; i++) {
          held.push(mbufs.nbSegs(burst[i]));
          sent++;
          bytes += mbufs.pktLen(burst[i]);
        }
        mbufs.freeBulk(burst, n - took, took);
        // The device: finishes descriptors from its head up to the tail, then writes anywhere.
        let head = model[tdh];
        for (let k = 0; k < step.finish && head !== model[tdt]; k++, head = (head + 1) % RING) {
          const w = (ring + head * DESC_SIZE) >>> 2;
          if ((a32[w + (TXD_CMD_TYPE_LEN >>> 2)] & TXD_DCMD_RS) !== 0) a32[w + (TXD_OLINFO_STATUS >>> 2)] |= TXD_STAT_DD;
        }
        model[tdh] = head;
        for (const wb of step.writes) {
          const w = (ring + wb.slot * DESC_SIZE) >>> 2;
          a32[w + (TXD_CMD_TYPE_LEN >>> 2)] = wb.cmd;
          a32[w + (TXD_OLINFO_STATUS >>> 2)] = wb.status;
        }
        // What the driver holds is what it took less whole packets, oldest first.
        const inUse = pool.inUseCount() - rxHeld;
        let suffix = held.reduce((a, b) => a + b, 0);
        let freed = 0;
        while (freed < held.length && suffix > inUse) suffix -= held[freed++];
        expect(suffix, `the driver holds ${inUse} mbufs, its packets ${held.join(',')}`).toBe(inUse);
        held = held.slice(freed);
      }
      expect(statsGet(port)).toMatchObject({ opackets: sent, obytes: bytes, oerrors: 0 });
    } finally {
      // the device has sent everything, so stopping does not wait for it
      model[tdh] = model[tdt];
      stop(port);
    }
    expect(pool.availCount()).toBe(before);
    expect(pool.audit()).toMatchObject({ doubleFree: [], foreign: [], badState: [], ok: true });
  }

  it.each([
    ['on the general path (chains)', 0, TX_MAX_SEGS],
    ['with MBUF_FAST_FREE (one segment per packet)', TxOffload.MBUF_FAST_FREE, 1],
  ])('tx %s: posts exactly its segments, frees whole packets oldest first, counts what it took, and loses no mbuf', async (_path, offloads, maxSegs) => {
    setUp(offloads);
    await fuzz(`${name} tx write-backs ${offloads === 0 ? 'general' : 'fast-free'}`, (s) => fc.assert(fc.property(txSteps(maxSegs), playTx), s));
  });
});
