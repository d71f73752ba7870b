/**
 * Building configuration-space images for tests: a type-0 header from ids, then standard and
 * extended capabilities chained in the order they are added.
 */
import {
  PCI_CAP_HEADER_SIZE,
  PCI_CAP_NEXT,
  PCI_CAPABILITY_LIST,
  PCI_CFG_SPACE_EXP_SIZE,
  PCI_CFG_SPACE_SIZE,
  PCI_CLASS_PROG,
  PCI_DEVICE_ID,
  PCI_EXT_CAP_NEXT_SHIFT,
  PCI_EXT_CAP_START,
  PCI_EXT_CAP_VER_SHIFT,
  PCI_INTERRUPT_PIN,
  PCI_REVISION_ID,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
  PCI_STD_HEADER_SIZE,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
} from '../regs.js';

/** The header fields of an image. */
export interface ConfigHeader {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly subsystemVendorId?: number;
  readonly subsystemDeviceId?: number;
  readonly classId?: number;
  readonly revision?: number;
  /** Interrupt Pin: 0 (the default) for none, 1-4 for INTA-INTD (`PCI_INTERRUPT_PIN_INTA`). */
  readonly interruptPin?: number;
  /** 4096 bytes (PCIe extended space) instead of 256. */
  readonly extended?: boolean;
}

const DWORD = 4;
const CLASS_BYTES = 3;
const BYTE_SHIFT = 8;

/** Builds an image: header first, capabilities appended with {@link addCap} / {@link addExtCap}. */
export class ConfigImageBuilder {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  #lastCap = 0;
  #nextCap = PCI_STD_HEADER_SIZE;
  #lastExt = 0;
  #nextExt = PCI_EXT_CAP_START;

  constructor(header: ConfigHeader) {
    this.bytes = new Uint8Array(header.extended ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE);
    this.#view = new DataView(this.bytes.buffer);
    this.#view.setUint16(PCI_VENDOR_ID, header.vendorId, true);
    this.#view.setUint16(PCI_DEVICE_ID, header.deviceId, true);
    this.#view.setUint8(PCI_REVISION_ID, header.revision ?? 0);
    const cls = header.classId ?? 0;
    for (let i = 0; i < CLASS_BYTES; i++) this.#view.setUint8(PCI_CLASS_PROG + i, (cls >> (BYTE_SHIFT * i)) & 0xff);
    this.#view.setUint16(PCI_SUBSYSTEM_VENDOR_ID, header.subsystemVendorId ?? header.vendorId, true);
    this.#view.setUint16(PCI_SUBSYSTEM_ID, header.subsystemDeviceId ?? header.deviceId, true);
    this.#view.setUint8(PCI_INTERRUPT_PIN, header.interruptPin ?? 0);
  }

  /**
   * Appends a standard capability: `body` is everything after the id and next bytes. Links it
   * from the previous one (or from 0x34) and sets the status bit. Returns its offset.
   */
  addCap(id: number, body: readonly number[]): number {
    const at = this.#nextCap;
    this.bytes[at] = id;
    this.bytes.set(body, at + 2);
    if (this.#lastCap === 0) this.bytes[PCI_CAPABILITY_LIST] = at;
    else this.bytes[this.#lastCap + PCI_CAP_NEXT] = at;
    this.#view.setUint16(PCI_STATUS, this.#view.getUint16(PCI_STATUS, true) | PCI_STATUS_CAP_LIST, true);
    this.#lastCap = at;
    this.#nextCap = alignUp(at + Math.max(2 + body.length, PCI_CAP_HEADER_SIZE), DWORD);
    return at;
  }

  /** Appends an extended capability (`body` follows the 4-byte header). Returns its offset. */
  addExtCap(id: number, version: number, body: readonly number[]): number {
    const at = this.#nextExt;
    this.#view.setUint32(at, (id | (version << PCI_EXT_CAP_VER_SHIFT)) >>> 0, true);
    this.bytes.set(body, at + DWORD);
    if (this.#lastExt !== 0) {
      const prev = this.#view.getUint32(this.#lastExt, true);
      this.#view.setUint32(this.#lastExt, (prev | (at << PCI_EXT_CAP_NEXT_SHIFT)) >>> 0, true);
    }
    this.#lastExt = at;
    this.#nextExt = alignUp(at + DWORD + body.length, DWORD);
    return at;
  }

  /** Writes a little-endian u16 at `offset`. */
  setU16(offset: number, value: number): this {
    this.#view.setUint16(offset, value, true);
    return this;
  }

  /** Writes a little-endian u32 at `offset`. */
  setU32(offset: number, value: number): this {
    this.#view.setUint32(offset, value >>> 0, true);
    return this;
  }
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Little-endian bytes of a u16, for capability bodies. */
export function le16(value: number): number[] {
  return [value & 0xff, (value >>> BYTE_SHIFT) & 0xff];
}

/** Little-endian bytes of a u32, for capability bodies. */
export function le32(value: number): number[] {
  return [...le16(value & 0xffff), ...le16(value >>> (2 * BYTE_SHIFT))];
}

/** Parses a hex dump (`offset: b0 b1 ...` lines, `#` comments) back into bytes. */
export function parseHexDump(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const line of text.split('\n')) {
    const body = line.replace(/#.*/, '').trim();
    if (body === '') continue;
    const [, data = ''] = body.split(':');
    for (const hex of data.trim().split(/\s+/)) bytes.push(Number.parseInt(hex, 16));
  }
  return Uint8Array.from(bytes);
}
