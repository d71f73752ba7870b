import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapFile, type MemoryMapping } from '@nic/native';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DmaSpace } from './dma.js';

const PAGE = 4096;
let dir: string;
let file: string;
let memory: MemoryMapping;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dma-space-'));
  file = join(dir, 'ram');
  const fd = openSync(file, 'w+');
  ftruncateSync(fd, 8 * PAGE);
  closeSync(fd);
  memory = mapFile(file, { writable: true });
});

afterEach(() => {
  memory.unmap();
  rmSync(dir, { recursive: true, force: true });
});

/** `length` bytes at `offset` of the memory file, read through the file. */
function fileBytes(offset: number, length: number): number[] {
  const fd = openSync(file, 'r');
  const out = Buffer.alloc(length);
  readSync(fd, out, 0, length, offset);
  closeSync(fd);
  return [...out];
}

describe('DmaSpace', () => {
  it('reaches windows into one memory through its buffer, and refuses overlaps and windows outside it', () => {
    const dma = new DmaSpace();
    dma.map({ vaddr: memory.address + 3 * PAGE, iova: 0x10000, length: PAGE }, memory);
    expect(dma.write(0x10010, new Uint8Array([7, 8]), 'test')).toBe(true);
    expect(fileBytes(3 * PAGE + 0x10, 2)).toEqual([7, 8]);
    expect(() => dma.map({ vaddr: memory.address, iova: 0x10800, length: PAGE }, memory)).toThrow(expect.objectContaining({ code: 'NIC_EEXIST' }));
    expect(() => dma.map({ vaddr: memory.address + 8 * PAGE, iova: 0x20000, length: PAGE }, memory)).toThrow(TypeError);
    expect(() => dma.map({ vaddr: memory.address, iova: 0x20000, length: 0 })).toThrow(TypeError);
    expect(dma.windowCount).toBe(1);
  });

  it.each([
    ['exactly 4 GiB (a 4 GiB guest: viewed whole)', 0],
    ['more than 4 GiB (viewed window by window)', 2 * PAGE],
  ])('reads and writes descriptor dwords at the far end of a memory of %s', (_, extra) => {
    // A sparse file: the mapping costs address space, not memory.
    const big = join(dir, 'guest-ram');
    const fd = openSync(big, 'w+');
    const size = 4 * 1024 * 1024 * 1024 + extra;
    ftruncateSync(fd, size);
    closeSync(fd);
    const ram = mapFile(big, { writable: true });
    try {
      const dma = new DmaSpace();
      // A window at the end of the file, where QEMU's DMA_MAP of the RAM above 4 GiB points.
      dma.map({ vaddr: ram.address + size - 2 * PAGE, iova: 0x1_0000_0000, length: 2 * PAGE }, ram);
      expect(dma.writeDwords(0x1_0000_0000 + PAGE, new Uint32Array([0x11223344, 0x55667788]), 'test')).toBe(true);
      const back = new Uint32Array(2);
      expect(dma.readDwords(0x1_0000_0000 + PAGE, back, 'test')).toBe(true);
      expect([...back]).toEqual([0x11223344, 0x55667788]);
      expect(dma.write(0x1_0000_0000 + 2 * PAGE - 1, new Uint8Array([9]), 'test')).toBe(true);
      expect(dma.faults).toBe(0);
      const fd2 = openSync(big, 'r');
      const seen = Buffer.alloc(PAGE);
      readSync(fd2, seen, 0, PAGE, size - PAGE);
      closeSync(fd2);
      expect([seen.readUInt32LE(0), seen.readUInt32LE(4), seen[PAGE - 1]]).toEqual([0x11223344, 0x55667788, 9]);
    } finally {
      ram.unmap();
    }
  });

  it('splits an access across IOVA-neighbouring windows that lie apart in memory, as an IOMMU does', () => {
    const dma = new DmaSpace();
    // IOVA pages 0x40000 and 0x41000 are memory pages 5 and 2.
    dma.map({ vaddr: memory.address + 5 * PAGE, iova: 0x40000, length: PAGE }, memory);
    dma.map({ vaddr: memory.address + 2 * PAGE, iova: 0x41000, length: PAGE }, memory);
    const frame = Uint8Array.from({ length: 100 }, (_, i) => i + 1);
    expect(dma.write(0x41000 - 40, frame, 'buffer')).toBe(true);
    expect(fileBytes(6 * PAGE - 40, 40)).toEqual([...frame.subarray(0, 40)]);
    expect(fileBytes(2 * PAGE, 60)).toEqual([...frame.subarray(40)]);
    const back = new Uint8Array(102);
    expect(dma.read(0x41000 - 40, back, 2, 100, 'buffer')).toBe(true);
    expect([...back.subarray(2)]).toEqual([...frame]);
    expect(dma.faults).toBe(0);
    // Descriptors never cross a page: dword accesses stay within one window.
    expect(dma.readDwords(0x41000 - 8, new Uint32Array(4), 'descriptor')).toBe(false);
    expect(dma.faults).toBe(1);
  });

  it('faults an access with a gap in it, and writes none of it', () => {
    const dma = new DmaSpace();
    dma.map({ vaddr: memory.address, iova: 0x40000, length: PAGE }, memory);
    dma.map({ vaddr: memory.address + 2 * PAGE, iova: 0x42000, length: PAGE }, memory);
    expect(dma.write(0x41000 - 4, new Uint8Array(8).fill(9), 'buffer', 3, 17)).toBe(false);
    expect(dma.faults).toBe(1);
    expect(dma.lastFault).toBe('buffer of queue 3, descriptor 17: 8 bytes at IOVA 0x40ffc are in no DMA window');
    expect(fileBytes(PAGE - 4, 4)).toEqual([0, 0, 0, 0]);
    expect(dma.read(Number.NaN, new Uint8Array(4), 0, 4, 'buffer')).toBe(false);
  });

  it('keeps windows by IOVA; unmap takes only the window starting there; attach serves windows given alone', () => {
    const dma = new DmaSpace();
    dma.map({ vaddr: memory.address + PAGE, iova: 0x9000, length: PAGE });
    dma.map({ vaddr: memory.address, iova: 0x1000, length: PAGE }, memory);
    expect(dma.windows.map((w) => w.iova)).toEqual([0x1000, 0x9000]);
    expect(dma.write(0x9004, new Uint8Array([5]), 'test')).toBe(true);
    expect(fileBytes(PAGE + 4, 1)).toEqual([5]);
    expect(dma.unmap(0x9004)).toBe(false);
    expect(dma.unmap(0x9000)).toBe(true);
    expect(dma.write(0x9004, new Uint8Array([5]), 'test')).toBe(false);
    expect(dma.write(0x1004, new Uint8Array([6]), 'test')).toBe(true);
    dma.clear();
    expect(dma.write(0x1004, new Uint8Array([6]), 'test')).toBe(false);
  });
});
