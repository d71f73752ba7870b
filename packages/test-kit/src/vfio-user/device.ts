/**
 * One vfio-user client's view of a model: what each command does to the model (its config
 * space, BARs, interrupts, DMA windows and reset), independent of the socket. Every request
 * is checked before it touches anything; a bad one throws a {@link VfioUserRequestError}
 * carrying the errno of the error reply, and any fd it carried is closed.
 */
import { fstatSync } from 'node:fs';
import { closeFd, eventfdWrite, mapFd, NicError, type MemoryMapping } from '@nic/native';
import { hasNarrowAccess, type PciRegisters } from '@nic/pci/driver';
import { IovaRanges } from '../model/iova-ranges.js';
import type { ModelBar, PciModel } from '../model/pci-model.js';
import { ServedConfig } from './config-space.js';
import {
  BAR_REGIONS,
  Command,
  CONFIG_REGION,
  CONFIG_SIZE,
  DEVICE_FLAGS_PCI,
  DEVICE_FLAGS_RESET,
  DEVICE_INFO_SIZE,
  DMA_MAP_SIZE,
  DMA_MAP_WRITE,
  DMA_UNMAP_ALL,
  DMA_UNMAP_SIZE,
  Errno,
  IRQ_ACTION_ALL,
  IRQ_ACTION_MASK,
  IRQ_ACTION_TRIGGER,
  IRQ_ACTION_UNMASK,
  IRQ_DATA_EVENTFD,
  IRQ_DATA_MASK,
  IRQ_DATA_NONE,
  IRQ_INFO_AUTOMASKED,
  IRQ_INFO_EVENTFD,
  IRQ_INFO_MASKABLE,
  IRQ_INFO_SIZE,
  MAX_DATA_XFER,
  MAX_MSG_FDS,
  INTX_IRQ,
  MSI_IRQ,
  MSIX_IRQ,
  NUM_IRQS,
  NUM_REGIONS,
  REGION_ACCESS_SIZE,
  REGION_FLAG_READ,
  REGION_FLAG_WRITE,
  REGION_INFO_SIZE,
  REQ_IRQ,
  SET_IRQS_SIZE,
  VERSION_FIXED,
  VERSION_MAJOR,
  VERSION_MINOR,
} from './protocol.js';

/** A request the server refuses: the error reply carries `errno`. */
export class VfioUserRequestError extends NicError {
  /** The errno of the error reply. */
  declare readonly errno: number;
  constructor(errno: number, message: string) {
    super(errno === Errno.ENOTSUP ? 'NIC_ENOTSUP' : errno === Errno.EEXIST ? 'NIC_EEXIST' : 'NIC_EINVAL', message, { errno });
  }
}

/** A reply body (after the header). */
export type ReplyBody = Uint8Array;

/** The capabilities the server answers VERSION with (QEMU checks each against its limits). */
const CAPABILITIES = JSON.stringify({ capabilities: { max_msg_fds: MAX_MSG_FDS, max_data_xfer_size: MAX_DATA_XFER } });
const U32_BYTES = 4;
const DWORD_MASK = 3;
const NO_FD = -1;

/**
 * The most DMA ranges a client may have mapped at once: a 4 GiB guest behind a vIOMMU, page by
 * page, and then some (each costs the server a small object).
 */
const MAX_DMA_MAPS = 1 << 21;
/** The most distinct files (guest RAM backends) a client may map memory from. */
const MAX_DMA_FILES = 64;

/**
 * One range of IOVAs the client mapped (or what unmaps left of one): a window into the guest
 * memory file mapped for it, at `offset`, or unreachable by the model (it came without an fd,
 * as ROMs do, or read-only).
 */
interface ClientMap {
  readonly iova: number;
  readonly length: number;
  readonly memory: MemoryMapping | undefined;
  readonly offset: number;
}

/** A BAR as served: its region size and how it is reached. */
interface ServedBar {
  readonly bar: ModelBar;
  /** Register access with side effects, or undefined for plain memory (the MSI-X table and PBA). */
  readonly regs: PciRegisters | undefined;
  /** Plain storage (the MSI-X BAR). */
  readonly memory: Uint8Array | undefined;
}

/** One past the last 64-bit IOVA. */
const U64_END = 1n << 64n;
/** The first IOVA a JavaScript number cannot hold exactly; DMA_MAP refuses ranges that reach it. */
const SAFE_END = BigInt(Number.MAX_SAFE_INTEGER);

function u64(view: DataView, at: number, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new VfioUserRequestError(Errno.EINVAL, `${what} 0x${value.toString(16)} is beyond 2^53`);
  return Number(value);
}

function body(bytes: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(bytes);
  return { out, view: new DataView(out.buffer) };
}

/** The model behind one vfio-user connection. */
export class VfioUserDevice {
  readonly model: PciModel;
  readonly config: ServedConfig;
  /** The last request refused, for messages and tests. */
  lastError: string | undefined;
  readonly #bars = new Map<number, ServedBar>();
  readonly #maps = new IovaRanges<ClientMap>();
  /**
   * Each distinct file the client mapped memory from (by device and inode), mapped whole once:
   * QEMU sends its guest RAM's memfd with every DMA_MAP, one per 4 KiB page behind a vIOMMU.
   */
  readonly #files = new Map<string, MemoryMapping>();
  /** Mappings of a file that grew, kept while windows may still point into them. */
  readonly #outgrown: MemoryMapping[] = [];
  /** Client eventfds bound per interrupt index and vector (owned: closed when replaced). */
  readonly #irqFds = new Map<number, number[]>();
  #versionDone = false;

  constructor(model: PciModel) {
    this.model = model;
    this.config = new ServedConfig(model.pci.config(), () => model.reset());
    for (const bar of model.pci.bars) {
      const own = model.barAccess?.(bar.index);
      if (bar.role === 'msix') this.#bars.set(bar.index, { bar, regs: undefined, memory: new Uint8Array(bar.size) });
      else this.#bars.set(bar.index, { bar, regs: own ? own.regs : model, memory: undefined });
    }
    this.#irqFds.set(INTX_IRQ, [NO_FD]);
    this.#irqFds.set(MSI_IRQ, [NO_FD]);
    this.#irqFds.set(MSIX_IRQ, new Array<number>(model.pci.msixVectors).fill(NO_FD));
    this.#irqFds.set(REQ_IRQ, [NO_FD]);
  }

  /** The DMA windows the client mapped, by IOVA (fd-less ones too). */
  get dmaMaps(): readonly { iova: number; size: number; reachable: boolean }[] {
    return this.#maps.all.map((m) => ({ iova: m.iova, size: m.length, reachable: m.memory !== undefined }));
  }

  /** How many files of guest memory are mapped into this process for the client. */
  get mappedFiles(): number {
    return this.#files.size + this.#outgrown.length;
  }

  /**
   * Handles one request (`payload` is what follows the header, `fds` what came with it, now
   * owned by this call) and returns the reply body. Throws {@link VfioUserRequestError} for a
   * request it refuses, after closing every fd it did not keep.
   */
  handle(command: number, payload: Uint8Array, fds: number[]): ReplyBody {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const kept = new Set<number>();
    try {
      if (!this.#versionDone && command !== Command.VERSION) throw new VfioUserRequestError(Errno.EINVAL, 'the first message must be VERSION');
      if (fds.length > 0 && command !== Command.DMA_MAP && command !== Command.DEVICE_SET_IRQS) {
        throw new VfioUserRequestError(Errno.EINVAL, `${fds.length} fds came with a command that takes none`);
      }
      switch (command) {
        case Command.VERSION:
          return this.#version(payload, view);
        case Command.DMA_MAP:
          return this.#dmaMap(view, fds);
        case Command.DMA_UNMAP:
          return this.#dmaUnmap(payload, view);
        case Command.DEVICE_GET_INFO:
          return this.#deviceInfo(view);
        case Command.DEVICE_GET_REGION_INFO:
          return this.#regionInfo(view);
        case Command.DEVICE_GET_IRQ_INFO:
          return this.#irqInfo(view);
        case Command.DEVICE_SET_IRQS:
          return this.#setIrqs(view, fds, kept);
        case Command.REGION_READ:
          return this.#regionRead(payload, view);
        case Command.REGION_WRITE:
          return this.#regionWrite(payload, view);
        case Command.DEVICE_RESET:
          this.#needs(view, 0, 'DEVICE_RESET');
          this.config.reset();
          return new Uint8Array(0);
        default:
          throw new VfioUserRequestError(Errno.ENOTSUP, `command ${command} is not supported`);
      }
    } finally {
      for (const fd of fds) if (!kept.has(fd)) closeFd(fd);
    }
  }

  /** Releases every DMA mapping and interrupt eventfd (the connection closed). */
  close(): void {
    for (const index of this.#irqFds.keys()) this.#bindIrqs(index, 0, 'disable');
    for (const m of this.#maps.all) if (m.memory) this.model.dma.unmap(m.iova);
    this.#maps.clear();
    for (const mapping of [...this.#files.values(), ...this.#outgrown.splice(0)]) mapping.unmap();
    this.#files.clear();
  }

  #needs(view: DataView, bytes: number, what: string): void {
    if (view.byteLength < bytes) throw new VfioUserRequestError(Errno.EINVAL, `${what}: ${view.byteLength} payload bytes, ${bytes} needed`);
  }

  #version(payload: Uint8Array, view: DataView): ReplyBody {
    this.#needs(view, VERSION_FIXED, 'VERSION');
    const major = view.getUint16(0, true);
    if (major !== VERSION_MAJOR) throw new VfioUserRequestError(Errno.ENOTSUP, `VERSION: major ${major}, this server speaks ${VERSION_MAJOR}`);
    if (payload.length > VERSION_FIXED && payload[payload.length - 1] !== 0) throw new VfioUserRequestError(Errno.EINVAL, 'VERSION: the capabilities are not NUL-terminated');
    this.#versionDone = true;
    const json = new TextEncoder().encode(`${CAPABILITIES}\0`);
    const { out, view: v } = body(VERSION_FIXED + json.length);
    v.setUint16(0, VERSION_MAJOR, true);
    v.setUint16(2, VERSION_MINOR, true);
    out.set(json, VERSION_FIXED);
    return out;
  }

  #dmaMap(view: DataView, fds: number[]): ReplyBody {
    this.#needs(view, DMA_MAP_SIZE, 'DMA_MAP');
    if (fds.length > 1) throw new VfioUserRequestError(Errno.EINVAL, `DMA_MAP: ${fds.length} fds (0 or 1)`);
    const flags = view.getUint32(4, true);
    const offset = u64(view, 8, 'DMA_MAP offset');
    const iova = u64(view, 16, 'DMA_MAP iova');
    const size = u64(view, 24, 'DMA_MAP size');
    if (size === 0 || iova + size > Number.MAX_SAFE_INTEGER || offset + size > Number.MAX_SAFE_INTEGER) {
      throw new VfioUserRequestError(Errno.EINVAL, `DMA_MAP: ${size} bytes at IOVA 0x${iova.toString(16)}, offset 0x${offset.toString(16)}`);
    }
    if (this.#maps.overlapping(iova, size).length > 0) {
      throw new VfioUserRequestError(Errno.EEXIST, `DMA_MAP: 0x${iova.toString(16)}+0x${size.toString(16)} overlaps a mapped window`);
    }
    if (this.#maps.size >= MAX_DMA_MAPS) throw new VfioUserRequestError(Errno.ENOSPC, `DMA_MAP: ${MAX_DMA_MAPS} ranges are mapped already`);
    // The fd itself is closed when the request is done: the file stays mapped.
    const memory = fds.length === 1 && (flags & DMA_MAP_WRITE) !== 0 ? this.#fileMapping(fds[0], offset + size) : undefined;
    this.#add({ iova, length: size, memory, offset });
    return new Uint8Array(0);
  }

  /** The mapping of the file behind `fd`, mapped whole the first time, holding at least `bytes`. */
  #fileMapping(fd: number, bytes: number): MemoryMapping {
    let stat;
    try {
      stat = fstatSync(fd);
    } catch (error) {
      throw new VfioUserRequestError(Errno.EBADF, `DMA_MAP: the fd cannot be examined: ${(error as Error).message}`);
    }
    if (!stat.isFile()) throw new VfioUserRequestError(Errno.EINVAL, 'DMA_MAP: the fd is not a file of guest memory');
    const key = `${stat.dev}:${stat.ino}`;
    const have = this.#files.get(key);
    if (have && bytes <= have.length) return have;
    if (bytes > stat.size) throw new VfioUserRequestError(Errno.EINVAL, `DMA_MAP: the range ends at byte ${bytes} of a file of ${stat.size}`);
    if (!have && this.#files.size >= MAX_DMA_FILES) throw new VfioUserRequestError(Errno.ENOSPC, `DMA_MAP: memory from ${MAX_DMA_FILES} files is mapped already`);
    let mapping: MemoryMapping;
    try {
      mapping = mapFd(fd, { writable: true });
    } catch (error) {
      throw new VfioUserRequestError(Errno.EINVAL, `DMA_MAP: cannot map the fd's ${stat.size} bytes: ${(error as Error).message}`);
    }
    // A file that grew: windows into the old mapping stay valid (same pages) until the client goes.
    if (have) this.#outgrown.push(have);
    this.#files.set(key, mapping);
    return mapping;
  }

  /** Records `m` and lets the model reach it when it has memory. */
  #add(m: ClientMap): void {
    this.#maps.add(m);
    if (m.memory) this.model.dma.map({ vaddr: m.memory.address + m.offset, iova: m.iova, length: m.length }, m.memory);
  }

  #dmaUnmap(payload: Uint8Array, view: DataView): ReplyBody {
    this.#needs(view, DMA_UNMAP_SIZE, 'DMA_UNMAP');
    const flags = view.getUint32(4, true);
    if ((flags & ~DMA_UNMAP_ALL) !== 0) throw new VfioUserRequestError(Errno.ENOTSUP, `DMA_UNMAP: flags 0x${flags.toString(16)} (only UNMAP_ALL)`);
    if ((flags & DMA_UNMAP_ALL) !== 0) {
      for (const m of this.#maps.all) this.#remove(m);
      return payload.slice(0, DMA_UNMAP_SIZE);
    }
    const from = view.getBigUint64(8, true);
    const to = from + view.getBigUint64(16, true);
    if (to > U64_END) throw new VfioUserRequestError(Errno.EINVAL, `DMA_UNMAP: the range from IOVA 0x${from.toString(16)} wraps past 2^64`);
    // Nothing is mapped at or past 2^53 (DMA_MAP refuses it), so a range reaching there covers only
    // what lies below: QEMU unmaps a whole 64-bit IOMMU window as two halves of 2^63 bytes.
    const iova = Number(from < SAFE_END ? from : SAFE_END);
    const size = Number(to < SAFE_END ? to : SAFE_END) - iova;
    // Exactly the range goes: a map it covers in part keeps what lies outside, split in two if need be.
    for (const m of this.#maps.overlapping(iova, size)) {
      this.#remove(m);
      if (m.iova < iova) this.#add({ iova: m.iova, length: iova - m.iova, memory: m.memory, offset: m.offset });
      const end = m.iova + m.length;
      if (end > iova + size) this.#add({ iova: iova + size, length: end - (iova + size), memory: m.memory, offset: m.offset + (iova + size - m.iova) });
    }
    return payload.slice(0, DMA_UNMAP_SIZE);
  }

  #remove(m: ClientMap): void {
    this.#maps.remove(m);
    if (m.memory) this.model.dma.unmap(m.iova);
  }

  #deviceInfo(view: DataView): ReplyBody {
    this.#needs(view, DEVICE_INFO_SIZE, 'DEVICE_GET_INFO');
    const { out, view: v } = body(DEVICE_INFO_SIZE);
    v.setUint32(0, DEVICE_INFO_SIZE, true);
    v.setUint32(4, DEVICE_FLAGS_PCI | DEVICE_FLAGS_RESET, true);
    v.setUint32(8, NUM_REGIONS, true);
    v.setUint32(12, NUM_IRQS, true);
    return out;
  }

  /** Bytes of region `index` (0 when absent). */
  regionSize(index: number): number {
    if (index === CONFIG_REGION) return CONFIG_SIZE;
    return index < BAR_REGIONS ? (this.#bars.get(index)?.bar.size ?? 0) : 0;
  }

  #regionInfo(view: DataView): ReplyBody {
    this.#needs(view, REGION_INFO_SIZE, 'GET_REGION_INFO');
    const index = view.getUint32(8, true);
    if (index >= NUM_REGIONS) throw new VfioUserRequestError(Errno.EINVAL, `GET_REGION_INFO: region ${index} (the device has ${NUM_REGIONS})`);
    const size = this.regionSize(index);
    const { out, view: v } = body(REGION_INFO_SIZE);
    v.setUint32(0, REGION_INFO_SIZE, true);
    v.setUint32(4, size > 0 ? REGION_FLAG_READ | REGION_FLAG_WRITE : 0, true);
    v.setUint32(8, index, true);
    v.setUint32(12, 0, true);
    v.setBigUint64(16, BigInt(size), true);
    v.setBigUint64(24, 0n, true);
    return out;
  }

  /** Vectors of interrupt index `index` the device offers. */
  #irqCount(index: number): number {
    return this.#irqFds.get(index)?.length ?? 0;
  }

  #irqInfo(view: DataView): ReplyBody {
    this.#needs(view, IRQ_INFO_SIZE, 'GET_IRQ_INFO');
    const index = view.getUint32(8, true);
    if (index >= NUM_IRQS) throw new VfioUserRequestError(Errno.EINVAL, `GET_IRQ_INFO: interrupt index ${index} (the device has ${NUM_IRQS})`);
    const count = this.#irqCount(index);
    const { out, view: v } = body(IRQ_INFO_SIZE);
    v.setUint32(0, IRQ_INFO_SIZE, true);
    v.setUint32(4, count === 0 ? 0 : index === INTX_IRQ ? IRQ_INFO_EVENTFD | IRQ_INFO_MASKABLE | IRQ_INFO_AUTOMASKED : IRQ_INFO_EVENTFD, true);
    v.setUint32(8, index, true);
    v.setUint32(12, count, true);
    return out;
  }

  #setIrqs(view: DataView, fds: number[], kept: Set<number>): ReplyBody {
    this.#needs(view, SET_IRQS_SIZE, 'SET_IRQS');
    const flags = view.getUint32(4, true);
    const index = view.getUint32(8, true);
    const start = view.getUint32(12, true);
    const count = view.getUint32(16, true);
    const data = flags & IRQ_DATA_MASK;
    const action = flags & IRQ_ACTION_ALL;
    const vectors = this.#irqCount(index);
    if ((flags & ~(IRQ_DATA_MASK | IRQ_ACTION_ALL)) !== 0 || (data !== IRQ_DATA_NONE && data !== IRQ_DATA_EVENTFD)) {
      throw new VfioUserRequestError(Errno.EINVAL, `SET_IRQS: flags 0x${flags.toString(16)} (no data or eventfds only)`);
    }
    if (action !== IRQ_ACTION_TRIGGER) {
      // Masking: INTx only (QEMU masks MSI and MSI-X itself), one vector, no eventfd (that is KVM's resampling).
      if ((action !== IRQ_ACTION_MASK && action !== IRQ_ACTION_UNMASK) || index !== INTX_IRQ || data !== IRQ_DATA_NONE || start !== 0 || count !== 1) {
        throw new VfioUserRequestError(Errno.EINVAL, `SET_IRQS: flags 0x${flags.toString(16)} on index ${index} (only INTx masks, with no data)`);
      }
      this.model.setIrqs(index, 0, action === IRQ_ACTION_MASK ? 'mask' : 'unmask');
      return new Uint8Array(0);
    }
    if (index >= NUM_IRQS) throw new VfioUserRequestError(Errno.EINVAL, `SET_IRQS: interrupt index ${index} (the device has ${NUM_IRQS})`);
    if (data === IRQ_DATA_NONE && count === 0) {
      // Disables the whole index; also what QEMU sends for an index the device lacks (INTx).
      if (vectors > 0) this.#bindIrqs(index, 0, 'disable');
      return new Uint8Array(0);
    }
    if (start >= vectors || count > vectors - start) {
      throw new VfioUserRequestError(Errno.EINVAL, `SET_IRQS: vectors ${start}+${count} of index ${index} (it has ${vectors})`);
    }
    if (data === IRQ_DATA_NONE) {
      const bound = this.#irqFds.get(index) ?? [];
      for (let v = start; v < start + count; v++) if (bound[v] !== NO_FD) eventfdWrite(bound[v], 1);
      return new Uint8Array(0);
    }
    if (fds.length !== 0 && fds.length !== count) throw new VfioUserRequestError(Errno.EINVAL, `SET_IRQS: ${fds.length} eventfds for ${count} vectors`);
    const assigned = fds.length === 0 ? new Array<number>(count).fill(NO_FD) : fds;
    this.#bindIrqs(index, start, assigned);
    for (const fd of fds) kept.add(fd);
    return new Uint8Array(0);
  }

  /** Binds (or with 'disable' unbinds) the client's eventfds in the model, closing the ones replaced. */
  #bindIrqs(index: number, start: number, how: number[] | 'disable'): void {
    const table = this.#irqFds.get(index);
    if (!table) return;
    const fresh = how === 'disable' ? new Array<number>(table.length).fill(NO_FD) : how;
    const at = how === 'disable' ? 0 : start;
    this.model.setIrqs(index, at, how === 'disable' ? 'disable' : fresh);
    fresh.forEach((fd, i) => {
      const old = table[at + i];
      if (old !== NO_FD && old !== fd) closeFd(old);
      table[at + i] = fd;
    });
  }

  /** Checks a region access; returns its offset, region and count. */
  #access(view: DataView, what: string): { offset: number; region: number; count: number } {
    this.#needs(view, REGION_ACCESS_SIZE, what);
    const offset = u64(view, 0, `${what} offset`);
    const region = view.getUint32(8, true);
    const count = view.getUint32(12, true);
    const size = region < NUM_REGIONS ? this.regionSize(region) : 0;
    if (size === 0) throw new VfioUserRequestError(Errno.EINVAL, `${what}: region ${region} does not exist`);
    if (count === 0 || count > MAX_DATA_XFER || offset + count > size) {
      throw new VfioUserRequestError(Errno.EINVAL, `${what}: ${count} bytes at 0x${offset.toString(16)} of region ${region} (0x${size.toString(16)} bytes)`);
    }
    return { offset, region, count };
  }

  #regionRead(payload: Uint8Array, view: DataView): ReplyBody {
    const { offset, region, count } = this.#access(view, 'REGION_READ');
    if (view.byteLength !== REGION_ACCESS_SIZE) throw new VfioUserRequestError(Errno.EINVAL, `REGION_READ: ${view.byteLength} payload bytes (${REGION_ACCESS_SIZE})`);
    const out = new Uint8Array(REGION_ACCESS_SIZE + count);
    out.set(payload.subarray(0, REGION_ACCESS_SIZE));
    const data = out.subarray(REGION_ACCESS_SIZE);
    if (region === CONFIG_REGION) {
      this.config.showIntx(this.model.intxAsserted === true);
      data.set(this.config.bytes.subarray(offset, offset + count));
      return out;
    }
    const bar = this.#bars.get(region) as ServedBar;
    if (bar.memory) {
      data.set(bar.memory.subarray(offset, offset + count));
      return out;
    }
    const regs = bar.regs as PciRegisters;
    // A naturally aligned byte or halfword of a model with narrow registers (virtio's common
    // configuration packs several fields in one dword) is read at its own width.
    if (hasNarrowAccess(regs) && count <= 2 && offset % count === 0) {
      const value = count === 1 ? regs.read8(offset) : regs.read16(offset);
      for (let b = 0; b < count; b++) data[b] = (value >>> (8 * b)) & 0xff;
      return out;
    }
    // Each dword the access touches is read once (a register read may have side effects).
    for (let dword = offset & ~DWORD_MASK; dword < offset + count; dword += U32_BYTES) {
      const value = regs.read32(dword);
      for (let b = 0; b < U32_BYTES; b++) {
        const at = dword + b - offset;
        if (at >= 0 && at < count) data[at] = (value >>> (8 * b)) & 0xff;
      }
    }
    return out;
  }

  #regionWrite(payload: Uint8Array, view: DataView): ReplyBody {
    const { offset, region, count } = this.#access(view, 'REGION_WRITE');
    if (view.byteLength !== REGION_ACCESS_SIZE + count) throw new VfioUserRequestError(Errno.EINVAL, `REGION_WRITE: ${view.byteLength} payload bytes for ${count} data bytes`);
    const data = payload.subarray(REGION_ACCESS_SIZE);
    if (region === CONFIG_REGION) {
      this.config.write(offset, data);
    } else {
      const bar = this.#bars.get(region) as ServedBar;
      if (bar.memory) bar.memory.set(data, offset);
      else this.#writeRegisters(bar.regs as PciRegisters, offset, data, region);
    }
    return payload.slice(0, REGION_ACCESS_SIZE);
  }

  /** Register writes: whole aligned dwords, or 8/16-bit where the model offers them. */
  #writeRegisters(regs: PciRegisters, offset: number, data: Uint8Array, region: number): void {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if ((offset & DWORD_MASK) === 0 && (data.length & DWORD_MASK) === 0) {
      for (let i = 0; i < data.length; i += U32_BYTES) regs.write32(offset + i, v.getUint32(i, true));
    } else if (hasNarrowAccess(regs) && data.length === 2 && (offset & 1) === 0) {
      regs.write16(offset, v.getUint16(0, true));
    } else if (hasNarrowAccess(regs) && data.length === 1) {
      regs.write8(offset, data[0]);
    } else {
      throw new VfioUserRequestError(Errno.EINVAL, `REGION_WRITE: ${data.length} bytes at 0x${offset.toString(16)} of BAR ${region}: registers take aligned dwords`);
    }
  }
}
