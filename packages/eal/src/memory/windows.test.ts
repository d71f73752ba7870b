import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Arena, WASM_PAGE_SIZE, sharedWasmMemory } from './arena.js';
import { wasmKernel } from './wasm-kernel.js';
import peek from './__fixtures__/peek.wat';
import { GuestWindows } from './windows.js';

interface Peek {
  load(offset: number): number;
  store(offset: number, value: number): void;
}

const PAGE = 4096;
const dir = mkdtempSync(join(tmpdir(), 'nic-eal-windows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A guest's RAM as a file: `pages` 4 KiB pages, word 0 of page k holding 0x6e000000 + k. */
function guestRam(pages: number): { fd: number; path: string } {
  const path = join(dir, `ram-${pages}-${Math.random()}`);
  const bytes = Buffer.alloc(pages * PAGE);
  for (let k = 0; k < pages; k++) bytes.writeUInt32LE(0x6e000000 + k, k * PAGE);
  writeFileSync(path, bytes);
  return { fd: openSync(path, 'r+'), path };
}

describe('guest memory windows in the arena\'s WebAssembly memory', () => {
  it('a window past the arena is guest memory to a WebAssembly kernel, both ways', () => {
    const arena = Arena.anonymous(1 << 20);
    const kernel = wasmKernel<Peek>(peek, arena);
    const windows = new GuestWindows(arena.wasm.memory);
    const { fd, path } = guestRam(4);
    const w = windows.map(fd, { offset: PAGE, length: 2 * PAGE });
    closeSync(fd);
    expect(w.base).toBeGreaterThanOrEqual(arena.wasm.base + arena.size);
    expect(w.base % WASM_PAGE_SIZE).toBe(0);
    expect([kernel.load(w.base) >>> 0, kernel.load(w.base + PAGE) >>> 0]).toEqual([0x6e000001, 0x6e000002]);
    kernel.store(w.base + 8, 0x1234);
    expect(readFileSync(path).readUInt32LE(PAGE + 8)).toBe(0x1234);
    expect(new Uint32Array(w.mapping.buffer)[2]).toBe(0x1234);
    // The arena is untouched, and still the kernel's at the same offsets.
    arena.u32[0] = 77;
    expect(kernel.load(0)).toBe(77);
    w.close();
    w.close();
    expect(kernel.load(w.base)).toBe(0);
  });

  it('a closed window\'s range takes the next one; the memory grows only for what fits nowhere', () => {
    const memory = sharedWasmMemory(WASM_PAGE_SIZE);
    const windows = new GuestWindows(memory);
    const { fd } = guestRam(64);
    const a = windows.map(fd, { length: WASM_PAGE_SIZE });
    const b = windows.map(fd, { length: 2 * WASM_PAGE_SIZE });
    expect([a.base, b.base]).toEqual([WASM_PAGE_SIZE, 2 * WASM_PAGE_SIZE]);
    const grown = memory.buffer.byteLength;
    a.close();
    b.close();
    // Both ranges merged: a window of three pages fits without growing.
    const c = windows.map(fd, { offset: 16 * PAGE, length: 3 * WASM_PAGE_SIZE - PAGE });
    expect(c.base).toBe(WASM_PAGE_SIZE);
    expect(memory.buffer.byteLength).toBe(grown);
    expect(new Uint32Array(memory.buffer)[c.base / 4]).toBe(0x6e000010);
    c.close();
    closeSync(fd);
  });

  it('refuses a range past the file and an empty window, and gives the range back', () => {
    const memory = sharedWasmMemory(WASM_PAGE_SIZE);
    const windows = new GuestWindows(memory);
    const { fd } = guestRam(2);
    expect(() => windows.map(fd, { offset: PAGE, length: 2 * PAGE })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => windows.map(fd, { length: 0 })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    const grown = memory.buffer.byteLength;
    const w = windows.map(fd, { length: 2 * PAGE });
    expect(w.base).toBe(WASM_PAGE_SIZE);
    expect(memory.buffer.byteLength).toBe(grown);
    w.close();
    closeSync(fd);
  });

  it('is NIC_ENOMEM when the memory cannot grow by the window', () => {
    const windows = new GuestWindows(sharedWasmMemory(WASM_PAGE_SIZE));
    const { fd } = guestRam(1);
    expect(() => windows.map(fd, { length: 2 ** 32 })).toThrow(expect.objectContaining({ code: 'NIC_ENOMEM' }));
    closeSync(fd);
  });
});
