/**
 * A vhost-user frontend written in TypeScript, for tests of what is built on the backend
 * (net_vhost's conformance suite): it connects, negotiates VERSION_1 and MRG_RXBUF (and
 * RING_PACKED when asked), shares a guest memory file, sets up split or packed rings polled
 * without kicks or calls, and keeps every receive vring full of writable buffers. It plays a guest driver that never sends unless
 * asked ({@link VhostTestFrontend.send}) and counts what it receives.
 */
import { closeFd, eventfd, eventfdWrite, mapFd, type MemoryMapping } from '@nic/native';
import { Feature, LOG_PAGE, ProtocolFeature, Request, VRING_F_LOG, VRING_NOFD_MASK } from '../protocol.js';
import { DESC_F_AVAIL, DESC_F_USED, DESC_F_WRITE, DESC_SIZE, USED_F_NO_NOTIFY } from '../virtqueue.js';
import { BackendPeer } from './backend-peer.js';
import { RawFrontend, guestFile, memTable, state, u64 } from './guest.js';

/** Ring size of the test frontend. */
export const FRONTEND_RING = 256;
/** Bytes of each receive buffer. */
export const FRONTEND_BUFFER = 2048;
/** Where the memory lies in both address spaces. */
const GPA = 0x40000000;
const UVA = 0x7e0000000000;
/** Bytes per vring for its three parts: descriptors, avail at +4 KiB, used at +8 KiB. */
const RING_AREA = 0x4000;
const AVAIL_AT = 0x1000;
const USED_AT = 0x2000;
const HDR = 12;
/** The dirty log's file is sized in these. */
const LOG_FILE_PAGE = 4096;
/** Packed descriptor: flags at +14, id at +12. */
const PACKED_ID = 12;
const PACKED_FLAGS = 14;

/** How {@link VhostTestFrontend.connect} sets the device up. */
export interface FrontendOptions {
  /** Queue pairs (default 1). */
  readonly pairs?: number;
  /** Negotiate LOG_SHMFD so that {@link VhostTestFrontend.startLogging} may run. */
  readonly logShmfd?: boolean;
  /** Give each vring a kick and a call eventfd (for a backend that waits for kicks, such as a vDPA device). */
  readonly eventfds?: boolean;
  /** Protocol features to negotiate too (with BACKEND_REQ, the backend gets a channel). */
  readonly protocolFeatures?: bigint;
  /** Negotiate RING_PACKED and lay the rings out packed. */
  readonly packed?: boolean;
}

export class VhostTestFrontend {
  readonly #raw: RawFrontend;
  readonly #memory: MemoryMapping;
  readonly #dv: DataView;
  readonly #u8: Uint8Array;
  readonly #vrings: number;
  readonly #buffers: number;
  /** avail index the frontend has published, and used index it has consumed, per vring. */
  readonly #avail: number[];
  readonly #used: number[];
  readonly #size: number;
  #features = 0n;
  #log: MemoryMapping | undefined;
  readonly #packed: boolean;
  /** Packed transmit vrings: buffers posted and not yet used. */
  readonly #inFlight: number[];
  /** Packed rings: the driver's avail and used wrap counters per vring. */
  readonly #availWrap: number[];
  readonly #usedWrap: number[];
  /** Kick and call eventfds per vring, when connected with `eventfds` (else empty: polled rings). */
  readonly kickfds: number[] = [];
  readonly callfds: number[] = [];
  /** Packets and bytes (without the header) received per queue pair. */
  readonly received: number[];
  readonly receivedBytes: number[];
  /** The frontend's end of the backend channel, when connected with BACKEND_REQ. */
  backend: BackendPeer | undefined;

  private constructor(raw: RawFrontend, memory: MemoryMapping, vrings: number, packed: boolean) {
    this.#raw = raw;
    this.#size = memory.length;
    this.#memory = memory;
    this.#dv = new DataView(memory.buffer);
    this.#u8 = new Uint8Array(memory.buffer);
    this.#vrings = vrings;
    this.#buffers = vrings * RING_AREA;
    this.#avail = new Array(vrings).fill(0);
    this.#used = new Array(vrings).fill(0);
    this.#packed = packed;
    this.#inFlight = new Array(vrings).fill(0);
    this.#availWrap = new Array(vrings).fill(1);
    this.#usedWrap = new Array(vrings).fill(1);
    this.received = new Array(vrings / 2).fill(0);
    this.receivedBytes = new Array(vrings / 2).fill(0);
  }

  /**
   * Connects to the backend socket at `path` and sets up `pairs` queue pairs; with
   * `logShmfd`, negotiates LOG_SHMFD so that {@link VhostTestFrontend.startLogging} may run;
   * with `eventfds`, gives each vring a kick and a call eventfd (for a backend that waits
   * for kicks, such as a vDPA device) instead of none; `protocolFeatures` are negotiated too,
   * and with BACKEND_REQ among them the backend gets a channel ({@link backend}) before the
   * rings are set up, as QEMU gives it. `options` may give all of these, and `packed`.
   */
  static async connect(path: string, pairs: number | FrontendOptions = 1, logShmfd = false, eventfds = false, protocolFeatures = 0n): Promise<VhostTestFrontend> {
    const o: FrontendOptions = typeof pairs === 'number' ? { pairs, logShmfd, eventfds, protocolFeatures } : pairs;
    return VhostTestFrontend.#connect(path, o.pairs ?? 1, o.logShmfd ?? false, o.eventfds ?? false, o.protocolFeatures ?? 0n, o.packed ?? false);
  }

  static async #connect(path: string, pairs: number, logShmfd: boolean, eventfds: boolean, protocolFeatures: bigint, packed: boolean): Promise<VhostTestFrontend> {
    const vrings = pairs * 2;
    const size = vrings * RING_AREA + vrings * FRONTEND_RING * FRONTEND_BUFFER;
    const { fds } = guestFile(size, 2);
    const memory = mapFd(fds[1], { length: size, writable: true });
    closeFd(fds[1]);
    const raw = new RawFrontend(path);
    const f = new VhostTestFrontend(raw, memory, vrings, packed);
    raw.send(Request.GET_FEATURES);
    const offered = await raw.receive();
    if (offered === 'closed') throw new Error('the backend closed the connection');
    const want = (1n << BigInt(Feature.F_VERSION_1)) | (1n << BigInt(Feature.NET_F_MRG_RXBUF)) | (packed ? 1n << BigInt(Feature.F_RING_PACKED) : 0n);
    raw.send(Request.SET_OWNER);
    const protocol = protocolFeatures | (logShmfd ? 1n << BigInt(ProtocolFeature.LOG_SHMFD) : 0n);
    if (protocol !== 0n) raw.send(Request.SET_PROTOCOL_FEATURES, u64(protocol));
    if ((protocol & (1n << BigInt(ProtocolFeature.BACKEND_REQ))) !== 0n) {
      const { peer, backendEnd } = BackendPeer.pair();
      f.backend = peer;
      raw.send(Request.SET_BACKEND_REQ_FD, new Uint8Array(0), [backendEnd]);
      closeFd(backendEnd);
    }
    f.#features = offered.payload.getBigUint64(0, true) & want;
    raw.send(Request.SET_FEATURES, u64(f.#features));
    raw.send(Request.SET_MEM_TABLE, memTable([[GPA, size, UVA, 0]]), [fds[0]]);
    closeFd(fds[0]);
    for (let v = 0; v < vrings; v++) {
      raw.send(Request.SET_VRING_NUM, state(v, FRONTEND_RING));
      // A packed ring starts at descriptor 0 with both wrap counters 1 (bit 15).
      raw.send(Request.SET_VRING_BASE, state(v, packed ? 0x8000 : 0));
      raw.send(Request.SET_VRING_ADDR, f.#vringAddr(v, 0));
      if (v % 2 === 0) f.#fillRx(v);
      if (eventfds) {
        f.callfds.push(eventfd(0, { nonblock: true }));
        f.kickfds.push(eventfd(0, { nonblock: true }));
        raw.send(Request.SET_VRING_CALL, u64(v), [f.callfds[v]]);
        raw.send(Request.SET_VRING_KICK, u64(v), [f.kickfds[v]]);
      } else {
        raw.send(Request.SET_VRING_CALL, u64(v | VRING_NOFD_MASK));
        raw.send(Request.SET_VRING_KICK, u64(v | VRING_NOFD_MASK));
      }
    }
    return f;
  }

  /** A SET_VRING_ADDR payload for vring `v`; with VRING_F_LOG, the used ring's GPA to log at. */
  #vringAddr(v: number, flags: number): Uint8Array {
    const base = v * RING_AREA;
    const addr = new Uint8Array(40);
    const a = new DataView(addr.buffer);
    a.setUint32(0, v, true);
    a.setUint32(4, flags, true);
    a.setBigUint64(8, BigInt(UVA + base), true);
    a.setBigUint64(16, BigInt(UVA + base + USED_AT), true);
    a.setBigUint64(24, BigInt(UVA + base + AVAIL_AT), true);
    a.setBigUint64(32, BigInt(GPA + base + USED_AT), true);
    return addr;
  }

  /**
   * Starts dirty logging as QEMU does at migration start: SET_LOG_BASE with a shared log
   * covering guest memory (waiting for its reply), SET_FEATURES with LOG_ALL, SET_VRING_ADDR
   * with VRING_F_LOG for every vring, then a GET_FEATURES round trip as the barrier.
   */
  async startLogging(): Promise<void> {
    // Whole pages: a vDPA driver DMA-maps the log, and this process's mapping of it (what a
    // modelled device reaches) is exactly the declared size.
    const bytes = Math.ceil((GPA + this.#size) / LOG_PAGE / 8 / LOG_FILE_PAGE) * LOG_FILE_PAGE;
    const { fds } = guestFile(bytes, 2);
    this.#log = mapFd(fds[1], { length: bytes, writable: true });
    closeFd(fds[1]);
    const payload = new Uint8Array(16);
    new DataView(payload.buffer).setBigUint64(0, BigInt(bytes), true);
    this.#raw.send(Request.SET_LOG_BASE, payload, [fds[0]]);
    closeFd(fds[0]);
    const reply = await this.#raw.receive();
    if (reply === 'closed' || reply.request !== Request.SET_LOG_BASE) throw new Error('SET_LOG_BASE was not answered');
    this.#raw.send(Request.SET_FEATURES, u64(this.#features | (1n << BigInt(Feature.F_LOG_ALL))));
    for (let v = 0; v < this.#vrings; v++) this.#raw.send(Request.SET_VRING_ADDR, this.#vringAddr(v, VRING_F_LOG));
    this.#raw.send(Request.GET_FEATURES);
    if ((await this.#raw.receive()) === 'closed') throw new Error('the backend closed the connection');
  }

  /**
   * GET_VRING_BASE of vring `v`, as QEMU stops a ring (the first one stops the device): the
   * index the backend hands back, where the ring resumes (split: the next avail entry).
   * Waits up to `timeoutMs` for the reply.
   */
  async getVringBase(v: number, timeoutMs = 5000): Promise<number> {
    this.#raw.send(Request.GET_VRING_BASE, state(v, 0));
    const reply = await this.#raw.receive(timeoutMs);
    if (reply === 'closed') throw new Error('the backend closed the connection');
    if (reply.request !== Request.GET_VRING_BASE || reply.payload.getUint32(0, true) !== v) throw new Error(`GET_VRING_BASE of vring ${v} was answered by request ${reply.request}`);
    return reply.payload.getUint32(4, true);
  }

  /** A copy of guest memory. */
  snapshot(): Uint8Array {
    return this.#u8.slice();
  }

  /** Guest pages whose bytes differ from `before`, as region page numbers. */
  changedPages(before: Uint8Array): number[] {
    const pages: number[] = [];
    for (let page = 0; page * LOG_PAGE < this.#size; page++) {
      const start = page * LOG_PAGE;
      for (let i = start; i < Math.min(start + LOG_PAGE, this.#size); i++) {
        if (this.#u8[i] !== before[i]) {
          pages.push(page);
          break;
        }
      }
    }
    return pages;
  }

  /** Whether region page `page` is marked in the dirty log. */
  logged(page: number): boolean {
    if (!this.#log) return false;
    const gpaPage = GPA / LOG_PAGE + page;
    return (new Uint8Array(this.#log.buffer)[gpaPage >> 3] & (1 << (gpaPage & 7))) !== 0;
  }

  /** Region pages marked in the dirty log. */
  loggedPages(): number[] {
    const pages: number[] = [];
    for (let page = 0; page * LOG_PAGE < this.#size; page++) if (this.logged(page)) pages.push(page);
    return pages;
  }

  /** Buffer `i` of vring `v`, as a region offset. */
  #buffer(v: number, i: number): number {
    return this.#buffers + (v * FRONTEND_RING + i) * FRONTEND_BUFFER;
  }

  /** Flags that make a packed descriptor available in a pass of wrap counter `wrap`. */
  #availBits(wrap: number): number {
    return wrap === 1 ? DESC_F_AVAIL : DESC_F_USED;
  }

  /** Posts buffer `id` of vring `v` at the driver's avail position (`len` bytes, `flags`), its flags last. */
  #postPacked(v: number, id: number, len: number, flags: number): void {
    const d = v * RING_AREA + this.#avail[v] * DESC_SIZE;
    this.#dv.setBigUint64(d, BigInt(GPA + this.#buffer(v, id)), true);
    this.#dv.setUint32(d + 8, len, true);
    this.#dv.setUint16(d + PACKED_ID, id, true);
    Atomics.store(new Uint16Array(this.#memory.buffer, d + PACKED_FLAGS, 1), 0, flags | this.#availBits(this.#availWrap[v]));
    this.#avail[v] = (this.#avail[v] + 1) % FRONTEND_RING;
    if (this.#avail[v] === 0) this.#availWrap[v] ^= 1;
  }

  /** The next used packed descriptor of vring `v` ({id, len}), or undefined; the used position moves on. */
  #takeUsedPacked(v: number): { id: number; len: number } | undefined {
    const d = v * RING_AREA + this.#used[v] * DESC_SIZE;
    const flags = Atomics.load(new Uint16Array(this.#memory.buffer, d + PACKED_FLAGS, 1), 0);
    const w = this.#usedWrap[v];
    if (((flags >> 7) & 1) !== w || flags >> 15 !== w) return undefined;
    const used = { id: this.#dv.getUint16(d + PACKED_ID, true), len: this.#dv.getUint32(d + 8, true) };
    this.#used[v] = (this.#used[v] + 1) % FRONTEND_RING;
    if (this.#used[v] === 0) this.#usedWrap[v] ^= 1;
    return used;
  }

  /** Posts every descriptor of receive vring `v` as a writable buffer. */
  #fillRx(v: number): void {
    if (this.#packed) {
      for (let i = 0; i < FRONTEND_RING; i++) this.#postPacked(v, i, FRONTEND_BUFFER, DESC_F_WRITE);
      return;
    }
    for (let i = 0; i < FRONTEND_RING; i++) {
      const d = v * RING_AREA + i * DESC_SIZE;
      this.#dv.setBigUint64(d, BigInt(GPA + this.#buffer(v, i)), true);
      this.#dv.setUint32(d + 8, FRONTEND_BUFFER, true);
      this.#dv.setUint16(d + 12, DESC_F_WRITE, true);
      this.#dv.setUint16(v * RING_AREA + AVAIL_AT + 4 + 2 * i, i, true);
    }
    this.#avail[v] = FRONTEND_RING;
    this.#dv.setUint16(v * RING_AREA + AVAIL_AT + 2, FRONTEND_RING, true);
  }

  /** Takes what the backend placed on the receive vrings, counts it, and posts the buffers again. */
  poll(): void {
    for (let v = 0; v < this.#vrings; v += 2) {
      if (this.#packed) {
        // One descriptor per chain, used in order: each comes back to the slot it was taken from.
        for (let u = this.#takeUsedPacked(v); u !== undefined; u = this.#takeUsedPacked(v)) {
          this.received[v / 2]++;
          this.receivedBytes[v / 2] += u.len - HDR;
          this.#postPacked(v, u.id, FRONTEND_BUFFER, DESC_F_WRITE);
        }
        continue;
      }
      const base = v * RING_AREA;
      const usedIdx = this.#dv.getUint16(base + USED_AT + 2, true);
      while (this.#used[v] !== usedIdx) {
        const slot = this.#used[v] % FRONTEND_RING;
        const id = this.#dv.getUint32(base + USED_AT + 4 + 8 * slot, true);
        const len = this.#dv.getUint32(base + USED_AT + 8 + 8 * slot, true);
        this.received[v / 2]++;
        this.receivedBytes[v / 2] += len - HDR;
        this.#dv.setUint16(base + AVAIL_AT + 4 + 2 * (this.#avail[v] % FRONTEND_RING), id, true);
        this.#avail[v] = (this.#avail[v] + 1) & 0xffff;
        this.#used[v] = (this.#used[v] + 1) & 0xffff;
      }
      this.#dv.setUint16(base + AVAIL_AT + 2, this.#avail[v], true);
    }
  }

  /**
   * Sends `frames` (each a zero net header then the bytes) on queue pair `pair`; returns how
   * many the ring had room for.
   */
  send(pair: number, frames: readonly Uint8Array[]): number {
    const v = pair * 2 + 1;
    if (this.#packed) return this.#sendPacked(v, frames);
    const base = v * RING_AREA;
    const usedIdx = this.#dv.getUint16(base + USED_AT + 2, true);
    this.#used[v] = usedIdx;
    let sent = 0;
    for (const frame of frames) {
      if (((this.#avail[v] - this.#used[v]) & 0xffff) >= FRONTEND_RING) break;
      const id = this.#avail[v] % FRONTEND_RING;
      const buf = this.#buffer(v, id);
      this.#u8.fill(0, buf, buf + HDR);
      this.#u8.set(frame, buf + HDR);
      const d = base + id * DESC_SIZE;
      this.#dv.setBigUint64(d, BigInt(GPA + buf), true);
      this.#dv.setUint32(d + 8, HDR + frame.length, true);
      this.#dv.setUint16(d + 12, 0, true);
      this.#dv.setUint16(base + AVAIL_AT + 4 + 2 * id, id, true);
      this.#avail[v] = (this.#avail[v] + 1) & 0xffff;
      sent++;
    }
    Atomics.store(new Uint16Array(this.#memory.buffer, base + AVAIL_AT, 2), 1, this.#avail[v]);
    return sent;
  }

  /** {@link VhostTestFrontend.send} on a packed vring `v`: buffers in flight are those posted and not yet used. */
  #sendPacked(v: number, frames: readonly Uint8Array[]): number {
    while (this.#takeUsedPacked(v) !== undefined) this.#inFlight[v]--;
    let sent = 0;
    for (const frame of frames) {
      if (this.#inFlight[v] >= FRONTEND_RING) break;
      const slot = this.#avail[v];
      const buf = this.#buffer(v, slot);
      this.#u8.fill(0, buf, buf + HDR);
      this.#u8.set(frame, buf + HDR);
      this.#postPacked(v, slot, HDR + frame.length, 0);
      this.#inFlight[v]++;
      sent++;
    }
    return sent;
  }

  /** Asks the backend to announce `mac` (6 bytes), as QEMU does on a migration's destination (SEND_RARP). */
  announce(mac: Uint8Array): void {
    const payload = new Uint8Array(8);
    payload.set(mac.subarray(0, 6));
    this.#raw.send(Request.SEND_RARP, payload);
  }

  /**
   * Kicks queue pair `pair`'s transmit vring as a driver does after {@link send}: only when
   * the backend asks for kicks (USED_F_NO_NOTIFY clear; this frontend has no EVENT_IDX).
   * Returns whether it kicked.
   */
  notify(pair: number): boolean {
    const v = pair * 2 + 1;
    if ((Atomics.load(new Uint16Array(this.#memory.buffer, v * RING_AREA + USED_AT, 1), 0) & USED_F_NO_NOTIFY) !== 0) return false;
    this.kick(v);
    return true;
  }

  /** Kicks vring `v` (with `eventfds`). */
  kick(v: number): void {
    eventfdWrite(this.kickfds[v], 1);
  }

  /** The used ring's idx of vring `v`, read without consuming anything. */
  usedIdx(v: number): number {
    return Atomics.load(new Uint16Array(this.#memory.buffer, v * RING_AREA + USED_AT, 2), 1);
  }

  /** The used ring's flags of vring `v` (USED_F_NO_NOTIFY is bit 0). */
  usedFlags(v: number): number {
    return this.#dv.getUint16(v * RING_AREA + USED_AT, true);
  }

  /** Hangs up. */
  close(): void {
    for (const fd of [...this.kickfds, ...this.callfds]) closeFd(fd);
    this.backend?.close();
    this.#raw.close();
    this.#memory.unmap();
    this.#log?.unmap();
  }
}
