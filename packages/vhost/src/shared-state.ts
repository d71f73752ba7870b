/**
 * The device state the data path needs, in shared memory, so that any thread can poll a
 * vring (DPDK's `struct virtio_net` and `vhost_virtqueue` that every lcore reads). The thread
 * that owns the vhost-user connection is the only writer of the control part; it publishes
 * each change under every vring's access lock and bumps the generation. A poller takes its
 * vring's lock for one burst and, when the generation moved, rebuilds its ring views (and
 * attaches the guest memory again when the memory generation moved). So the memory table
 * never changes under a burst, as DPDK's `access_lock` guarantees.
 *
 * Layout (bytes; i32 slots unless noted):
 * - header: generation, memory generation, regions, data-path flags, running, RARP pending,
 *   log address (f64), log size (f64), log window address (f64), then {@link MAX_MEM_REGIONS} regions of five f64
 *   (guest-physical address, size, frontend virtual address, host address, address in the
 *   arena's WebAssembly memory or -1 when mapped apart), then the MAC
 *   to announce (6 bytes in an 8-byte slot);
 * - per vring, {@link VRING_STATE_SIZE} bytes: lock, last avail, last used, errors, dropped,
 *   num, enabled, call fd, addresses set, address flags, pad, pad, then desc, avail, used and
 *   log addresses (f64).
 */
import { MAX_MEM_REGIONS } from './protocol.js';

export const S_GEN = 0;
export const S_MEM_GEN = 1;
export const S_REGIONS = 2;
export const S_FLAGS = 3;
export const S_RUNNING = 4;
/** 1 while a RARP announcement (SEND_RARP) waits for an rx burst to deliver it. */
export const S_RARP = 5;
/** f64 slots of the header. */
export const S_LOG_ADDR_F64 = 3;
export const S_LOG_SIZE_F64 = 4;
/** The log's address in the arena's WebAssembly memory, or -1 when mapped apart. */
export const S_LOG_WINDOW_F64 = 5;
export const S_REGION_F64 = 6;
/** f64 fields of a region. */
export const R_GPA = 0;
export const R_SIZE = 1;
export const R_UVA = 2;
export const R_HOST = 3;
export const R_WINDOW = 4;
export const REGION_F64 = 5;
/** The 8-byte slot of the MAC to announce. */
export const S_RARP_MAC_F64 = S_REGION_F64 + MAX_MEM_REGIONS * REGION_F64;
const MAC_LEN = 6;
/** Bytes of the header. */
export const STATE_HEADER_SIZE = (S_RARP_MAC_F64 + 1) * 8;

/** Data-path flags (S_FLAGS). */
export const F_HDR_12 = 1;
export const F_MRG_RXBUF = 2;
export const F_EVENT_IDX = 4;
export const F_INDIRECT = 8;
export const F_LOGGING = 16;
export const F_IN_ORDER = 32;
export const F_PACKED = 64;

/** i32 slots of a vring block. */
export const V_LOCK = 0;
export const V_LAST_AVAIL = 1;
export const V_LAST_USED = 2;
export const V_ERRORS = 3;
export const V_DROPPED = 4;
export const V_NUM = 5;
export const V_ENABLED = 6;
export const V_CALL_FD = 7;
export const V_HAS_ADDR = 8;
export const V_ADDR_FLAGS = 9;
/** f64 slots of a vring block. */
export const V_DESC_F64 = 6;
export const V_AVAIL_F64 = 7;
export const V_USED_F64 = 8;
export const V_LOG_F64 = 9;
/** Bytes of a vring block. */
export const VRING_STATE_SIZE = 80;

/** Lock word values: free, held by a burst, held by the control thread. */
export const LOCK_FREE = 0;
export const LOCK_BURST = 1;
export const LOCK_CONTROL = 2;

/** Bytes of the shared state of a device with `vrings` vrings. */
export function vhostStateSize(vrings: number): number {
  return STATE_HEADER_SIZE + vrings * VRING_STATE_SIZE;
}

/** Where a device's shared state lies: `size` bytes at an 8-aligned `offset` of `buffer`. */
export interface VhostStateLocation {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
}

/** Views over one device's shared state; every thread builds its own over the same bytes. */
export class VhostSharedState {
  readonly location: VhostStateLocation;
  readonly vrings: number;
  /** Header i32 slots. */
  readonly h32: Int32Array;
  /** Header f64 slots. */
  readonly h64: Float64Array;
  /** Per vring: its i32 and f64 slots. */
  readonly v32: Int32Array[] = [];
  readonly v64: Float64Array[] = [];
  /** The MAC of the pending RARP announcement (see {@link announce}). */
  readonly rarpMac: Uint8Array;

  /** @throws RangeError when the location is unaligned or too small for `vrings` vrings. */
  constructor(location: VhostStateLocation, vrings: number) {
    const { buffer, offset } = location;
    if (offset % 8 !== 0 || offset < 0 || offset + vhostStateSize(vrings) > buffer.byteLength) {
      throw new RangeError(`vhost shared state: ${vhostStateSize(vrings)} bytes at ${offset} do not fit an 8-aligned place in ${buffer.byteLength}`);
    }
    this.location = location;
    this.vrings = vrings;
    this.h32 = new Int32Array(buffer, offset, STATE_HEADER_SIZE >>> 2);
    this.h64 = new Float64Array(buffer, offset, STATE_HEADER_SIZE >>> 3);
    this.rarpMac = new Uint8Array(buffer, offset + S_RARP_MAC_F64 * 8, MAC_LEN);
    for (let i = 0; i < vrings; i++) {
      const at = offset + STATE_HEADER_SIZE + i * VRING_STATE_SIZE;
      this.v32.push(new Int32Array(buffer, at, VRING_STATE_SIZE >>> 2));
      this.v64.push(new Float64Array(buffer, at, VRING_STATE_SIZE >>> 3));
    }
  }

  /** A fresh state of its own (a device that no other thread polls). */
  static local(vrings: number): VhostSharedState {
    return new VhostSharedState({ buffer: new SharedArrayBuffer(vhostStateSize(vrings)), offset: 0 }, vrings);
  }

  /**
   * Takes every vring's lock for the control thread, waiting for bursts in flight to end
   * (a burst holds its lock for one burst only). Calls nest: only the outermost locks.
   */
  lockAll(): void {
    if (this.#depth++ > 0) return;
    for (const v of this.v32) {
      while (Atomics.compareExchange(v, V_LOCK, LOCK_FREE, LOCK_CONTROL) !== LOCK_FREE) {
        // Another thread is in a burst on this vring: it ends in microseconds.
      }
    }
  }

  /** Publishes the change (a new generation) and releases the locks {@link lockAll} took. */
  unlockAll(): void {
    if (--this.#depth > 0) return;
    Atomics.add(this.h32, S_GEN, 1);
    for (const v of this.v32) Atomics.store(v, V_LOCK, LOCK_FREE);
  }

  /**
   * Asks the pollers to deliver one RARP announcement of `mac` (SEND_RARP, after a
   * migration); a second request before one is delivered replaces the MAC.
   */
  announce(mac: Uint8Array): void {
    this.rarpMac.set(mac.subarray(0, MAC_LEN));
    // Seq-cst store after the MAC: a poller that sees the flag sees the MAC.
    Atomics.store(this.h32, S_RARP, 1);
  }

  /** Takes the pending announcement, if any: true for exactly one caller per {@link announce}. */
  takeAnnouncement(): boolean {
    return this.h32[S_RARP] !== 0 && Atomics.compareExchange(this.h32, S_RARP, 1, 0) === 1;
  }

  /** Drops a pending announcement (the device was reset). */
  cancelAnnouncement(): void {
    Atomics.store(this.h32, S_RARP, 0);
  }

  #depth = 0;
}
