/**
 * WebAssembly kernels over the arena. A per-packet loop in JavaScript pays a bounds check per
 * typed-array access and a map check per typed array per iteration; the same loop in
 * WebAssembly loads and stores straight into the arena (V8 catches out-of-range accesses with
 * guard pages, not branches), which matters most where every branch is expensive, as under
 * QEMU's TCG. A kernel is a module that imports `env.memory` (the arena's shared memory) and
 * `env.base` (an i32 global: the address of arena offset 0 in it), and takes arena offsets.
 * Calling an export is an ordinary call: no allocation, no addon.
 */
import type { Arena, SharedWasmMemory } from './arena.js';

/**
 * Finds where burst arrays lie in one arena, for kernels that read them where they are.
 * Reading a typed array's `buffer` or `byteOffset` is a call of a getter, and `buffer` one
 * into V8's runtime (together some 25 guest instructions per frame of a 32-frame burst under
 * QEMU's TCG, by the guest-work bench's profile), so the last array found to be a view is
 * remembered with its offset and recognised by identity: a loop's burst array, met every
 * burst, costs one comparison.
 */
export class ArenaViews {
  #last: Uint32Array | undefined;
  #lastOffset = -1;

  constructor(readonly buffer: SharedArrayBuffer) {}

  /** The arena offset of `array[0]` when `array` is a view of the arena, else -1. */
  offset(array: Uint32Array): number {
    if (array === this.#last) return this.#lastOffset;
    if (array.buffer !== this.buffer) return -1;
    this.#last = array;
    this.#lastOffset = array.byteOffset;
    return this.#lastOffset;
  }
}

/** Compiled modules of this thread, by their bytes. */
const modules = new WeakMap<Uint8Array, WebAssembly.Module>();
/** Instances of this thread, by memory and module. */
const instances = new WeakMap<SharedWasmMemory, Map<WebAssembly.Module, WebAssembly.Instance>>();

/**
 * The exports of the kernel module `bytes` instantiated over `arena`, compiled and
 * instantiated once per thread (later calls with the same bytes and arena return the same
 * exports). `T` is the caller's description of the exports.
 * @throws WebAssembly.CompileError or LinkError for bytes that are not such a module
 */
export function wasmKernel<T>(bytes: Uint8Array, arena: Arena): T {
  let module = modules.get(bytes);
  if (module === undefined) {
    module = new WebAssembly.Module(bytes);
    modules.set(bytes, module);
  }
  const { memory, base } = arena.wasm;
  let byModule = instances.get(memory);
  if (byModule === undefined) {
    byModule = new Map();
    instances.set(memory, byModule);
  }
  let instance = byModule.get(module);
  if (instance === undefined) {
    instance = new WebAssembly.Instance(module, { env: { memory, base: new WebAssembly.Global({ value: 'i32' }, base) } });
    byModule.set(module, instance);
  }
  return instance.exports as T;
}
