/**
 * The part of the `WebAssembly` global that nic's sources use. Node.js has it, but
 * `@types/node` 20 does not declare it (TypeScript's DOM library does, which a Node.js package
 * should not load). Importing this module's types brings the declarations in, for compiling
 * this repository only: no public signature may name `WebAssembly`, because the published
 * declaration files do not carry this block (the empty type-only import that brings it in
 * leaves nothing in a declaration file) and, if they did, it would clash with the DOM
 * library's declaration in a project that loads it. Public types describe what they need by
 * shape instead (see `SharedWasmMemory` in `@nic/eal`); the consumer test type-checks the
 * packed packages both without and with the DOM library.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the global is a namespace; only a namespace declaration can describe it
  namespace WebAssembly {
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    /** A linear memory; a shared one's buffer is a SharedArrayBuffer any thread can be given. */
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
    }
    class Module {
      constructor(bytes: Uint8Array);
    }
    type ImportValue = Memory | Global | ((...args: number[]) => number | void);
    type Imports = Record<string, Record<string, ImportValue>>;
    class Instance {
      constructor(module: Module, imports?: Imports);
      readonly exports: Record<string, unknown>;
    }
    interface GlobalDescriptor {
      value: 'i32' | 'i64' | 'f32' | 'f64';
      mutable?: boolean;
    }
    class Global {
      constructor(descriptor: GlobalDescriptor, value?: number);
      value: number;
    }
    class CompileError extends Error {}
    class LinkError extends Error {}
  }
}

export {};
