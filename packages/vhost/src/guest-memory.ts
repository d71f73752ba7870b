/**
 * The frontend's memory as SET_MEM_TABLE described it: each region's fd mapped with its own
 * `mmap_offset`, and translation of guest-physical (descriptor buffers) and frontend-virtual
 * (ring) addresses that always checks the whole length lies inside one region (the check
 * behind CVE-2018-1059: a range running past a region is refused, never clipped).
 */
import { NicError, attach, closeFd, mapFd, type MemoryMapping } from '@nic/native';
import { MAX_MEM_REGIONS } from './protocol.js';

/** One region as the frontend described it (numbers: every field was checked to be < 2^53). */
export interface RegionDescription {
  readonly guestPhysAddr: number;
  readonly size: number;
  readonly userspaceAddr: number;
  readonly mmapOffset: number;
}

/** Where another thread finds regions this process mapped already: each one's host address. */
export interface AttachedRegions {
  readonly hostAddresses: readonly number[];
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
  readonly #gpa: Float64Array;
  readonly #uva: Float64Array;
  readonly #size: Float64Array;
  readonly #mappings: MemoryMapping[] = [];
  readonly #hosts: number[] = [];
  /** Region of the last successful translation. */
  region = -1;

  /**
   * Maps `fds[i]` for `regions[i]` (the fds are closed here, mapped or not), or, given
   * {@link AttachedRegions}, views the regions already mapped at those host addresses.
   * @throws NicError `NIC_EINVAL` for overlapping regions, `NIC_ENOMEM`/`NIC_EINVAL` from the
   * mapping, naming the region; nothing stays mapped then.
   */
  constructor(regions: readonly RegionDescription[], source: readonly number[] | AttachedRegions) {
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
        let buffer: SharedArrayBuffer;
        let start: number;
        if (hosts) {
          buffer = attach(hosts[i], r.size);
          start = 0;
          this.#hosts.push(hosts[i]);
        } else {
          let mapping: MemoryMapping;
          try {
            mapping = mapFd(fds[i], { offset: 0, length: r.mmapOffset + r.size, writable: true });
          } catch (cause) {
            throw new NicError('NIC_EINVAL', `vhost memory table: cannot map region ${i} (${r.size} bytes at fd offset ${r.mmapOffset})`, { cause });
          }
          this.#mappings.push(mapping);
          this.#hosts.push(mapping.address + r.mmapOffset);
          buffer = mapping.buffer;
          start = r.mmapOffset;
        }
        this.u8.push(new Uint8Array(buffer, start, r.size));
        // The 16- and 32-bit views start at the region (rings are aligned within it); an
        // unaligned region start leaves them empty, so rings there are refused.
        const aligned = this.#hosts[i] % 4 === 0;
        this.u16.push(aligned ? new Uint16Array(buffer, start, r.size >>> 1) : new Uint16Array(0));
        this.u32.push(aligned ? new Uint32Array(buffer, start, r.size >>> 2) : new Uint32Array(0));
        this.#gpa[i] = r.guestPhysAddr;
        this.#uva[i] = r.userspaceAddr;
        this.#size[i] = r.size;
      }
    } catch (error) {
      this.unmap();
      throw error;
    } finally {
      for (const fd of fds) closeFd(fd);
    }
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
  }
}
