/**
 * Guest work per function. With `profile: true` the guest-counts plugin also counts how many
 * times each vCPU ran each translation block (see `plugin/guest-counts.c`), and
 * {@link GuestCounter.profile} takes a snapshot of those counts. Two snapshots give, per block,
 * what a vCPU executed between them ({@link blockRuns}); a {@link GuestSymbolizer} built from
 * the guest process's `/proc/<pid>/maps`, its JIT map (`/tmp/perf-<pid>.map`, which node
 * writes with `--perf-basic-prof`) and the ELF symbols of its files names the function each
 * block starts in, and {@link workByFunction} adds them up.
 *
 * Blocks are named by their guest virtual address, so a profile is of the process the vCPU
 * ran (pin it); the guest kernel's blocks are one entry, `[kernel]`.
 */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { NicError } from '@nic/native';
import type { Guest } from './guest.js';

/** The first u64 of a snapshot ("ugcprof1"). */
export const PROFILE_MAGIC = 0x31666f7270636775n;
/** u64 of a snapshot's header: magic, vCPUs, blocks. */
const HEADER_U64 = 3;
const U64 = 8;
/** Guest virtual addresses from here on are the kernel's (x86-64, 4- and 5-level paging). */
const KERNEL_START = 0xff00000000000000n;
/** Ranges a lookup tries below the nearest start (ranges nested in others: a few at most). */
const LOOKBACK = 16;
/** The name of every block of the guest kernel. */
export const KERNEL = '[kernel]';
/** The name of the blocks past the plugin's cap (GC_PROFILE_MAX_BLOCKS distinct blocks). */
export const PAST_THE_CAP = '[blocks past the cap]';

/** One translation block of a snapshot. */
export interface ProfiledBlock {
  /** Guest virtual address of its first instruction (0: the blocks past the plugin's cap). */
  readonly vaddr: bigint;
  /** Its guest instructions. */
  readonly insns: number;
  /** How many times each vCPU ran it. */
  readonly counts: readonly number[];
}

/** A snapshot of the plugin's block counts. Blocks keep their index from one snapshot to the next. */
export interface BlockProfile {
  readonly vcpus: number;
  readonly blocks: readonly ProfiledBlock[];
}

/** What one vCPU executed of one block between two snapshots. */
export interface BlockRun {
  readonly vaddr: bigint;
  readonly insns: number;
  readonly executions: number;
}

/** Guest instructions and blocks executed. */
export interface Work {
  instructions: number;
  blocks: number;
}

/**
 * Reads a snapshot the plugin wrote.
 * @throws NicError NIC_EIO when `data` is not one (bad magic, size)
 */
export function parseBlockProfile(data: Buffer): BlockProfile {
  const bad = (why: string): NicError => new NicError('NIC_EIO', `guest counts: not a block profile: ${why}`);
  if (data.length < HEADER_U64 * U64) throw bad(`${data.length} bytes`);
  if (data.readBigUInt64LE(0) !== PROFILE_MAGIC) throw bad('bad magic');
  const vcpus = Number(data.readBigUInt64LE(U64));
  const count = Number(data.readBigUInt64LE(2 * U64));
  const record = (2 + vcpus) * U64;
  if (vcpus < 1 || data.length !== HEADER_U64 * U64 + count * record) throw bad(`${data.length} bytes for ${count} blocks of ${vcpus} vCPUs`);
  const blocks: ProfiledBlock[] = [];
  for (let i = 0, at = HEADER_U64 * U64; i < count; i++, at += record) {
    const counts: number[] = [];
    for (let v = 0; v < vcpus; v++) counts.push(Number(data.readBigUInt64LE(at + (2 + v) * U64)));
    blocks.push({ vaddr: data.readBigUInt64LE(at), insns: Number(data.readBigUInt64LE(at + U64)), counts });
  }
  return { vcpus, blocks };
}

/**
 * The blocks vCPU `vcpu` ran between snapshots `before` and `after` (of one guest, `before`
 * first), with how many times.
 * @throws NicError NIC_EINVAL for a vCPU neither snapshot has
 */
export function blockRuns(before: BlockProfile, after: BlockProfile, vcpu: number): BlockRun[] {
  if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= before.vcpus || vcpu >= after.vcpus) {
    throw new NicError('NIC_EINVAL', `guest counts: vCPU ${vcpu} is not in the profiles (${before.vcpus} and ${after.vcpus} vCPUs)`);
  }
  const runs: BlockRun[] = [];
  after.blocks.forEach((b, i) => {
    const executions = b.counts[vcpu] - (before.blocks[i]?.counts[vcpu] ?? 0);
    if (executions > 0) runs.push({ vaddr: b.vaddr, insns: b.insns, executions });
  });
  return runs;
}

/** Adds up `runs` by the function `name` gives each block's address. */
export function workByFunction(runs: readonly BlockRun[], name: (vaddr: bigint) => string): Map<string, Work> {
  const work = new Map<string, Work>();
  for (const r of runs) {
    const key = name(r.vaddr);
    const w = work.get(key) ?? { instructions: 0, blocks: 0 };
    w.instructions += r.insns * r.executions;
    w.blocks += r.executions;
    work.set(key, w);
  }
  return work;
}

/** A named address range. */
export interface GuestSymbol {
  readonly start: bigint;
  readonly size: bigint;
  readonly name: string;
}

/** Ranges looked up by address; of the ranges holding an address, the one starting nearest below it wins, and of those starting at one address the one listed last (a JIT map's newer code). */
export class SymbolTable {
  readonly #starts: bigint[];
  readonly #symbols: GuestSymbol[];

  constructor(symbols: readonly GuestSymbol[]) {
    this.#symbols = symbols
      .map((s, order) => ({ s, order }))
      .sort((a, b) => (a.s.start < b.s.start ? -1 : a.s.start > b.s.start ? 1 : a.order - b.order))
      .map(({ s }) => s);
    this.#starts = this.#symbols.map((s) => s.start);
  }

  /** The name of the range holding `address`, or undefined. */
  lookup(address: bigint): string | undefined {
    let lo = 0;
    let hi = this.#starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#starts[mid] <= address) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && i >= lo - LOOKBACK; i--) {
      const s = this.#symbols[i];
      if (address < s.start + (s.size === 0n ? 1n : s.size)) return s.name;
    }
    return undefined;
  }
}

/** The entries of a perf map (`<hex start> <hex size> <name>` a line), in file order. */
export function parsePerfMap(text: string): GuestSymbol[] {
  const symbols: GuestSymbol[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
    if (m !== null) symbols.push({ start: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`), name: m[3] });
  }
  return symbols;
}

/** An executable file mapping of a process. */
export interface FileMapping {
  readonly start: bigint;
  readonly end: bigint;
  /** File offset of `start`. */
  readonly offset: bigint;
  readonly path: string;
}

/** The executable file mappings of a `/proc/<pid>/maps`. */
export function parseProcMaps(text: string): FileMapping[] {
  const mappings: FileMapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) ..x. ([0-9a-f]+) \S+ \d+\s+(\/\S.*)$/.exec(line);
    if (m !== null) mappings.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), offset: BigInt(`0x${m[3]}`), path: m[4] });
  }
  return mappings;
}

/** The function symbols of ELF file `path` at their run-time addresses in `mapping` (none when binutils cannot read it). */
function elfSymbols(mapping: FileMapping): GuestSymbol[] {
  const run = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    return r.status === 0 ? r.stdout : '';
  };
  // The LOAD segment the mapping's file offset is in gives the file's load bias.
  const bias = (() => {
    for (const m of run('readelf', ['-lW', mapping.path]).matchAll(/^\s*LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/gm)) {
      const [offset, vaddr, size] = [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`), BigInt(`0x${m[3]}`)];
      const pageOffset = offset & ~0xfffn;
      if (mapping.offset >= pageOffset && mapping.offset < offset + size) return mapping.start - mapping.offset - (vaddr - offset);
    }
    return undefined;
  })();
  if (bias === undefined) return [];
  const symbols: GuestSymbol[] = [];
  for (const dynamic of [false, true]) {
    const text = run('nm', ['-C', '-S', '--defined-only', ...(dynamic ? ['-D'] : []), mapping.path]);
    for (const m of text.matchAll(/^([0-9a-f]+) ([0-9a-f]+) [tTwWiI] (.*)$/gm)) {
      const start = BigInt(`0x${m[1]}`) + bias;
      if (start >= mapping.start && start < mapping.end) symbols.push({ start, size: BigInt(`0x${m[2]}`), name: m[3] });
    }
    if (symbols.length > 0) break;
  }
  return symbols;
}

/** Names guest addresses of one process: its JIT map first, then its files' symbols, then the file, then the kernel. */
export class GuestSymbolizer {
  readonly #jit: SymbolTable;
  readonly #files: SymbolTable;
  readonly #mappings: SymbolTable;
  readonly #cache = new Map<bigint, string>();

  /**
   * From the texts of the process's JIT map (`/tmp/perf-<pid>.map`, empty when it has none)
   * and `/proc/<pid>/maps`; the mapped files' symbols are read on the host, where the guest's
   * files are at the same paths (the qemu tier shares the host's root).
   */
  constructor(perfMap: string, procMaps: string) {
    this.#jit = new SymbolTable(parsePerfMap(perfMap));
    const mappings = parseProcMaps(procMaps);
    this.#mappings = new SymbolTable(mappings.map((m) => ({ start: m.start, size: m.end - m.start, name: `[${basename(m.path)}]` })));
    const files: GuestSymbol[] = [];
    for (const m of mappings) for (const s of elfSymbols(m)) files.push({ ...s, name: `${s.name} (${basename(m.path)})` });
    this.#files = new SymbolTable(files);
  }

  /** The name of the function at `vaddr`: the JIT map's, `symbol (file)`, `[file]`, `[kernel]` or `[anonymous]`. */
  name(vaddr: bigint): string {
    let n = this.#cache.get(vaddr);
    if (n === undefined) {
      n = vaddr === 0n ? PAST_THE_CAP : vaddr >= KERNEL_START ? KERNEL : (this.#jit.lookup(vaddr) ?? this.#files.lookup(vaddr) ?? this.#mappings.lookup(vaddr) ?? '[anonymous]');
      this.#cache.set(vaddr, n);
    }
    return n;
  }

  /** The symbolizer of guest process `pid` (node writes its JIT map with `--perf-basic-prof`). */
  static async of(guest: Guest, pid: number): Promise<GuestSymbolizer> {
    const maps = await guest.run(`cat /proc/${pid}/maps`);
    if (maps.code !== 0) throw new NicError('NIC_ENOENT', `guest counts: no process ${pid} in the guest: ${maps.stderr.trim()}`);
    const perf = await guest.run(`cat /tmp/perf-${pid}.map 2>/dev/null || true`, { timeoutMs: 120_000 });
    return new GuestSymbolizer(perf.stdout, maps.stdout);
  }
}
