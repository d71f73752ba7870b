/**
 * A vhost frontend as a vDPA driver sees it once the vhost library has done its part: guest
 * memory (one region, its GPA distinct from its host address), split vrings laid out in it,
 * kick and call eventfds, ring bases, an optional dirty log; and the requests a driver makes
 * back (host notifiers, config changes, used-ring logging) recorded for assertions.
 */
import { allocAnonymous, closeFd, eventfd, eventfdWrite, type MemoryMapping } from '@nic/native';
import { until } from '@nic/native/testing';
import type { VdpaVhostDevice, VhostLogArea, VhostMemoryRegion, VhostVringInfo, VringBase } from '@nic/vdpa';

/** Where the guest sees its memory (not where this process maps it). */
export const GUEST_BASE = 0x4000_0000;
const MEMORY = 1 << 20;
const RING_SPACE = 0x4000;
const BUFFERS_AT = 0x80000;
const BUFFER_SIZE = 2048;
const DESC_SIZE = 16;
const VRING_DESC_F_NEXT = 1;
const VRING_DESC_F_WRITE = 2;
const NET_HDR = 12;
/** A log covering guest physical addresses up to the end of guest memory (one bit per 4 KiB page). */
const LOG_SIZE = (GUEST_BASE + MEMORY) / 4096 / 8;
/** Bytes of a virtio-blk request header (type, reserved, sector). */
const BLK_HEADER = 16;
const BLK_HEADER_SECTOR = 8;

/** A virtio-blk request header: request `type` at `sector` (512-byte units). */
export function blkHeader(type: number, sector: bigint): Uint8Array {
  const h = new Uint8Array(BLK_HEADER);
  const v = new DataView(h.buffer);
  v.setUint32(0, type, true);
  v.setBigUint64(BLK_HEADER_SECTOR, sector, true);
  return h;
}

/** A request the device completed: each buffer's memory offset, the status byte (first of the last buffer), the used length. */
export interface CompletedRequest {
  readonly at: number[];
  readonly status: number;
  readonly len: number;
}

export class FakeFrontend implements VdpaVhostDevice {
  readonly vid = 7;
  readonly memory: MemoryMapping;
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly kickfds: number[];
  readonly callfds: number[];
  readonly enabled: boolean[];
  readonly bases: VringBase[];
  features = 0n;
  readonly notifierCalls: [number | 'all', boolean][] = [];
  configChanges = 0;
  readonly loggedUsed: [number, number, number][] = [];
  log: MemoryMapping | undefined;
  readonly #size: number;
  readonly #availIdx: number[];
  #nextBuffer = 0;

  constructor(vrings: number, size = 64) {
    this.memory = allocAnonymous(MEMORY);
    this.u8 = new Uint8Array(this.memory.buffer);
    this.view = new DataView(this.memory.buffer);
    this.#size = size;
    this.kickfds = Array.from({ length: vrings }, () => eventfd(0, { nonblock: true }));
    this.callfds = Array.from({ length: vrings }, () => eventfd(0, { nonblock: true }));
    this.enabled = new Array<boolean>(vrings).fill(true);
    this.bases = Array.from({ length: vrings }, () => ({ lastAvail: 0, lastUsed: 0 }));
    this.#availIdx = new Array<number>(vrings).fill(0);
  }

  close(): void {
    for (const fd of [...this.kickfds, ...this.callfds]) closeFd(fd);
    this.memory.unmap();
    this.log?.unmap();
  }

  /** Offsets in memory of vring `qid`'s parts. */
  ring(qid: number): { desc: number; avail: number; used: number } {
    const desc = qid * RING_SPACE;
    return { desc, avail: desc + DESC_SIZE * this.#size, used: desc + RING_SPACE / 2 };
  }

  // ----- VdpaVhostDevice -----

  memTable(): readonly VhostMemoryRegion[] {
    return [{ guestPhysAddr: GUEST_BASE, hostUserAddr: this.memory.address, size: MEMORY }];
  }

  negotiatedFeatures(): bigint {
    return this.features;
  }

  vringCount(): number {
    return this.kickfds.length;
  }

  vring(qid: number): VhostVringInfo {
    const r = this.ring(qid);
    const hva = this.memory.address;
    return { desc: hva + r.desc, avail: hva + r.avail, used: hva + r.used, size: this.#size, kickfd: this.kickfds[qid], callfd: this.callfds[qid], enabled: this.enabled[qid] };
  }

  vringBase(qid: number): VringBase {
    return this.bases[qid];
  }

  setVringBase(qid: number, base: VringBase): void {
    this.bases[qid] = base;
  }

  hostNotifierCtrl(qid: number | 'all', enable: boolean): boolean {
    this.notifierCalls.push([qid, enable]);
    return true;
  }

  configChange(): void {
    this.configChanges++;
  }

  vringCall(qid: number): void {
    eventfdWrite(this.callfds[qid], 1);
  }

  logArea(): VhostLogArea | undefined {
    return this.log ? { address: this.log.address, size: LOG_SIZE } : undefined;
  }

  logUsedVring(qid: number, offset: number, length: number): void {
    this.loggedUsed.push([qid, offset, length]);
  }

  // ----- the guest driver's side -----

  /** Shares a dirty log (zeroed). */
  shareLog(): Uint8Array {
    this.log = allocAnonymous(LOG_SIZE);
    return new Uint8Array(this.log.buffer, 0, LOG_SIZE);
  }

  /** Puts one buffer of `length` bytes (device-writable or not) on vring `qid`; returns its memory offset. */
  post(qid: number, data: Uint8Array | number, writable: boolean): number {
    const r = this.ring(qid);
    const slot = this.#availIdx[qid] % this.#size;
    const at = BUFFERS_AT + BUFFER_SIZE * this.#nextBuffer++;
    const length = typeof data === 'number' ? data : data.length;
    if (typeof data !== 'number') this.u8.set(data, at);
    const d = r.desc + DESC_SIZE * slot;
    this.view.setBigUint64(d, BigInt(GUEST_BASE + at), true);
    this.view.setUint32(d + 8, length, true);
    this.view.setUint16(d + 12, writable ? VRING_DESC_F_WRITE : 0, true);
    this.view.setUint16(r.avail + 4 + 2 * slot, slot, true);
    this.#availIdx[qid] = (this.#availIdx[qid] + 1) & 0xffff;
    this.view.setUint16(r.avail + 2, this.#availIdx[qid], true);
    return at;
  }

  /**
   * Puts one chain of buffers on vring `qid` (each `data` the driver wrote, or a length the
   * device is to write); returns each buffer's memory offset. Do not mix with {@link post} on
   * one vring.
   */
  postChain(qid: number, parts: readonly (Uint8Array | number)[], writable: readonly boolean[]): number[] {
    const r = this.ring(qid);
    const head = this.#availIdx[qid] % this.#size;
    const offsets = parts.map((data, i) => {
      const at = BUFFERS_AT + BUFFER_SIZE * this.#nextBuffer++;
      const length = typeof data === 'number' ? data : data.length;
      if (typeof data !== 'number') this.u8.set(data, at);
      const d = r.desc + DESC_SIZE * ((head + i) % this.#size);
      const next = i + 1 < parts.length;
      this.view.setBigUint64(d, BigInt(GUEST_BASE + at), true);
      this.view.setUint32(d + 8, length, true);
      this.view.setUint16(d + 12, (writable[i] ? VRING_DESC_F_WRITE : 0) | (next ? VRING_DESC_F_NEXT : 0), true);
      this.view.setUint16(d + 14, (head + i + 1) % this.#size, true);
      return at;
    });
    // Descriptors are taken like post()'s; the avail entry goes where the avail index is.
    const availIdx = this.view.getUint16(r.avail + 2, true);
    this.view.setUint16(r.avail + 4 + 2 * (availIdx % this.#size), head, true);
    this.#availIdx[qid] = (this.#availIdx[qid] + parts.length) & 0xffff;
    this.view.setUint16(r.avail + 2, (availIdx + 1) & 0xffff, true);
    return offsets;
  }

  /**
   * Posts one chain on vring `qid` ({@link postChain}), kicks, and waits (at most `timeoutMs`)
   * until the device has used it.
   */
  async request(qid: number, parts: readonly (Uint8Array | number)[], writable: readonly boolean[], timeoutMs?: number): Promise<CompletedRequest> {
    const at = this.postChain(qid, parts, writable);
    const done = (this.usedIdx(qid) + 1) & 0xffff;
    this.kick(qid);
    await until('the request to complete', () => this.usedIdx(qid) === done, timeoutMs);
    return { at, status: this.u8[at[at.length - 1]], len: this.usedEntry(qid, (done + 0xffff) & 0xffff).len };
  }

  /** Sends `frame` on tx vring `qid` (a zero virtio-net header first) and kicks. */
  transmit(qid: number, frame: Uint8Array): void {
    const data = new Uint8Array(NET_HDR + frame.length);
    data.set(frame, NET_HDR);
    this.post(qid, data, false);
    eventfdWrite(this.kickfds[qid], 1);
  }

  /** Kicks vring `qid` (its kick eventfd). */
  kick(qid: number): void {
    eventfdWrite(this.kickfds[qid], 1);
  }

  /** The used ring's idx of vring `qid`. */
  usedIdx(qid: number): number {
    return this.view.getUint16(this.ring(qid).used + 2, true);
  }

  /** Used entry `i` of vring `qid`: descriptor id and length written. */
  usedEntry(qid: number, i: number): { id: number; len: number } {
    const at = this.ring(qid).used + 4 + 8 * (i % this.#size);
    return { id: this.view.getUint32(at, true), len: this.view.getUint32(at + 4, true) };
  }
}
