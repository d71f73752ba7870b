/**
 * The part of the `WebAssembly` global that nic uses. Node.js has it, but `@types/node` 20
 * does not declare it (TypeScript's DOM library does, which a Node.js package should not
 * load). Importing this module's types brings the declarations in.
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
