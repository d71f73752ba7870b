/**
 * Test frontends written here: guest memory in a /dev/shm file both sides map, a split ring
 * laid out in it, and a vhost-user client that sends raw messages (hostile ones too).
 */
import { openSync, readdirSync, readFileSync, readlinkSync, ftruncateSync, unlinkSync } from 'node:fs';
import type { SharedWasmMemory } from '@nic/eal';
import { closeFd, mapFd, unixConnect, unixRecvmsg, unixSendmsg, type MemoryMapping } from '@nic/native';
import { GuestMemory } from '../guest-memory.js';
import { FLAG_VERSION, HEADER_SIZE } from '../protocol.js';
import { Virtqueue, availSize, DESC_SIZE } from '../virtqueue.js';

let serial = 0;

/** A shared-memory file of `size` bytes: its path (already unlinked) and `count` fds open on it. */
export function guestFile(size: number, count = 2): { path: string; fds: number[] } {
  const path = `/dev/shm/nic-vhost-${process.pid}-${serial++}`;
  const fds: number[] = [];
  for (let i = 0; i < count; i++) fds.push(openSync(path, 'w+'));
  ftruncateSync(fds[0], size);
  unlinkSync(path);
  return { path, fds };
}

/** Lines of /proc/self/maps that map `path`. */
export function mappingsOf(path: string): number {
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes(path)).length;
}

/**
 * Open fds of this process; with `target`, only those whose link is it (a guest file's path,
 * deleted or not, or {@link EVENTFD_LINK}), so fds the test runner opens meanwhile do not count.
 */
export function openFds(target?: string): number {
  const fds = readdirSync('/proc/self/fd');
  if (target === undefined) return fds.length;
  return fds.filter((fd) => {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      return link === target || link === `${target} (deleted)`;
    } catch {
      return false; // closed between the listing and the look (readdir's own fd among them)
    }
  }).length;
}

/** The link target every eventfd has in /proc/self/fd. */
export const EVENTFD_LINK = 'anon_inode:[eventfd]';

/** Guest-physical base of the test region, and its frontend-virtual base. */
export const GPA_BASE = 0x100000;
export const UVA_BASE = 0x7f0000000000;
/** Region offsets of the ring parts and of the buffers. */
export const DESC_OFF = 0;
export const BUFFERS_OFF = 0x10000;

/** A guest memory region with one split ring in it, seen from both sides. */
export class GuestRing {
  readonly size: number;
  readonly num: number;
  readonly path: string;
  readonly mem: GuestMemory;
  readonly vq: Virtqueue;
  /** The frontend's own mapping of the region. */
  readonly front: MemoryMapping;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly availOff: number;
  readonly usedOff: number;
  #availIdx = 0;

  /** `memory`: map the region as a window of it (the arena's), so that bursts run the kernel. */
  constructor(num = 8, size = 1 << 20, hdrSize = 12, indirect = true, memory?: SharedWasmMemory) {
    this.size = size;
    this.num = num;
    const { path, fds } = guestFile(size);
    this.path = path;
    this.mem = new GuestMemory([{ guestPhysAddr: GPA_BASE, size, userspaceAddr: UVA_BASE, mmapOffset: 0 }], [fds[0]], memory);
    this.front = mapFd(fds[1], { length: size, writable: true });
    closeFd(fds[1]);
    this.u8 = new Uint8Array(this.front.buffer);
    this.dv = new DataView(this.front.buffer);
    this.availOff = DESC_OFF + num * DESC_SIZE;
    this.usedOff = (this.availOff + availSize(num) + 4095) & ~4095;
    this.vq = new Virtqueue(1);
    this.vq.num = num;
    this.vq.setAddresses({ desc: UVA_BASE + DESC_OFF, avail: UVA_BASE + this.availOff, used: UVA_BASE + this.usedOff, flags: 0, log: 0 });
    const error = this.vq.map(this.mem, { hdrSize, mrgRxbuf: hdrSize === 12, eventIdx: false, indirect });
    if (error) throw new Error(error);
    this.vq.enabled = true;
  }

  /** Writes descriptor `i` of the table at region offset `table`. */
  desc(i: number, addr: number, len: number, flags: number, next = 0, table = DESC_OFF): void {
    const o = table + i * DESC_SIZE;
    this.dv.setBigUint64(o, BigInt(addr), true);
    this.dv.setUint32(o + 8, len, true);
    this.dv.setUint16(o + 12, flags, true);
    this.dv.setUint16(o + 14, next, true);
  }

  /** Zeroes the region and starts the ring over on both sides. */
  reset(): void {
    this.u8.fill(0);
    this.#availIdx = 0;
    this.vq.lastAvail = this.vq.lastUsed = 0;
    this.vq.clearCounters();
  }

  /** Makes chain `head` available. */
  push(head: number): void {
    this.dv.setUint16(this.availOff + 4 + 2 * (this.#availIdx % this.num), head, true);
    this.#availIdx = (this.#availIdx + 1) & 0xffff;
    this.dv.setUint16(this.availOff + 2, this.#availIdx, true);
  }

  usedIdx(): number {
    return this.dv.getUint16(this.usedOff + 2, true);
  }

  used(i: number): { id: number; len: number } {
    const o = this.usedOff + 4 + 8 * (i % this.num);
    return { id: this.dv.getUint32(o, true), len: this.dv.getUint32(o + 4, true) };
  }

  close(): void {
    this.mem.unmap();
    this.front.unmap();
  }
}

/** A raw vhost-user client. */
export class RawFrontend {
  readonly fd: number;
  readonly #buffer = new Uint8Array(4096);

  constructor(path: string) {
    this.fd = unixConnect(path);
  }

  send(request: number, payload: Uint8Array = new Uint8Array(0), fds: readonly number[] = [], flags = FLAG_VERSION, size = payload.length): void {
    const m = new Uint8Array(HEADER_SIZE + payload.length);
    const v = new DataView(m.buffer);
    v.setUint32(0, request, true);
    v.setUint32(4, flags, true);
    v.setUint32(8, size, true);
    m.set(payload, HEADER_SIZE);
    if (unixSendmsg(this.fd, m, fds) !== m.length) throw new Error('the backend did not take the whole message');
  }

  /** The next reply, or 'closed' when the backend hung up; waits up to `timeoutMs`. */
  async receive(timeoutMs = 5000): Promise<{ request: number; flags: number; payload: DataView } | 'closed'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let got;
      try {
        got = unixRecvmsg(this.fd, this.#buffer);
      } catch {
        return 'closed'; // reset: the backend closed with our messages unread
      }
      if (got.bytes === 0) return 'closed';
      if (got.bytes > 0) {
        const v = new DataView(this.#buffer.buffer, 0, got.bytes);
        return { request: v.getUint32(0, true), flags: v.getUint32(4, true), payload: new DataView(this.#buffer.slice(HEADER_SIZE, got.bytes).buffer) };
      }
      if (Date.now() > deadline) throw new Error('no reply from the backend');
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  close(): void {
    closeFd(this.fd);
  }
}

/** A u64 payload. */
export function u64(value: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(value), true);
  return b;
}

/** A `{u32, u32}` payload. */
export function state(index: number, num: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, index, true);
  v.setUint32(4, num, true);
  return b;
}

/** A SET_MEM_TABLE payload. */
export function memTable(regions: readonly (readonly [number | bigint, number | bigint, number | bigint, number | bigint])[]): Uint8Array {
  const b = new Uint8Array(8 + 32 * regions.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, regions.length, true);
  regions.forEach((r, i) => r.forEach((x, j) => v.setBigUint64(8 + 32 * i + 8 * j, BigInt(x), true)));
  return b;
}
