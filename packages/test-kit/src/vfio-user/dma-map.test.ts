/**
 * DMA_MAP and DMA_UNMAP against a reference: random maps of guest-memory pages (as a vIOMMU
 * sends them, one fd per message, any order), fd-less maps, range unmaps that cut maps apart,
 * and UNMAP_ALL; after each sequence every page the model reaches must be exactly the page of
 * the file the reference says, and nothing else reachable.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IgbModel } from '../igb/model.js';
import { dispatch } from './connection.js';
import { VfioUserDevice } from './device.js';
import { Command, DMA_MAP_READ, DMA_MAP_WRITE, DMA_UNMAP_ALL, Errno, FLAG_ERROR, HEADER_ERROR, HEADER_FLAGS } from './protocol.js';

const PAGE = 4096;
/** Pages of the IOVA space the test maps into, and of the memory file. */
const SPACE = 48;
const FILE_PAGES = 64;
const IOVA_BASE = 0x4000_0000;
const VERSION = new Uint8Array([0, 0, 0, 0, 0x7b, 0x7d, 0]);

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vfio-user-dma-'));
  file = join(dir, 'ram');
  const fd = openSync(file, 'w+');
  ftruncateSync(fd, FILE_PAGES * PAGE);
  // Every page of the file says which it is.
  for (let p = 0; p < FILE_PAGES; p++) writeSync(fd, new Uint8Array(new Uint32Array([0xfeed0000 + p]).buffer), 0, 4, p * PAGE + 8);
  closeSync(fd);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function le(...fields: [4 | 8, number][]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, [b]) => n + b, 0));
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [b, x] of fields) {
    if (b === 8) v.setBigUint64(at, BigInt(x), true);
    else v.setUint32(at, x, true);
    at += b;
  }
  return out;
}

/** The errno of `device`'s reply to a request, 0 for success. */
function request(device: VfioUserDevice, command: number, payload: Uint8Array, fds: number[] = []): number {
  const reply = dispatch(device, { id: 1, command, flags: 0, payload }, fds) as Uint8Array;
  const v = new DataView(reply.buffer);
  return (v.getUint32(HEADER_FLAGS, true) & FLAG_ERROR) !== 0 ? v.getUint32(HEADER_ERROR, true) : 0;
}

function map(device: VfioUserDevice, page: number, pages: number, filePage: number | undefined): number {
  const fds = filePage === undefined ? [] : [openSync(file, 'r+')];
  const flags = filePage === undefined ? DMA_MAP_READ : DMA_MAP_READ | DMA_MAP_WRITE;
  return request(device, Command.DMA_MAP, le([4, 32], [4, flags], [8, (filePage ?? 0) * PAGE], [8, IOVA_BASE + page * PAGE], [8, pages * PAGE]), fds);
}

type Op = { kind: 'map'; page: number; pages: number; filePage: number | undefined } | { kind: 'unmap'; at: number; bytes: number } | { kind: 'all' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('map' as const), page: fc.nat({ max: SPACE - 1 }), pages: fc.integer({ min: 1, max: 6 }), filePage: fc.option(fc.nat({ max: FILE_PAGES - 6 }), { freq: 6, nil: undefined }) }) },
  // Unmaps at page granularity (what QEMU sends), through several maps or inside one.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('unmap' as const), at: fc.nat({ max: SPACE - 1 }), bytes: fc.integer({ min: 1, max: 10 }) }).map((u) => ({ ...u, at: u.at * PAGE, bytes: u.bytes * PAGE })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'all' as const }) },
);

describe('vfio-user DMA_MAP/DMA_UNMAP against a page-by-page reference', () => {
  it('reaches exactly the file pages mapped, after any sequence of maps, cutting unmaps and UNMAP_ALL; one mapping of the file', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const model = new IgbModel();
        const device = new VfioUserDevice(model);
        dispatch(device, { id: 0, command: Command.VERSION, flags: 0, payload: VERSION }, []);
        /** Per IOVA page: the file page behind it, 'rom' for an fd-less map, undefined when unmapped. */
        const pages: (number | 'rom' | undefined)[] = new Array(SPACE).fill(undefined);
        for (const o of ops) {
          if (o.kind === 'map') {
            const pages_ = Math.min(o.pages, SPACE - o.page);
            const free = pages.slice(o.page, o.page + pages_).every((p) => p === undefined);
            expect(map(device, o.page, pages_, o.filePage)).toBe(free ? 0 : Errno.EEXIST);
            if (free) for (let i = 0; i < pages_; i++) pages[o.page + i] = o.filePage === undefined ? 'rom' : o.filePage + i;
          } else if (o.kind === 'unmap') {
            expect(request(device, Command.DMA_UNMAP, le([4, 24], [4, 0], [8, IOVA_BASE + o.at], [8, o.bytes]))).toBe(0);
            for (let p = o.at / PAGE; p < Math.min(SPACE, (o.at + o.bytes) / PAGE); p++) pages[p] = undefined;
          } else {
            expect(request(device, Command.DMA_UNMAP, le([4, 24], [4, DMA_UNMAP_ALL], [8, 0], [8, 0]))).toBe(0);
            pages.fill(undefined);
          }
        }
        const word = new Uint8Array(4);
        for (let p = 0; p < SPACE; p++) {
          const reached = model.dma.read(IOVA_BASE + p * PAGE + 8, word, 0, 4, 'probe');
          const want = pages[p];
          expect(reached).toBe(typeof want === 'number');
          if (typeof want === 'number') expect(new Uint32Array(word.buffer)[0]).toBe(0xfeed0000 + want);
        }
        // The maps the device lists cover exactly the mapped pages, reachable where a file is behind them.
        const listed: (boolean | undefined)[] = new Array(SPACE).fill(undefined);
        for (const m of device.dmaMaps) for (let a = m.iova; a < m.iova + m.size; a += PAGE) listed[(a - IOVA_BASE) / PAGE] = m.reachable;
        expect(listed).toEqual(pages.map((p) => (p === undefined ? undefined : p !== 'rom')));
        expect(device.mappedFiles).toBeLessThanOrEqual(1);
        device.close();
        expect(model.dma.windowCount).toBe(0);
        expect(device.mappedFiles).toBe(0);
      }),
      { numRuns: 150, seed: 2026 }
    );
  });

  it('refuses a range past the end of its file, an fd that is no file, and a range beyond 2^53', () => {
    const device = new VfioUserDevice(new IgbModel());
    dispatch(device, { id: 0, command: Command.VERSION, flags: 0, payload: VERSION }, []);
    expect(map(device, 0, 2, FILE_PAGES - 1)).toBe(Errno.EINVAL);
    const dirFd = openSync(dir, 'r');
    expect(request(device, Command.DMA_MAP, le([4, 32], [4, 3], [8, 0], [8, IOVA_BASE], [8, PAGE]), [dirFd])).toBe(Errno.EINVAL);
    expect(request(device, Command.DMA_MAP, le([4, 32], [4, 3], [8, 0], [8, 2 ** 53 - PAGE], [8, 2 * PAGE]), [openSync(file, 'r+')])).toBe(Errno.EINVAL);
    expect(request(device, Command.DMA_UNMAP, le([4, 24], [4, 0], [8, 2 ** 63], [8, 2 ** 63 + PAGE]))).toBe(Errno.EINVAL);
    expect(device.dmaMaps).toEqual([]);
    device.close();
  });

  it('takes an unmap reaching past 2^53 (QEMU sends a whole 64-bit IOMMU window as two 2^63 halves) as covering what lies below', () => {
    const device = new VfioUserDevice(new IgbModel());
    dispatch(device, { id: 0, command: Command.VERSION, flags: 0, payload: VERSION }, []);
    expect(map(device, 0, 2, 0)).toBe(0);
    expect(request(device, Command.DMA_UNMAP, le([4, 24], [4, 0], [8, 2 ** 63], [8, 2 ** 63]))).toBe(0);
    expect(device.dmaMaps).toHaveLength(1);
    expect(request(device, Command.DMA_UNMAP, le([4, 24], [4, 0], [8, 0], [8, 2 ** 63]))).toBe(0);
    expect(device.dmaMaps).toEqual([]);
    device.close();
  });
});
