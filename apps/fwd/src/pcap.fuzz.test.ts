/**
 * Fuzz target: nic-fwd's pcap writer (`--pcap`) over packets as they come from outside: any
 * length, chains of any shape, a packet length that disagrees with its segments, any snap
 * length, bursts of which the tx queue took any prefix. The file is then read by the pcap
 * format's rules: the global header, then, for each packet the tx queue took, in order, one
 * record whose captured length is the bytes the segments hold up to the packet length and the
 * snap length, whose original length is the packet length, and whose bytes are the segments'.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MbufView, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import { fuzz } from '@nic/native/testing';
import { lcoreArgs } from '@nic/test-kit/models';
import { testEal } from './__fixtures__/harness.js';
import { createPcapFile, LINKTYPE_ETHERNET, PCAP_GLOBAL_HDR_LEN, PCAP_MAGIC, PCAP_RECORD_HDR_LEN, PCAP_SNAPLEN, PcapWriter } from './pcap.js';

/** Most packets per burst (the writer's `burst`). */
const BURST = 8;
/** Most segments per packet. */
const MAX_SEGS = 4;
/** Mbufs of the pool: a whole burst of the longest chains fits. */
const POOL_SIZE = 63;

/** One packet: its segments' data lengths, and its packet length (their sum, or anything). */
interface PacketSpec {
  readonly segs: readonly number[];
  readonly pktLen: number | undefined;
  readonly seed: number;
}

let eal: Eal;
let pool: Mempool;
let mbufs: MbufView;
let dir: string;

beforeAll(async () => {
  eal = await testEal('pcap-fuzz', lcoreArgs(1));
  pool = pktmbufPoolCreate(eal.arena, 'pcap_fuzz', POOL_SIZE, 0);
  mbufs = new MbufView(eal.arena);
  dir = mkdtempSync(join(tmpdir(), 'nic-pcap-fuzz-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await eal?.cleanup();
});

describe('the pcap writer over packets from outside', () => {
  it('writes exactly the packets the tx queue took, each as its segments hold it up to the snap length', async () => {
    const probe = mbufs.alloc(pool);
    const maxData = mbufs.tailroom(probe);
    mbufs.free(probe);
    const packet: fc.Arbitrary<PacketSpec> = fc.record({
      segs: fc.array(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 80 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: maxData }), weight: 1 }), { minLength: 1, maxLength: MAX_SEGS }),
      pktLen: fc.option(fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 0xffffffff })), { freq: 3 }),
      seed: fc.integer({ min: 0, max: 255 }),
    });
    const input = fc.record({
      snaplen: fc.oneof(fc.constant(PCAP_SNAPLEN), fc.integer({ min: 1, max: 300 })),
      // each burst: its packets, and how many the tx queue took (modulo the burst's size + 1)
      bursts: fc.array(fc.record({ packets: fc.array(packet, { minLength: 1, maxLength: BURST }), taken: fc.nat() }), { maxLength: 5 }),
    });
    let file = 0;
    await fuzz('nic-fwd pcap writer', (s) =>
      fc.assert(
        fc.property(input, ({ snaplen, bursts }) => {
          const path = join(dir, `${file++ % 4}.pcap`);
          createPcapFile(path, snaplen);
          const writer = new PcapWriter(path, BURST, mbufs, eal.arena.u8, snaplen);
          const expected: { origLen: number; bytes: string }[] = [];
          const handles = new Uint32Array(BURST);
          try {
            for (const burst of bursts) {
              const n = burst.packets.length;
              for (let i = 0; i < n; i++) handles[i] = build(burst.packets[i]);
              writer.stage(handles, n);
              const taken = burst.taken % (n + 1);
              writer.commit(taken);
              for (let i = 0; i < taken; i++) expected.push(expectedRecord(handles[i], snaplen));
              for (let i = 0; i < n; i++) mbufs.free(handles[i]);
            }
          } finally {
            writer.close();
          }
          expect(readPcap(readFileSync(path), snaplen)).toEqual(expected);
          expect(pool.availCount()).toBe(POOL_SIZE);
        }),
        s,
      ),
    );
  });
});

/** A chain as `spec` says, its bytes a pattern from `spec.seed`. */
function build(spec: PacketSpec): number {
  let head = 0;
  let total = 0;
  for (const len of spec.segs) {
    const seg = mbufs.alloc(pool);
    const at = mbufs.mtod(seg);
    for (let k = 0; k < len; k++) eal.arena.u8[at + k] = (spec.seed + total + k * 7) & 0xff;
    mbufs.setDataLen(seg, len);
    mbufs.setPktLen(seg, len);
    total += len;
    if (head === 0) head = seg;
    else expect(mbufs.chain(head, seg)).toBe(0);
  }
  mbufs.setPktLen(head, spec.pktLen ?? total);
  return head;
}

/** The record a correct writer makes of `h`: the segments' bytes, at most the packet length and the snap length. */
function expectedRecord(h: number, snaplen: number): { origLen: number; bytes: string } {
  const origLen = mbufs.pktLen(h);
  const parts: number[] = [];
  for (let seg = h; seg !== 0; seg = mbufs.next(seg)) {
    const at = mbufs.mtod(seg);
    for (let k = 0; k < mbufs.dataLen(seg); k++) parts.push(eal.arena.u8[at + k]);
  }
  return { origLen, bytes: Buffer.from(parts.slice(0, Math.min(origLen, snaplen))).toString('hex') };
}

/** The records of a pcap file, read by the format's rules (little-endian, microseconds); bytes in hex (quick to compare). */
function readPcap(file: Buffer, snaplen: number): { origLen: number; bytes: string }[] {
  expect(file.readUInt32LE(0)).toBe(PCAP_MAGIC);
  expect([file.readUInt16LE(4), file.readUInt16LE(6), file.readUInt32LE(16), file.readUInt32LE(20)]).toEqual([2, 4, snaplen, LINKTYPE_ETHERNET]);
  const records = [];
  for (let at = PCAP_GLOBAL_HDR_LEN; at < file.length; ) {
    expect(at + PCAP_RECORD_HDR_LEN).toBeLessThanOrEqual(file.length);
    expect(file.readUInt32LE(at + 4)).toBeLessThan(1_000_000);
    const incl = file.readUInt32LE(at + 8);
    expect(incl).toBeLessThanOrEqual(snaplen);
    const origLen = file.readUInt32LE(at + 12);
    at += PCAP_RECORD_HDR_LEN;
    expect(at + incl).toBeLessThanOrEqual(file.length);
    records.push({ origLen, bytes: file.subarray(at, at + incl).toString('hex') });
    at += incl;
  }
  return records;
}
