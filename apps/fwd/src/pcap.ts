/**
 * Writing packets to a pcap file (the libpcap format tshark and Wireshark read): a global
 * header, then one record per packet, a 16-byte header and the bytes. Packets are copied per
 * burst into a staging buffer allocated once and written out when it fills, so the per-packet
 * path allocates nothing. Several threads may append to one file: each writes whole records.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { MbufView } from '@nic/eal';

/** Magic number of a pcap file with microsecond timestamps, written in host (little-endian) order. */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** Format version 2.4. */
export const PCAP_VERSION_MAJOR = 2;
/** See {@link PCAP_VERSION_MAJOR}. */
export const PCAP_VERSION_MINOR = 4;
/** Link type of Ethernet frames. */
export const LINKTYPE_ETHERNET = 1;
/** Bytes of the global header. */
export const PCAP_GLOBAL_HDR_LEN = 24;
/** Bytes of a record header: seconds, microseconds, captured length, original length. */
export const PCAP_RECORD_HDR_LEN = 16;
/** Longest packet captured whole. */
export const PCAP_SNAPLEN = 65535;

const LE = true;
const MS_PER_S = 1000;
const US_PER_MS = 1000;
/** Global header fields. */
const GH_MAGIC = 0;
const GH_VERSION_MAJOR = 4;
const GH_VERSION_MINOR = 6;
const GH_THISZONE = 8;
const GH_SIGFIGS = 12;
const GH_SNAPLEN = 16;
const GH_LINKTYPE = 20;
/** Record header fields. */
const RH_TS_SEC = 0;
const RH_TS_USEC = 4;
const RH_INCL_LEN = 8;
const RH_ORIG_LEN = 12;

/** Creates (or truncates) `path` and writes the global header of a capture of Ethernet frames. */
export function createPcapFile(path: string, snaplen = PCAP_SNAPLEN): void {
  const header = new DataView(new ArrayBuffer(PCAP_GLOBAL_HDR_LEN));
  header.setUint32(GH_MAGIC, PCAP_MAGIC, LE);
  header.setUint16(GH_VERSION_MAJOR, PCAP_VERSION_MAJOR, LE);
  header.setUint16(GH_VERSION_MINOR, PCAP_VERSION_MINOR, LE);
  header.setInt32(GH_THISZONE, 0, LE);
  header.setUint32(GH_SIGFIGS, 0, LE);
  header.setUint32(GH_SNAPLEN, snaplen, LE);
  header.setUint32(GH_LINKTYPE, LINKTYPE_ETHERNET, LE);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, new Uint8Array(header.buffer));
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends packets to a pcap file whose header {@link createPcapFile} wrote. Use: `stage` a
 * burst before transmitting it, then `commit` how many the tx queue took (a prefix of the
 * burst); only those are written.
 */
export class PcapWriter {
  readonly #fd: number;
  readonly #mbufs: MbufView;
  readonly #u8: Uint8Array;
  readonly #snaplen: number;
  readonly #stage: Uint8Array;
  readonly #view: DataView;
  /** Room a whole burst may need. */
  readonly #burstBytes: number;
  /** Where each record of the staged burst starts. */
  readonly #starts: Uint32Array;
  #pos = 0;
  #staged = 0;

  /**
   * @param path a file {@link createPcapFile} created
   * @param burst most packets per `stage`
   * @param u8 the arena's bytes
   */
  constructor(path: string, burst: number, mbufs: MbufView, u8: Uint8Array, snaplen = PCAP_SNAPLEN) {
    this.#fd = openSync(path, 'a');
    this.#mbufs = mbufs;
    this.#u8 = u8;
    this.#snaplen = snaplen;
    this.#burstBytes = burst * (PCAP_RECORD_HDR_LEN + snaplen);
    this.#stage = new Uint8Array(2 * this.#burstBytes);
    this.#view = new DataView(this.#stage.buffer);
    this.#starts = new Uint32Array(burst + 1);
  }

  /** Copies the packets `handles[0 .. n)` (at most the burst size) into the staging buffer. */
  stage(handles: Uint32Array, n: number): void {
    if (this.#pos + this.#burstBytes > this.#stage.length) this.flush();
    const now = performance.timeOrigin + performance.now();
    const sec = Math.floor(now / MS_PER_S);
    const usec = Math.floor((now - sec * MS_PER_S) * US_PER_MS);
    const mbufs = this.#mbufs;
    const src = this.#u8;
    const dst = this.#stage;
    const view = this.#view;
    let pos = this.#pos;
    for (let i = 0; i < n; i++) {
      const h = handles[i];
      const length = mbufs.pktLen(h);
      const captured = length < this.#snaplen ? length : this.#snaplen;
      this.#starts[i] = pos;
      view.setUint32(pos + RH_TS_SEC, sec, LE);
      view.setUint32(pos + RH_TS_USEC, usec, LE);
      view.setUint32(pos + RH_INCL_LEN, captured, LE);
      view.setUint32(pos + RH_ORIG_LEN, length, LE);
      pos += PCAP_RECORD_HDR_LEN;
      let left = captured;
      for (let seg = h; seg !== 0 && left > 0; seg = mbufs.next(seg)) {
        const from = mbufs.mtod(seg);
        const take = mbufs.dataLen(seg) < left ? mbufs.dataLen(seg) : left;
        for (let k = 0; k < take; k++) dst[pos + k] = src[from + k];
        pos += take;
        left -= take;
      }
      // A chain shorter than its packet length: the record holds what there is.
      if (left > 0) view.setUint32(this.#starts[i] + RH_INCL_LEN, captured - left, LE);
    }
    this.#starts[n] = pos;
    this.#staged = n;
    this.#pos = pos;
  }

  /** Keeps the first `count` packets of the staged burst and drops the others. */
  commit(count: number): void {
    if (count < this.#staged) this.#pos = this.#starts[count];
    this.#staged = 0;
  }

  /** Writes out what is staged. */
  flush(): void {
    let done = 0;
    while (done < this.#pos) done += writeSync(this.#fd, this.#stage, done, this.#pos - done);
    this.#pos = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}
