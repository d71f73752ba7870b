import { describe, expect, it } from 'vitest';
import { Arena, sharedWasmMemory, WASM_PAGE_SIZE } from './arena.js';

describe('Arena', () => {
  it('views only its own size of a longer buffer, and passes its WebAssembly placement to other threads', () => {
    const arena = Arena.anonymous(1000);
    expect(arena.size).toBe(1000);
    expect(arena.buffer.byteLength).toBe(WASM_PAGE_SIZE);
    expect([arena.u8.length, arena.u16.length, arena.u32.length, arena.dv.byteLength]).toEqual([1000, 500, 250, 1000]);
    const copy = new Arena(arena.handle());
    expect(copy.size).toBe(1000);
    expect(copy.wasm).toEqual(arena.wasm);
    copy.u32[3] = 9;
    expect(arena.u32[3]).toBe(9);
  });

  it.each([0, -4, 1.5, 2 * WASM_PAGE_SIZE])('refuses a size of %d for a one-page buffer with NIC_EINVAL', (size) => {
    const memory = sharedWasmMemory(WASM_PAGE_SIZE);
    const handle = { buffer: memory.buffer, size, iova: { mode: 'va' as const, baseAddress: 0, pageSize: WASM_PAGE_SIZE }, wasm: { memory, base: 0 } };
    expect(() => new Arena(handle)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('does not fit') }));
  });
});
