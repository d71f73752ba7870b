/**
 * One packet copied between guest buffers and arena mbufs, one descriptor buffer at a time,
 * for either ring format. The reader skips the net header (which may span any number of
 * buffers: CVE-2022-2132) and fills the packet's mbuf, chaining further mbufs from the pool
 * when one is full; the writer puts a zeroed net header and then the packet (of one segment
 * or a chain) into writable buffers, logging what it wrote, and remembers where the header's
 * `num_buffers` bytes went. Nothing here allocates on the JavaScript heap.
 */
import type { Arena, MbufView, Mempool } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_BUF_LEN, MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_HEADROOM, MBUF_NB_SEGS, MBUF_NEXT, MBUF_PKT_LEN } from '@nic/eal/layout';
import { DirtyLog } from './dirty-log.js';

/** The virtio-net header: 12 bytes with VERSION_1 or MRG_RXBUF, 10 without. */
export const NET_HDR_SIZE = 12;
export const NET_HDR_SIZE_LEGACY = 10;
/** Offset of `num_buffers` in the 12-byte header. */
export const NET_HDR_NUM_BUFFERS = 10;
/** Most packet bytes (after the header) taken from the guest: a 64 KiB datagram with its Ethernet header. */
export const MAX_PACKET = 65535 + 14;

export class PacketCopy {
  #a8: Uint8Array = new Uint8Array(0);
  #a16: Uint16Array = new Uint16Array(0);
  #a32: Uint32Array = new Uint32Array(0);
  /** Header size the negotiated features give. */
  hdr = NET_HDR_SIZE;
  readonly log: DirtyLog;
  // Reading: the packet's first mbuf, the segment being filled, where its next byte goes.
  #mbufs: MbufView | undefined;
  #pool: Mempool | undefined;
  #head = 0;
  #seg = 0;
  #dst = 0;
  #room = 0;
  #segLen = 0;
  #segs = 1;
  #skip = 0;
  #total = 0;
  // Writing: the source segment, where its bytes are, and its span in the packet.
  #src = 0;
  #srcSeg = 0;
  #segStart = 0;
  #segEnd = 0;
  // Where the current packet's num_buffers bytes are (MRG_RXBUF).
  #nbLo: Uint8Array = new Uint8Array(2);
  #nbLoAt = 0;
  #nbHi: Uint8Array = new Uint8Array(2);
  #nbHiAt = 1;

  constructor(log: DirtyLog) {
    this.log = log;
  }

  /** Uses `arena`'s views for the bursts that follow. */
  bind(arena: Arena): void {
    if (this.#a8 !== arena.u8) {
      this.#a8 = arena.u8;
      this.#a16 = arena.u16;
      this.#a32 = arena.u32;
    }
  }

  /** Starts reading a packet into mbuf `h` (fresh from `pool`, which gives further segments). */
  startRead(mbufs: MbufView, pool: Mempool, h: number): void {
    this.#mbufs = mbufs;
    this.#pool = pool;
    this.#head = h;
    this.#openSegment(h);
    this.#segs = 1;
    this.#skip = this.hdr;
    this.#total = 0;
  }

  #openSegment(h: number): void {
    const a16 = this.#a16;
    this.#seg = h;
    this.#dst = this.#a32[(h + MBUF_BUF_ADDR) >>> 2] + MBUF_HEADROOM;
    this.#room = a16[(h + MBUF_BUF_LEN) >>> 1] - MBUF_HEADROOM;
    this.#segLen = 0;
    a16[(h + MBUF_DATA_OFF) >>> 1] = MBUF_HEADROOM;
  }

  /**
   * Copies the guest buffer `g8[off .. off + len)` (its u32 view `g32`, empty when the region
   * is unaligned) after the header bytes still to skip. Returns false when the packet grows
   * past {@link MAX_PACKET} or the pool has no mbuf left for it (the caller drops it).
   */
  read(g8: Uint8Array, g32: Uint32Array, off: number, len: number): boolean {
    if (this.#skip > 0) {
      const s = this.#skip < len ? this.#skip : len;
      this.#skip -= s;
      off += s;
      len -= s;
    }
    if (len === 0) return true;
    if (this.#total + len > MAX_PACKET) return false;
    while (len > 0) {
      if (this.#room === 0) {
        const next = this.#mbufs!.alloc(this.#pool!);
        if (next === 0) return false;
        this.#a16[(this.#seg + MBUF_DATA_LEN) >>> 1] = this.#segLen;
        this.#a32[(this.#seg + MBUF_NEXT) >>> 2] = next;
        this.#segs++;
        this.#openSegment(next);
        if (this.#room <= 0) return false;
      }
      const c = len < this.#room ? len : this.#room;
      copyIn(g8, g32, off, this.#a8, this.#a32, this.#dst, c);
      this.#dst += c;
      this.#room -= c;
      this.#segLen += c;
      this.#total += c;
      off += c;
      len -= c;
    }
    return true;
  }

  /** Ends the packet: its length, or 0 when it had no byte past the header (then dropped). */
  endRead(): number {
    if (this.#skip > 0 || this.#total === 0) return 0;
    const h = this.#head;
    this.#a16[(this.#seg + MBUF_DATA_LEN) >>> 1] = this.#segLen;
    this.#a16[(h + MBUF_NB_SEGS) >>> 1] = this.#segs;
    this.#a32[(h + MBUF_PKT_LEN) >>> 2] = this.#total;
    return this.#total;
  }

  /** Gives back the segments chained after the packet's first mbuf, which is left as allocated. */
  abortRead(): void {
    const h = this.#head;
    const next = this.#a32[(h + MBUF_NEXT) >>> 2];
    if (next === 0) return;
    this.#a32[(h + MBUF_NEXT) >>> 2] = 0;
    this.#mbufs!.free(next);
  }

  /** Starts writing mbuf packet `h` (one segment or a chain); returns its length. */
  startWrite(h: number): number {
    const a16 = this.#a16;
    this.#srcSeg = h;
    this.#src = this.#a32[(h + MBUF_BUF_ADDR) >>> 2] + a16[(h + MBUF_DATA_OFF) >>> 1];
    this.#segStart = 0;
    this.#segEnd = a16[(h + MBUF_DATA_LEN) >>> 1];
    return this.#a32[(h + MBUF_NEXT) >>> 2] === 0 ? this.#segEnd : this.#a32[(h + MBUF_PKT_LEN) >>> 2];
  }

  /**
   * Continues the stream of the packet being written (header, then `len` packet bytes) from
   * its byte `done` into the guest buffer `g8[off .. off + dlen)` at guest address `gpa`.
   * Returns the stream position reached.
   */
  write(g8: Uint8Array, g32: Uint32Array, off: number, dlen: number, gpa: number, done: number, len: number): number {
    const hdr = this.hdr;
    const need = hdr + len;
    let pos = 0;
    if (done === 0 && hdr === NET_HDR_SIZE && dlen >= NET_HDR_SIZE && (off & 3) === 0 && g32.length > 0) {
      // The usual case: the whole 12-byte header at an aligned start, three zero words.
      const w = off >>> 2;
      g32[w] = 0;
      g32[w + 1] = 0;
      g32[w + 2] = 0;
      this.#nbLo = g8;
      this.#nbLoAt = off + NET_HDR_NUM_BUFFERS;
      this.#nbHi = g8;
      this.#nbHiAt = off + NET_HDR_NUM_BUFFERS + 1;
      pos = NET_HDR_SIZE;
      done = NET_HDR_SIZE;
    }
    // Header bytes first (they may span buffers), then packet bytes.
    while (done < hdr && pos < dlen) {
      if (done === NET_HDR_NUM_BUFFERS) {
        this.#nbLo = g8;
        this.#nbLoAt = off + pos;
      } else if (done === NET_HDR_NUM_BUFFERS + 1) {
        this.#nbHi = g8;
        this.#nbHiAt = off + pos;
      }
      g8[off + pos] = 0;
      pos++;
      done++;
    }
    if (pos < dlen && done < need) {
      const c = need - done < dlen - pos ? need - done : dlen - pos;
      this.#copyOut(done - hdr, g8, g32, off + pos, c);
      done += c;
      pos += c;
    }
    if (this.log.on) this.log.mark(gpa, pos);
    return done;
  }

  /** Copies packet bytes `[p, p + c)` of the source chain into the guest at `g8[to ..]`. */
  #copyOut(p: number, g8: Uint8Array, g32: Uint32Array, to: number, c: number): void {
    const a16 = this.#a16;
    const a32 = this.#a32;
    while (c > 0) {
      if (p >= this.#segEnd) {
        const next = a32[(this.#srcSeg + MBUF_NEXT) >>> 2];
        if (next === 0) return; // a chain shorter than its pkt_len: the rest stays as it was
        this.#srcSeg = next;
        this.#segStart = this.#segEnd;
        this.#segEnd += a16[(next + MBUF_DATA_LEN) >>> 1];
        this.#src = a32[(next + MBUF_BUF_ADDR) >>> 2] + a16[(next + MBUF_DATA_OFF) >>> 1];
        continue;
      }
      const n = this.#segEnd - p < c ? this.#segEnd - p : c;
      copyOut(this.#a8, a32, this.#src + (p - this.#segStart), g8, g32, to, n);
      p += n;
      to += n;
      c -= n;
    }
  }

  /** Writes `count` into the current packet's header `num_buffers` (little-endian u16). */
  setNumBuffers(count: number): void {
    this.#nbLo[this.#nbLoAt] = count & 0xff;
    this.#nbHi[this.#nbHiAt] = count >>> 8;
  }
}

/**
 * Copies `len` guest bytes `g8[src..]` to the arena at `dst`, by words when both offsets are
 * 4-byte aligned (the usual case: buffers start after a 12-byte header in aligned memory).
 * `g32` is the u32 view of the same region (empty when the region itself is unaligned).
 */
function copyIn(g8: Uint8Array, g32: Uint32Array, src: number, a8: Uint8Array, a32: Uint32Array, dst: number, len: number): void {
  let i = 0;
  if (((src | dst) & 3) === 0 && g32.length > 0) {
    const sw = src >>> 2;
    const dw = dst >>> 2;
    const words = len >>> 2;
    for (let w = 0; w < words; w++) a32[dw + w] = g32[sw + w];
    i = words << 2;
  }
  for (; i < len; i++) a8[dst + i] = g8[src + i];
}

/** Copies `len` arena bytes `a8[src..]` into guest memory at `g8[dst..]`, as {@link copyIn}. */
function copyOut(a8: Uint8Array, a32: Uint32Array, src: number, g8: Uint8Array, g32: Uint32Array, dst: number, len: number): void {
  let i = 0;
  if (((src | dst) & 3) === 0 && g32.length > 0) {
    const sw = src >>> 2;
    const dw = dst >>> 2;
    const words = len >>> 2;
    for (let w = 0; w < words; w++) g32[dw + w] = a32[sw + w];
    i = words << 2;
  }
  for (; i < len; i++) g8[dst + i] = a8[src + i];
}
