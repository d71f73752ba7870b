/**
 * The data-path memory of nic: the arena, memzones, rings, mempools and mbufs. Everything
 * lives in arena memory; the objects exported here are per-thread views over it.
 */
export { Arena, WASM_MAX_PAGES, WASM_PAGE_SIZE, sharedWasmMemory, type ArenaHandle, type IovaMap, type IovaWindow, type SharedWasmMemory, type WasmPlacement } from './arena.js';
export { ArenaViews, wasmKernel } from './wasm-kernel.js';
export { GuestWindows, type GuestWindow, type GuestWindowOptions } from './windows.js';
export * from './memzone.js';
export * from './ring.js';
export * from './mempool.js';
export * from './mbuf-layout.js';
export * from './mbuf.js';
export { ERR_ENOBUFS, ERR_ENOENT, ERR_EOVERFLOW } from './errno.js';
export { LCORE_NONE, MAX_LCORE, currentLcore, setCurrentLcore } from './current-lcore.js';
