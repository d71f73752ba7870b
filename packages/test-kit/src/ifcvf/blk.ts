/**
 * The virtio-blk side of the IFCVF model (virtio 1.0 §5.2.6): a disk of 512-byte sectors in
 * memory (sparse) and the requests a blk virtqueue carries: a 16-byte header (type, reserved,
 * sector) the driver wrote, data buffers, and a status byte the device writes last. Reads
 * (IN), writes (OUT) and GET_ID are served; a request past the disk's end is IOERR, another
 * type UNSUPP, a chain without a header or a status byte is dropped as IOERR where it can be.
 */
import type { ChainPart, Virtqueue } from './virtqueue.js';

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
export const BLK_SECTOR_SIZE = 512;
const HEADER_SIZE = 16;
const HEADER_TYPE = 0;
const HEADER_SECTOR = 8;
/** Bytes of a GET_ID answer. */
const ID_BYTES = 20;

/** An in-memory disk and its request handling. */
export class BlkDisk {
  /** Sectors. */
  readonly capacity: bigint;
  /** The model's serial number (GET_ID), padded with zeros. */
  readonly id: Uint8Array;
  readonly #sectors = new Map<bigint, Uint8Array>();
  /** Requests served, by outcome. */
  readonly counts = { ok: 0, ioerr: 0, unsupp: 0 };

  constructor(capacity: bigint, serial: string) {
    this.capacity = capacity;
    this.id = new Uint8Array(ID_BYTES);
    this.id.set(new TextEncoder().encode(serial).subarray(0, ID_BYTES));
  }

  /** `count` bytes from sector `sector` (zeros where nothing was written). */
  read(sector: bigint, count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let at = 0; at < count; at += BLK_SECTOR_SIZE) {
      const s = this.#sectors.get(sector + BigInt(at / BLK_SECTOR_SIZE));
      if (s) out.set(s.subarray(0, Math.min(BLK_SECTOR_SIZE, count - at)), at);
    }
    return out;
  }

  /** Writes `data` from sector `sector`. */
  write(sector: bigint, data: Uint8Array): void {
    for (let at = 0; at < data.length; at += BLK_SECTOR_SIZE) {
      const s = new Uint8Array(BLK_SECTOR_SIZE);
      s.set(data.subarray(at, at + BLK_SECTOR_SIZE));
      this.#sectors.set(sector + BigInt(at / BLK_SECTOR_SIZE), s);
    }
  }

  /** Serves the request of `parts` through `vq`'s DMA; returns the bytes written to the driver. */
  serve(vq: Virtqueue, parts: readonly ChainPart[]): number {
    const readable = parts.filter((p) => !p.writable);
    const writable = parts.filter((p) => p.writable);
    const status = writable.at(-1);
    if (!status || status.length === 0) return 0;
    const statusAt = status.iova + status.length - 1;
    const out = readable.map((p) => vq.read(p.iova, p.length, 'blk request') ?? new Uint8Array(0));
    const request = concat(out);
    const finish = (code: number, written: number): number => {
      vq.write(statusAt, Uint8Array.of(code), 'blk status');
      if (code === VIRTIO_BLK_S_OK) this.counts.ok++;
      else if (code === VIRTIO_BLK_S_IOERR) this.counts.ioerr++;
      else this.counts.unsupp++;
      return written + 1;
    };
    if (request.length < HEADER_SIZE) return finish(VIRTIO_BLK_S_IOERR, 0);
    const header = new DataView(request.buffer, request.byteOffset, HEADER_SIZE);
    const type = header.getUint32(HEADER_TYPE, true);
    const sector = header.getBigUint64(HEADER_SECTOR, true);
    // The data buffers: writable ones without the status byte (IN, GET_ID), readable ones after the header (OUT).
    const inParts = writable.map((p, i) => ({ iova: p.iova, length: i === writable.length - 1 ? p.length - 1 : p.length }));
    const inBytes = inParts.reduce((n, p) => n + p.length, 0);
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        if (!this.#fits(sector, inBytes)) return finish(VIRTIO_BLK_S_IOERR, 0);
        const data = this.read(sector, inBytes);
        let at = 0;
        for (const p of inParts) {
          if (p.length > 0) vq.write(p.iova, data.subarray(at, at + p.length), 'blk read data');
          at += p.length;
        }
        return finish(VIRTIO_BLK_S_OK, inBytes);
      }
      case VIRTIO_BLK_T_OUT: {
        const data = request.subarray(HEADER_SIZE);
        if (!this.#fits(sector, data.length)) return finish(VIRTIO_BLK_S_IOERR, 0);
        this.write(sector, data);
        return finish(VIRTIO_BLK_S_OK, 0);
      }
      case VIRTIO_BLK_T_GET_ID: {
        let at = 0;
        for (const p of inParts) {
          const n = Math.min(p.length, ID_BYTES - at);
          if (n > 0) vq.write(p.iova, this.id.subarray(at, at + n), 'blk id');
          at += n;
        }
        return finish(VIRTIO_BLK_S_OK, at);
      }
      default:
        return finish(VIRTIO_BLK_S_UNSUPP, 0);
    }
  }

  /** Whether `bytes` (whole sectors) from `sector` lie on the disk. */
  #fits(sector: bigint, bytes: number): boolean {
    return bytes % BLK_SECTOR_SIZE === 0 && sector + BigInt(bytes / BLK_SECTOR_SIZE) <= this.capacity;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
