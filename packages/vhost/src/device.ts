/**
 * A vhost-user device: the state one frontend connection negotiates (features, memory
 * table, vrings) and the handler of each request. Messages reach it already checked by
 * {@link checkMessage}; the rules here are the ones that need state (ring index below the
 * number of vrings, features within what was offered, rings inside guest memory).
 */
import { registerLogtype, type Arena, type GuestWindow } from '@nic/eal';
import { NicError, closeFd, mapFd, type MemoryMapping } from '@nic/native';
import { BackendChannel } from './backend-channel.js';
import { GuestMemory, windowsOf } from './guest-memory.js';
import type { KickInterrupt } from './kick-interrupt.js';
import { memTableRegions, requestName } from './message.js';
import {
  ADDR_AVAIL,
  ADDR_DESC,
  ADDR_FLAGS,
  ADDR_INDEX,
  ADDR_LOG,
  ADDR_USED,
  Feature,
  ProtocolFeature,
  Request,
  VRING_IDX_MASK,
  VRING_NOFD_MASK,
  bit,
} from './protocol.js';
import {
  REGION_F64,
  R_GPA,
  R_HOST,
  R_WINDOW,
  R_SIZE,
  R_UVA,
  S_FLAGS,
  S_LOG_ADDR_F64,
  S_LOG_SIZE_F64,
  S_LOG_WINDOW_F64,
  S_MEM_GEN,
  S_REGIONS,
  S_REGION_F64,
  S_RUNNING,
  VhostSharedState,
  type VhostStateLocation,
} from './shared-state.js';
import { NET_HDR_SIZE, NET_HDR_SIZE_LEGACY, Virtqueue, type VringFeatures } from './virtqueue.js';

/** Device status bit DRIVER_OK (virtio 1.x). */
export const STATUS_DRIVER_OK = 4;

/** Application callbacks (DPDK's `rte_vhost_device_ops`). */
export interface VhostDeviceOps {
  /** The first queue pair is ready (and, with STATUS, the driver is OK): traffic may flow. */
  newDevice?(device: VhostDevice): void;
  /** The device stopped (rings stopped, frontend gone or reset). */
  destroyDevice?(device: VhostDevice): void;
  /** A vring was enabled or disabled. */
  vringStateChanged?(device: VhostDevice, vring: number, enabled: boolean): void;
  /** SET_FEATURES changed the negotiated features. */
  featuresChanged?(device: VhostDevice, features: bigint): void;
}

/** What a device offers. */
export interface VhostDeviceConfig {
  readonly features: bigint;
  readonly protocolFeatures: bigint;
  /** Queue pairs offered (GET_QUEUE_NUM); 2 vrings each. */
  readonly queuePairs: number;
  /** A device (vDPA) serves the rings: they are mapped, never written (see the socket option). */
  readonly deviceRings?: boolean;
  /**
   * Where to keep the state pollers on other threads read ({@link vhostStateSize} bytes of
   * shared memory, such as the arena); by default memory of the device's own.
   */
  readonly state?: VhostStateLocation;
  /**
   * Per vring index, the kick interrupt a poller sleeps on (net_vhost's rx interrupts): the
   * device hands it each kick eventfd the frontend gives and wakes it when the ring is set
   * up again.
   */
  readonly kickInterrupts?: readonly (KickInterrupt | undefined)[];
  /**
   * The arena the data path moves packets to and from: the guest's regions are mapped as
   * windows of its WebAssembly memory, so that split rings run the WebAssembly kernel. When
   * absent, or when the memory cannot hold the regions, they are mapped apart (the reason is
   * `memory.apart`, and logged at NOTICE) and bursts run in TypeScript.
   */
  readonly arena?: Arena;
}

const log = registerLogtype('lib.vhost');

/** A reply payload: a u64, or raw bytes. */
export type Reply = bigint | Uint8Array;

export class VhostDevice {
  readonly config: VhostDeviceConfig;
  readonly vrings: Virtqueue[] = [];
  features = 0n;
  protocolFeatures = 0n;
  status = 0;
  mtu = 0;
  memory: GuestMemory | undefined;
  /** The dirty log (SET_LOG_BASE), as a byte view of its mapping. */
  log: Uint8Array | undefined;
  /** Where the dirty log's first byte lies in this process, while one is mapped (for a device's DMA). */
  get logAddress(): number | undefined {
    return this.log ? this.#logAddress : undefined;
  }
  /** Unmaps the log (its window or mapping). */
  #logRelease: (() => void) | undefined;
  /** The log's address in the arena's WebAssembly memory, or -1. */
  #logWindow = -1;
  #backend: BackendChannel | undefined;
  /** Whether {@link VhostDeviceOps.newDevice} has been called and not yet undone. */
  running = false;
  /** The state pollers follow ({@link Virtqueue.attach}). */
  readonly shared: VhostSharedState;
  readonly #ops: VhostDeviceOps;
  #logAddress = 0;

  constructor(config: VhostDeviceConfig, ops: VhostDeviceOps = {}) {
    this.config = config;
    this.#ops = ops;
    const vrings = config.queuePairs * 2;
    this.shared = config.state ? new VhostSharedState(config.state, vrings) : VhostSharedState.local(vrings);
    for (let i = 0; i < vrings; i++) this.vrings.push(new Virtqueue(i, this.shared));
  }

  /**
   * Runs a change of the device under every vring's access lock (no burst runs meanwhile,
   * on any thread), then publishes the result to the pollers.
   */
  #locked<T>(change: () => T): T {
    this.shared.lockAll();
    try {
      return change();
    } finally {
      this.#publishShared();
      this.shared.unlockAll();
    }
  }

  /** Writes what pollers on other threads need: memory table, features, log, running. */
  #publishShared(): void {
    const { h32, h64 } = this.shared;
    const mem = this.memory;
    if (mem !== this.#publishedMemory) {
      const regions = mem ? mem.regions.length : 0;
      for (let i = 0; i < regions; i++) {
        const r = mem!.regions[i];
        const at = S_REGION_F64 + i * REGION_F64;
        h64[at + R_GPA] = r.guestPhysAddr;
        h64[at + R_SIZE] = r.size;
        h64[at + R_UVA] = r.userspaceAddr;
        h64[at + R_HOST] = mem!.hostAddress(i);
        h64[at + R_WINDOW] = mem!.windowAddresses[i] ?? -1;
      }
      h32[S_REGIONS] = regions;
      h32[S_MEM_GEN]++;
      this.#publishedMemory = mem;
    }
    h32[S_FLAGS] = Virtqueue.flags(this.#features(), this.has(Feature.F_LOG_ALL) && this.log !== undefined);
    h32[S_RUNNING] = this.running ? 1 : 0;
    h64[S_LOG_SIZE_F64] = this.log ? this.log.length : 0;
    h64[S_LOG_ADDR_F64] = this.log ? this.#logAddress : 0;
    h64[S_LOG_WINDOW_F64] = this.#logWindow;
  }

  #publishedMemory: GuestMemory | undefined;

  /** The backend-to-frontend channel while it is open (see {@link backendChannel}). */
  get backend(): BackendChannel | undefined {
    return this.#backend?.closed ? undefined : this.#backend;
  }

  /**
   * The backend-to-frontend channel the frontend gave (SET_BACKEND_REQ_FD), for requests to
   * it: config change, host notifiers.
   * @throws NicError `NIC_ENOTSUP` when the frontend did not negotiate BACKEND_REQ or gave no
   *   channel, `NIC_EIO` when it closed the channel.
   */
  backendChannel(): BackendChannel {
    const channel = this.#backend;
    if (!channel) {
      const why = (this.protocolFeatures & bit(ProtocolFeature.BACKEND_REQ)) === 0n ? 'did not negotiate BACKEND_REQ' : 'gave no channel (SET_BACKEND_REQ_FD)';
      throw new NicError('NIC_ENOTSUP', `vhost-user: no backend channel: the frontend ${why}`);
    }
    if (channel.closed) throw new NicError('NIC_EIO', `vhost-user: the frontend closed the backend channel${channel.error ? ` (${channel.error.message})` : ''}`);
    return channel;
  }

  /** Whether the frontend acked feature `n`. */
  has(n: number): boolean {
    return (this.features & bit(n)) !== 0n;
  }

  /**
   * Handles one checked message; `fds` are owned from here on (kept or closed). Returns the
   * reply payload for requests that have one, or undefined.
   * @throws NicError for a request the device refuses; the fds are closed.
   */
  handle(request: number, payload: DataView, fds: number[]): Reply | undefined {
    try {
      return this.#locked(() => this.#dispatch(request, payload, fds));
    } catch (error) {
      for (const fd of fds) if (fd >= 0) closeFd(fd);
      fds.length = 0; // closed once: the connection must not close them again
      throw error;
    }
  }

  #dispatch(request: number, p: DataView, fds: number[]): Reply | undefined {
    switch (request) {
      case Request.GET_FEATURES:
        return this.config.features;
      case Request.SET_FEATURES:
        return this.#setFeatures(p.getBigUint64(0, true));
      case Request.GET_PROTOCOL_FEATURES:
        return this.config.protocolFeatures;
      case Request.SET_PROTOCOL_FEATURES: {
        const value = p.getBigUint64(0, true);
        if ((value & ~this.config.protocolFeatures) !== 0n) throw new NicError('NIC_EINVAL', `vhost-user SET_PROTOCOL_FEATURES: 0x${value.toString(16)} has bits not offered`);
        this.protocolFeatures = value;
        return undefined;
      }
      case Request.SET_OWNER:
        return undefined;
      case Request.RESET_OWNER:
        this.reset();
        return undefined;
      case Request.GET_QUEUE_NUM:
        return BigInt(this.config.queuePairs);
      case Request.GET_MAX_MEM_SLOTS:
        return 8n;
      case Request.SET_BACKEND_REQ_FD:
        this.#setBackendChannel(fds);
        return undefined;
      case Request.SET_MEM_TABLE:
        this.#setMemTable(p, fds);
        return undefined;
      case Request.SET_LOG_BASE:
        this.#setLogBase(p, fds);
        return new Uint8Array(0);
      case Request.SET_LOG_FD:
        // QEMU never sends it; DPDK checks the fd and closes it. Logging uses SET_LOG_BASE.
        closeFd(fds[0]);
        fds.length = 0;
        return undefined;
      case Request.SET_VRING_NUM: {
        const vq = this.#vring(p.getUint32(0, true), request);
        vq.num = p.getUint32(4, true);
        vq.unmap();
        return undefined;
      }
      case Request.SET_VRING_ADDR: {
        const vq = this.#vring(p.getUint32(ADDR_INDEX, true), request);
        const u53 = (off: number): number => {
          const v = p.getBigUint64(off, true);
          if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new NicError('NIC_EINVAL', `vhost-user SET_VRING_ADDR: address 0x${v.toString(16)} beyond 2^53`);
          return Number(v);
        };
        vq.setAddresses({ flags: p.getUint32(ADDR_FLAGS, true), desc: u53(ADDR_DESC), used: u53(ADDR_USED), avail: u53(ADDR_AVAIL), log: u53(ADDR_LOG) });
        this.#mapVring(vq);
        return undefined;
      }
      case Request.SET_VRING_BASE: {
        // Split: the next avail index. Packed: bits 0-14 the next descriptor, bit 15 the avail
        // wrap counter (bits 16-31, QEMU's used position, equal it once the ring was stopped).
        const vq = this.#vring(p.getUint32(0, true), request);
        vq.lastAvail = p.getUint32(4, true) & 0xffff;
        vq.lastUsed = vq.lastAvail;
        return undefined;
      }
      case Request.GET_VRING_BASE: {
        const vq = this.#vring(p.getUint32(0, true), request);
        this.#stopDevice();
        const reply = new Uint8Array(8);
        const dv = new DataView(reply.buffer);
        dv.setUint32(0, vq.index, true);
        // Packed: the avail position (index, wrap counter in bit 15), the used one in bits 16-31.
        dv.setUint32(4, this.has(Feature.F_RING_PACKED) ? (vq.lastAvail | (vq.lastUsed << 16)) >>> 0 : vq.lastAvail, true);
        vq.unmap();
        vq.kicked = false;
        this.#setKick(vq, -1);
        vq.enabled = false;
        return reply;
      }
      case Request.SET_VRING_KICK:
      case Request.SET_VRING_CALL:
      case Request.SET_VRING_ERR: {
        const value = Number(p.getBigUint64(0, true));
        const vq = this.#vring(value & VRING_IDX_MASK, request);
        const fd = (value & VRING_NOFD_MASK) !== 0 ? -1 : fds[0];
        // The kick interrupt may refuse the fd (one epoll cannot watch): it is still the message's to close.
        if (request === Request.SET_VRING_KICK) this.#setKick(vq, fd);
        fds.length = 0;
        if (request === Request.SET_VRING_KICK) {
          vq.kicked = true;
          // Without PROTOCOL_FEATURES a ring starts when kicked; with it, on SET_VRING_ENABLE.
          if (!this.has(Feature.USER_F_PROTOCOL_FEATURES)) this.#setEnabled(vq, true);
        } else if (request === Request.SET_VRING_CALL) {
          if (vq.callFd >= 0) closeFd(vq.callFd);
          vq.callFd = fd;
        } else {
          if (vq.errFd >= 0) closeFd(vq.errFd);
          vq.errFd = fd;
        }
        this.#checkReady();
        return undefined;
      }
      case Request.SET_VRING_ENABLE: {
        const vq = this.#vring(p.getUint32(0, true), request);
        const on = p.getUint32(4, true);
        if (on > 1) throw new NicError('NIC_EINVAL', `vhost-user SET_VRING_ENABLE: state ${on} (0 or 1)`);
        this.#setEnabled(vq, on === 1);
        this.#checkReady();
        return undefined;
      }
      case Request.NET_SET_MTU: {
        const mtu = Number(p.getBigUint64(0, true));
        if (mtu < 68 || mtu > 65535) throw new NicError('NIC_EINVAL', `vhost-user NET_SET_MTU: ${mtu} (68 to 65535)`);
        this.mtu = mtu;
        return undefined;
      }
      case Request.SEND_RARP:
        // The payload's first 6 bytes are the guest's MAC; an rx burst delivers the frame.
        this.shared.announce(new Uint8Array(p.buffer, p.byteOffset, 6));
        return undefined;
      case Request.SET_STATUS: {
        const status = Number(p.getBigUint64(0, true));
        if (status > 0xff) throw new NicError('NIC_EINVAL', `vhost-user SET_STATUS: 0x${status.toString(16)} is more than 8 bits`);
        this.status = status;
        if (status === 0) this.#stopDevice();
        else this.#checkReady();
        return undefined;
      }
      case Request.GET_STATUS:
        return BigInt(this.status);
      default:
        throw new NicError('NIC_ENOTSUP', `vhost-user: ${requestName(request)} is not supported`);
    }
  }

  /**
   * Takes the channel's fd: refused unless BACKEND_REQ was negotiated; a previous channel is
   * closed (its waiting requests fail).
   */
  #setBackendChannel(fds: number[]): void {
    if ((this.protocolFeatures & bit(ProtocolFeature.BACKEND_REQ)) === 0n) throw new NicError('NIC_EINVAL', 'vhost-user SET_BACKEND_REQ_FD: BACKEND_REQ was not negotiated');
    const fd = fds[0];
    this.#backend?.close();
    this.#backend = undefined;
    try {
      this.#backend = new BackendChannel(fd, () => this.protocolFeatures, this.vrings.length);
    } catch (cause) {
      throw new NicError('NIC_EINVAL', 'vhost-user SET_BACKEND_REQ_FD: the fd cannot be watched', { cause });
    }
    fds.length = 0;
  }

  /**
   * Replaces vring `vq`'s kick eventfd, closing the old one: its kick interrupt (if any)
   * swaps them first, and may refuse the new fd before anything changed.
   */
  #setKick(vq: Virtqueue, fd: number): void {
    this.config.kickInterrupts?.[vq.index]?.setKick(fd);
    if (vq.kickFd >= 0 && vq.kickFd !== fd) closeFd(vq.kickFd);
    vq.kickFd = fd;
  }

  #vring(index: number, request: number): Virtqueue {
    if (index >= this.vrings.length) throw new NicError('NIC_EINVAL', `vhost-user ${requestName(request)}: vring ${index} (the device has ${this.vrings.length})`);
    return this.vrings[index];
  }

  #setFeatures(value: bigint): undefined {
    if ((value & ~this.config.features) !== 0n) throw new NicError('NIC_EINVAL', `vhost-user SET_FEATURES: 0x${value.toString(16)} has bits not offered`);
    // While running only LOG_ALL may change: that is how migration starts and ends.
    if (this.running && ((value ^ this.features) & ~bit(Feature.F_LOG_ALL)) !== 0n) {
      throw new NicError('NIC_EBUSY', 'vhost-user SET_FEATURES: features other than LOG_ALL cannot change while the device runs');
    }
    const changed = value !== this.features;
    this.features = value;
    this.#updateLogging();
    for (const vq of this.vrings) this.#mapVring(vq);
    if (changed) this.#ops.featuresChanged?.(this, value);
    return undefined;
  }

  /**
   * Maps the dirty log: `{u64 size, u64 offset}` and its fd, refused unless LOG_SHMFD was
   * negotiated; `offset + size` must not overflow (CVE-2020-10722). The new log replaces
   * the old one, which is unmapped (CVE-2020-10726's pattern); the fd is closed.
   */
  #setLogBase(p: DataView, fds: number[]): void {
    const fd = fds[0];
    fds.length = 0;
    try {
      if ((this.protocolFeatures & bit(ProtocolFeature.LOG_SHMFD)) === 0n) throw new NicError('NIC_EINVAL', 'vhost-user SET_LOG_BASE: LOG_SHMFD was not negotiated');
      const size = p.getBigUint64(0, true);
      const offset = p.getBigUint64(8, true);
      if (size === 0n || offset + size > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new NicError('NIC_EINVAL', `vhost-user SET_LOG_BASE: size 0x${size.toString(16)} at offset 0x${offset.toString(16)}`);
      }
      const length = Number(offset + size);
      // In a window of the arena's memory when it can hold the log (so the kernel marks it), else apart.
      let window: GuestWindow | undefined;
      let mapping: MemoryMapping;
      try {
        const memory = this.config.arena?.wasm.memory;
        try {
          window = memory ? windowsOf(memory).map(fd, { length }) : undefined;
        } catch (e) {
          if (!(e instanceof NicError && e.code === 'NIC_ENOMEM')) throw e;
          log.notice(`vhost-user: dirty log mapped apart from the arena, logging bursts in TypeScript: ${e.message}`);
        }
        mapping = window ? window.mapping : mapFd(fd, { offset: 0, length, writable: true });
      } catch (cause) {
        throw new NicError('NIC_EINVAL', `vhost-user SET_LOG_BASE: cannot map ${size} bytes at offset ${offset}`, { cause });
      }
      const old = this.#logRelease;
      this.#logRelease = window ? window.close : () => mapping.unmap();
      this.log = new Uint8Array(mapping.buffer, Number(offset), Number(size));
      this.#logAddress = mapping.address + Number(offset);
      this.#logWindow = window ? window.base + Number(offset) : -1;
      this.#updateLogging();
      old?.();
    } finally {
      closeFd(fd);
    }
  }

  /** Tells every vring whether to log and where. */
  #updateLogging(): void {
    const on = this.has(Feature.F_LOG_ALL);
    for (const vq of this.vrings) vq.setLog(this.log, on, this.#logWindow);
  }

  #setMemTable(p: DataView, fds: number[]): void {
    let regions;
    try {
      regions = memTableRegions(p);
    } catch (error) {
      for (const fd of fds) closeFd(fd);
      fds.length = 0;
      throw error;
    }
    const taken = fds.splice(0);
    const memory = new GuestMemory(regions, taken, this.config.arena?.wasm.memory);
    if (this.config.arena && memory.apart !== undefined) log.notice(`vhost-user: guest memory mapped apart from the arena, bursts in TypeScript: ${memory.apart}`);
    const old = this.memory;
    this.memory = memory;
    for (const vq of this.vrings) this.#mapVring(vq);
    old?.unmap();
  }

  /** What the data path follows of the negotiated features. */
  #features(): VringFeatures {
    return {
      hdrSize: this.has(Feature.F_VERSION_1) || this.has(Feature.NET_F_MRG_RXBUF) ? NET_HDR_SIZE : NET_HDR_SIZE_LEGACY,
      mrgRxbuf: this.has(Feature.NET_F_MRG_RXBUF),
      eventIdx: this.has(Feature.RING_F_EVENT_IDX),
      indirect: this.has(Feature.RING_F_INDIRECT_DESC),
      packed: this.has(Feature.F_RING_PACKED),
      inOrder: this.has(Feature.F_IN_ORDER),
    };
  }

  #mapVring(vq: Virtqueue): void {
    if (!this.memory || !vq.addresses) return;
    const error = vq.map(this.memory, this.#features());
    if (error) throw new NicError('NIC_EINVAL', `vhost-user: ${error}`);
    vq.setLog(this.log, this.has(Feature.F_LOG_ALL), this.#logWindow);
    if (!this.config.deviceRings) vq.setNotification(false);
    // A poller asleep on the ring's kicks re-arms on the ring as it is now.
    this.config.kickInterrupts?.[vq.index]?.wake();
  }

  #setEnabled(vq: Virtqueue, on: boolean): void {
    if (vq.enabled === on) return;
    vq.enabled = on;
    this.config.kickInterrupts?.[vq.index]?.wake();
    this.#ops.vringStateChanged?.(this, vq.index, on);
  }

  #checkReady(): void {
    if (this.running) return;
    const statusOk = !((this.protocolFeatures & bit(ProtocolFeature.STATUS)) !== 0n) || (this.status & STATUS_DRIVER_OK) !== 0;
    if (this.vrings[0].ready && this.vrings[1].ready && statusOk) {
      this.running = true;
      this.#ops.newDevice?.(this);
    }
  }

  #stopDevice(): void {
    if (!this.running) return;
    this.running = false;
    this.#ops.destroyDevice?.(this);
  }

  /** Stops the device and releases everything the frontend gave it (fds, mappings). */
  reset(): void {
    this.#locked(() => this.#reset());
  }

  #reset(): void {
    this.#stopDevice();
    this.#backend?.close();
    this.#backend = undefined;
    for (const vq of this.vrings) {
      this.#setKick(vq, -1);
      for (const fd of [vq.callFd, vq.errFd]) if (fd >= 0) closeFd(fd);
      vq.callFd = vq.errFd = -1;
      vq.kicked = false;
      vq.enabled = false;
      vq.unmap();
      vq.setAddresses(undefined);
      vq.num = 0;
    }
    this.memory?.unmap();
    this.memory = undefined;
    this.#logRelease?.();
    this.#logRelease = undefined;
    this.log = undefined;
    this.#logAddress = 0;
    this.#logWindow = -1;
    this.features = 0n;
    this.protocolFeatures = 0n;
    this.status = 0;
    this.shared.cancelAnnouncement();
  }
}
