/**
 * The frontend's memory as SET_MEM_TABLE described it: each region's fd mapped with its own
 * `mmap_offset`, and translation of guest-physical (descriptor buffers) and frontend-virtual
 * (ring) addresses that always checks the whole length lies inside one region (the check
 * behind CVE-2018-1059: a range running past a region is refused, never clipped).
 *
 * Given the arena's WebAssembly memory, the regions are mapped as windows inside it
 * ({@link GuestWindows}), so that the WebAssembly kernels copy between mbufs and guest buffers
 * at offsets of one memory; when the memory cannot hold them (4 GiB in all), or no memory is
 * given, each region is a mapping of its own and {@link GuestMemory.apart} says why.
 */
import { GuestWindows, type GuestWindow, type SharedWasmMemory } from '@nic/eal';
import { NicError, attach, closeFd, mapFd, pageSize, type MemoryMapping } from '@nic/native';
import { MAX_MEM_REGIONS } from './protocol.js';

/** One region as the frontend described it (numbers: every field was checked to be < 2^53). */
export interface RegionDescription {
  readonly guestPhysAddr: number;
  readonly size: number;
  readonly userspaceAddr: number;
  readonly mmapOffset: number;
}

/** Where another thread finds regions this process mapped already. */
export interface AttachedRegions {
  /** Each region's host address. */
  readonly hostAddresses: readonly number[];
  /** Each region's address in the arena's WebAssembly memory, when the regions are windows there. */
  readonly windowAddresses?: readonly number[];
}

/** The windows of each memory, shared by the devices of this thread. */
const windowsByMemory = new WeakMap<SharedWasmMemory, GuestWindows>();

/** The guest windows of `memory` on this thread (guest regions and dirty logs share them). */
export function windowsOf(memory: SharedWasmMemory): GuestWindows {
  let windows = windowsByMemory.get(memory);
  if (windows === undefined) {
    windows = new GuestWindows(memory);
    windowsByMemory.set(memory, windows);
  }
  return windows;
}

/**
 * The guest's memory, mapped. Built once per SET_MEM_TABLE from the frontend's fds (then
 * {@link GuestMemory.unmap} releases it), or attached by a polling thread to the regions that
 * the connection's thread mapped (the process shares one address space; only the views are
 * per thread).
 */
export class GuestMemory {
  readonly regions: readonly RegionDescription[];
  /** Byte view of each region, from its first guest byte. */
  readonly u8: Uint8Array[] = [];
  readonly u16: Uint16Array[] = [];
  readonly u32: Uint32Array[] = [];
  /**
   * Each region's address in the arena's WebAssembly memory (where its first guest byte
   * lies), when the regions are windows there; empty when they are mapped apart.
   */
  readonly windowAddresses: number[] = [];
  /** Why the regions are mapped apart from the arena's memory; undefined when they are windows in it. */
  readonly apart: string | undefined;
  /** The memory this object mapped its windows in (undefined when attached or apart). */
  readonly memory: SharedWasmMemory | undefined;
  readonly #gpa: Float64Array;
  readonly #uva: Float64Array;
  readonly #size: Float64Array;
  readonly #mappings: MemoryMapping[] = [];
  readonly #windows: GuestWindow[] = [];
  readonly #hosts: number[] = [];
  /** Region of the last successful translation. */
  region = -1;

  /**
   * Maps `fds[i]` for `regions[i]` (the fds are closed here, mapped or not) as windows of
   * `memory` when given and it can hold them, else apart; or, given {@link AttachedRegions},
   * views the regions already mapped at those host addresses.
   * @throws NicError `NIC_EINVAL` for overlapping regions, `NIC_ENOMEM`/`NIC_EINVAL` from the
   * mapping, naming the region; nothing stays mapped then.
   */
  constructor(regions: readonly RegionDescription[], source: readonly number[] | AttachedRegions, memory?: SharedWasmMemory) {
    const fds = 'hostAddresses' in source ? [] : source;
    const hosts = 'hostAddresses' in source ? source.hostAddresses : undefined;
    if (regions.length > MAX_MEM_REGIONS || regions.length !== (hosts ?? fds).length) {
      for (const fd of fds) closeFd(fd);
      throw new NicError('NIC_EINVAL', `vhost memory table: ${regions.length} regions with ${(hosts ?? fds).length} fds`);
    }
    this.regions = regions;
    const n = regions.length;
    this.#gpa = new Float64Array(n);
    this.#uva = new Float64Array(n);
    this.#size = new Float64Array(n);
    try {
      for (let i = 0; i < n; i++) {
        const r = regions[i];
        for (let j = 0; j < i; j++) {
          const o = regions[j];
          if (r.guestPhysAddr < o.guestPhysAddr + o.size && o.guestPhysAddr < r.guestPhysAddr + r.size) {
            throw new NicError('NIC_EINVAL', `vhost memory table: region ${i} overlaps region ${j} in guest-physical space`);
          }
        }
        this.#gpa[i] = r.guestPhysAddr;
        this.#uva[i] = r.userspaceAddr;
        this.#size[i] = r.size;
      }
      if (hosts) {
        const windowAddresses = (source as AttachedRegions).windowAddresses;
        this.apart = windowAddresses ? undefined : 'the regions it attached to are mapped apart';
        for (let i = 0; i < n; i++) {
          this.#hosts.push(hosts[i]);
          if (windowAddresses) this.windowAddresses.push(windowAddresses[i]);
          this.#view(attach(hosts[i], regions[i].size), 0, regions[i].size, hosts[i]);
        }
      } else {
        this.apart = memory === undefined ? 'no arena memory was given' : this.#mapWindows(regions, fds, memory);
        if (this.apart !== undefined) this.#mapApart(regions, fds);
        else this.memory = memory;
      }
    } catch (error) {
      this.unmap();
      throw error;
    } finally {
      for (const fd of fds) closeFd(fd);
    }
  }

  /**
   * Maps every region as a window of `memory`; returns undefined, or why the memory cannot
   * hold them (then none stays mapped).
   */
  #mapWindows(regions: readonly RegionDescription[], fds: readonly number[], memory: SharedWasmMemory): string | undefined {
    const windows = windowsOf(memory);
    const page = pageSize();
    for (let i = 0; i < regions.length; i++) {
      const r = regions[i];
      // The window starts at the page holding the region's first byte.
      const lead = r.mmapOffset % page;
      let window: GuestWindow;
      try {
        window = windows.map(fds[i], { offset: r.mmapOffset - lead, length: lead + r.size });
      } catch (cause) {
        if (cause instanceof NicError && cause.code === 'NIC_ENOMEM') {
          for (const w of this.#windows) w.close();
          this.#windows.length = 0;
          this.#hosts.length = 0;
          this.u8.length = this.u16.length = this.u32.length = this.windowAddresses.length = 0;
          return `region ${i} (${r.size} bytes) does not fit the arena's WebAssembly memory: ${cause.message}`;
        }
        throw new NicError('NIC_EINVAL', `vhost memory table: cannot map region ${i} (${r.size} bytes at fd offset ${r.mmapOffset})`, { cause });
      }
      this.#windows.push(window);
      this.windowAddresses.push(window.base + lead);
      this.#hosts.push(window.mapping.address + lead);
      this.#view(window.mapping.buffer, lead, r.size, window.mapping.address + lead);
    }
    return undefined;
  }

  /** Maps every region as a mapping of its own. */
  #mapApart(regions: readonly RegionDescription[], fds: readonly number[]): void {
    for (let i = 0; i < regions.length; i++) {
      const r = regions[i];
      let mapping: MemoryMapping;
      try {
        mapping = mapFd(fds[i], { offset: 0, length: r.mmapOffset + r.size, writable: true });
      } catch (cause) {
        throw new NicError('NIC_EINVAL', `vhost memory table: cannot map region ${i} (${r.size} bytes at fd offset ${r.mmapOffset})`, { cause });
      }
      this.#mappings.push(mapping);
      this.#hosts.push(mapping.address + r.mmapOffset);
      this.#view(mapping.buffer, r.mmapOffset, r.size, mapping.address + r.mmapOffset);
    }
  }

  /** Adds the views of the next region: `size` bytes at `start` of `buffer`, at host address `host`. */
  #view(buffer: SharedArrayBuffer, start: number, size: number, host: number): void {
    this.u8.push(new Uint8Array(buffer, start, size));
    // The 16- and 32-bit views start at the region (rings are aligned within it); an
    // unaligned region start leaves them empty, so rings there are refused.
    const aligned = host % 4 === 0;
    this.u16.push(aligned ? new Uint16Array(buffer, start, size >>> 1) : new Uint16Array(0));
    this.u32.push(aligned ? new Uint32Array(buffer, start, size >>> 2) : new Uint32Array(0));
  }

  /**
   * The offset within region {@link GuestMemory.region} of guest-physical `addr`, when all of
   * `[addr, addr + len)` lies inside that one region; otherwise -1.
   */
  gpa(addr: number, len: number): number {
    const gpa = this.#gpa;
    const size = this.#size;
    for (let i = 0; i < gpa.length; i++) {
      const off = addr - gpa[i];
      if (off >= 0 && off + len <= size[i]) {
        this.region = i;
        return off;
      }
    }
    return -1;
  }

  /** As {@link GuestMemory.gpa}, for a frontend virtual address (ring addresses). */
  uva(addr: number, len: number): number {
    const uva = this.#uva;
    const size = this.#size;
    for (let i = 0; i < uva.length; i++) {
      const off = addr - uva[i];
      if (off >= 0 && off + len <= size[i]) {
        this.region = i;
        return off;
      }
    }
    return -1;
  }

  /** Where region `i` is mapped in this process (its first byte). */
  hostAddress(i: number): number {
    if (i >= this.#hosts.length) throw new RangeError(`guest memory has no region ${i}`);
    return this.#hosts[i];
  }

  /** Unmaps every region this object mapped (none when attached); views read zeros afterwards. */
  unmap(): void {
    for (const m of this.#mappings) if (m.mapped) m.unmap();
    this.#mappings.length = 0;
    for (const w of this.#windows) w.close();
    this.#windows.length = 0;
  }
}
