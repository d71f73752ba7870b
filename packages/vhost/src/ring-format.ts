/**
 * What the two virtqueue formats (split and packed) share: the 16-byte descriptor's flags,
 * the ring addresses SET_VRING_ADDR gives, the negotiated features the data path follows,
 * and the interface {@link Virtqueue} drives a format through.
 */
import type { Arena, MbufView, Mempool } from '@nic/eal';
import type { GuestMemory } from './guest-memory.js';

/** A descriptor is 16 bytes: u64 addr, u32 len, then (split) u16 flags, u16 next or (packed) u16 id, u16 flags. */
export const DESC_SIZE = 16;
export const DESC_F_NEXT = 1;
export const DESC_F_WRITE = 2;
export const DESC_F_INDIRECT = 4;

/** Ring addresses from SET_VRING_ADDR (frontend virtual addresses; `log` is guest-physical). */
export interface VringAddresses {
  /** Descriptor table (split) or descriptor ring (packed). */
  readonly desc: number;
  /** Avail ring (split) or driver event suppression area (packed). */
  readonly avail: number;
  /** Used ring (split) or device event suppression area (packed). */
  readonly used: number;
  readonly flags: number;
  readonly log: number;
}

/** The negotiated features the data path follows. */
export interface VringFeatures {
  readonly hdrSize: number;
  readonly mrgRxbuf: boolean;
  readonly eventIdx: boolean;
  readonly indirect: boolean;
  /** VIRTIO_F_RING_PACKED (split when absent). */
  readonly packed?: boolean;
  /** VIRTIO_F_IN_ORDER: a packed ring's guest-to-host burst is written as one used descriptor. */
  readonly inOrder?: boolean;
}

/** One ring format's data path, driven by {@link Virtqueue} under the vring's lock. */
export interface RingFormat {
  /** Translates the rings into `mem`; returns an error message, or undefined when mapped. */
  map(mem: GuestMemory, a: VringAddresses, num: number, index: number, negotiated: VringFeatures): string | undefined;
  /**
   * Whether the burst that follows runs the format's WebAssembly kernel (`on`: the guest's
   * regions, and the log while logging, are windows of `arena`'s memory).
   */
  prepare(arena: Arena, on: boolean): void;
  /** Takes the shared state's indices for a burst; false when they do not fit the ring. */
  begin(lastAvail: number, lastUsed: number): boolean;
  /** The indices to store back after a burst, in the shared state's (and GET_VRING_BASE's) form. */
  readonly la: number;
  readonly lu: number;
  dequeue(mem: GuestMemory, mbufs: MbufView, pool: Mempool, out: Uint32Array, n: number, offset: number): number;
  enqueue(mem: GuestMemory, handles: Uint32Array, n: number, offset: number): number;
  /** Asks the driver to kick (`on`) or not; `lastAvail` in the shared state's form. */
  setNotification(on: boolean, lastAvail: number): void;
  /** Descriptors (packed) or entries (split) made available past `lastAvail`. */
  availCount(lastAvail: number): number;
  /** Guest address used-ring writes are logged at (VRING_F_LOG), or -1. */
  usedLog: number;
  /** Marks `length` bytes at `offset` of the used ring (split) dirty while logging. */
  logUsed(offset: number, length: number): void;
}
