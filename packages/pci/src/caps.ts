/**
 * Capability lists: the standard list from the pointer at 0x34 and the PCIe extended list
 * from 0x100, and decoders for MSI, MSI-X and vendor-specific capabilities. Every walk is
 * bounded, so a looping or corrupt list ends instead of hanging.
 */
import type { PciConfigReader } from './config.js';
import {
  PCI_CAP_ID_INVALID,
  PCI_CAP_ID_VNDR,
  PCI_CAP_PTR_MASK,
  PCI_CAP_VNDR_LEN,
  PCI_CAPABILITY_LIST,
  PCI_CFG_SPACE_EXP_SIZE,
  PCI_CFG_SPACE_SIZE,
  PCI_EXT_CAP_HEADER_SIZE,
  PCI_EXT_CAP_ID_MASK,
  PCI_EXT_CAP_NEXT_MASK,
  PCI_EXT_CAP_NEXT_SHIFT,
  PCI_EXT_CAP_START,
  PCI_EXT_CAP_VER_MASK,
  PCI_EXT_CAP_VER_SHIFT,
  PCI_MSI_FLAGS,
  PCI_MSI_FLAGS_64BIT,
  PCI_MSI_FLAGS_ENABLE,
  PCI_MSI_FLAGS_MASKBIT,
  PCI_MSI_FLAGS_QMASK,
  PCI_MSI_FLAGS_QSHIFT,
  PCI_MSI_FLAGS_QSIZE,
  PCI_MSI_FLAGS_QSIZE_SHIFT,
  PCI_MSIX_BIR_MASK,
  PCI_MSIX_ENTRY_SIZE,
  PCI_MSIX_FLAGS,
  PCI_MSIX_FLAGS_ENABLE,
  PCI_MSIX_FLAGS_MASKALL,
  PCI_MSIX_FLAGS_QSIZE,
  PCI_MSIX_PBA,
  PCI_MSIX_TABLE,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
  PCI_STD_HEADER_SIZE,
} from './regs.js';

/** One entry of the standard capability list. */
export interface PciCapability {
  /** Capability id (`PCI_CAP_ID_*`). */
  readonly id: number;
  /** Offset of the capability in configuration space. */
  readonly offset: number;
}

/** One entry of the extended capability list. */
export interface PciExtCapability {
  /** Extended capability id (`PCI_EXT_CAP_ID_*`). */
  readonly id: number;
  readonly version: number;
  readonly offset: number;
}

/** Bytes of a standard capability's smallest step: the walk visits at most (256 - 64) / 4 entries. */
const STD_CAP_MIN_SIZE = 4;
const STD_WALK_TTL = (PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZE) / STD_CAP_MIN_SIZE;
/** Extended capabilities are at least 8 bytes apart: at most (4096 - 256) / 8 entries. */
const EXT_CAP_MIN_SIZE = 8;
const EXT_WALK_TTL = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / EXT_CAP_MIN_SIZE;
const ALL_ONES_U32 = 0xffff_ffff;
const BYTE_SHIFT = 8;
const BYTE_MASK = 0xff;

/** Whether the status register says a capability list is present. */
export function hasCapabilityList(cfg: PciConfigReader): boolean {
  return (cfg.readU16(PCI_STATUS) & PCI_STATUS_CAP_LIST) !== 0;
}

/**
 * The standard capabilities in list order. Empty when the status register has no
 * capability list. Stops at a null pointer, a pointer into the header, an id of 0xff, or
 * after 48 entries.
 */
export function listCapabilities(cfg: PciConfigReader): PciCapability[] {
  const caps: PciCapability[] = [];
  if (!hasCapabilityList(cfg)) return caps;
  let pos = cfg.readU8(PCI_CAPABILITY_LIST) & PCI_CAP_PTR_MASK;
  for (let ttl = STD_WALK_TTL; ttl > 0 && pos >= PCI_STD_HEADER_SIZE; ttl--) {
    const entry = cfg.readU16(pos);
    const id = entry & BYTE_MASK;
    if (id === PCI_CAP_ID_INVALID) break;
    caps.push({ id, offset: pos });
    pos = (entry >> BYTE_SHIFT) & PCI_CAP_PTR_MASK;
  }
  return caps;
}

/**
 * Offset of the first standard capability with `id`, or undefined. With `after` (the offset
 * of a capability found before), the search goes on from the entry that follows it in the
 * list, as DPDK's `rte_pci_find_next_capability` does.
 */
export function findCapability(cfg: PciConfigReader, id: number, after?: number): number | undefined {
  return findInList(listCapabilities(cfg), id, after);
}

function findInList(caps: readonly { id: number; offset: number }[], id: number, after: number | undefined): number | undefined {
  const start = after === undefined ? 0 : caps.findIndex((c) => c.offset === after) + 1;
  if (start === 0 && after !== undefined) return undefined;
  return caps.slice(start).find((c) => c.id === id)?.offset;
}

/**
 * The extended capabilities in list order; empty when the space is only 256 bytes or the
 * first header is 0 or all ones. Stops when a next pointer falls below 0x100 or after 480
 * entries.
 */
export function listExtCapabilities(cfg: PciConfigReader): PciExtCapability[] {
  const caps: PciExtCapability[] = [];
  if (cfg.size < PCI_CFG_SPACE_EXP_SIZE) return caps;
  let pos = PCI_EXT_CAP_START;
  for (let ttl = EXT_WALK_TTL; ttl > 0; ttl--) {
    const header = cfg.readU32(pos);
    if (header === 0 || header === ALL_ONES_U32) break;
    caps.push({
      id: header & PCI_EXT_CAP_ID_MASK,
      version: (header >>> PCI_EXT_CAP_VER_SHIFT) & PCI_EXT_CAP_VER_MASK,
      offset: pos,
    });
    pos = (header >>> PCI_EXT_CAP_NEXT_SHIFT) & PCI_EXT_CAP_NEXT_MASK;
    if (pos < PCI_EXT_CAP_START || pos + PCI_EXT_CAP_HEADER_SIZE > cfg.size) break;
  }
  return caps;
}

/**
 * Offset of the first extended capability with `id`, or undefined; `after` continues a
 * search as in {@link findCapability} (DPDK's `rte_pci_find_next_ext_capability`).
 */
export function findExtCapability(cfg: PciConfigReader, id: number, after?: number): number | undefined {
  return findInList(listExtCapabilities(cfg), id, after);
}

/** An MSI capability. */
export interface MsiInfo {
  readonly offset: number;
  readonly enabled: boolean;
  /** Vectors the function can request (1 to 32). */
  readonly vectorsCapable: number;
  /** Vectors software enabled (1 to 32). */
  readonly vectorsEnabled: number;
  /** 64-bit message address. */
  readonly is64: boolean;
  /** Per-vector masking. */
  readonly perVectorMask: boolean;
}

/** Decodes the MSI capability at `offset`. */
export function decodeMsi(cfg: PciConfigReader, offset: number): MsiInfo {
  const flags = cfg.readU16(offset + PCI_MSI_FLAGS);
  return {
    offset,
    enabled: (flags & PCI_MSI_FLAGS_ENABLE) !== 0,
    vectorsCapable: 1 << ((flags & PCI_MSI_FLAGS_QMASK) >> PCI_MSI_FLAGS_QSHIFT),
    vectorsEnabled: 1 << ((flags & PCI_MSI_FLAGS_QSIZE) >> PCI_MSI_FLAGS_QSIZE_SHIFT),
    is64: (flags & PCI_MSI_FLAGS_64BIT) !== 0,
    perVectorMask: (flags & PCI_MSI_FLAGS_MASKBIT) !== 0,
  };
}

/** An MSI-X capability: how many vectors, and where the table and pending bits live. */
export interface MsixInfo {
  readonly offset: number;
  readonly enabled: boolean;
  /** All vectors masked (function mask). */
  readonly masked: boolean;
  /** Number of table entries (1 to 2048). */
  readonly tableSize: number;
  /** BAR holding the vector table. */
  readonly tableBar: number;
  /** Offset of the vector table in that BAR. */
  readonly tableOffset: number;
  /** Bytes of the vector table (16 per entry). */
  readonly tableBytes: number;
  /** BAR holding the pending-bit array. */
  readonly pbaBar: number;
  /** Offset of the pending-bit array in that BAR. */
  readonly pbaOffset: number;
}

/** Decodes the MSI-X capability at `offset`. */
export function decodeMsix(cfg: PciConfigReader, offset: number): MsixInfo {
  const flags = cfg.readU16(offset + PCI_MSIX_FLAGS);
  const table = cfg.readU32(offset + PCI_MSIX_TABLE);
  const pba = cfg.readU32(offset + PCI_MSIX_PBA);
  const tableSize = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
  return {
    offset,
    enabled: (flags & PCI_MSIX_FLAGS_ENABLE) !== 0,
    masked: (flags & PCI_MSIX_FLAGS_MASKALL) !== 0,
    tableSize,
    tableBar: table & PCI_MSIX_BIR_MASK,
    tableOffset: (table & ~PCI_MSIX_BIR_MASK) >>> 0,
    tableBytes: tableSize * PCI_MSIX_ENTRY_SIZE,
    pbaBar: pba & PCI_MSIX_BIR_MASK,
    pbaOffset: (pba & ~PCI_MSIX_BIR_MASK) >>> 0,
  };
}

/** A vendor-specific capability, raw: its bytes as long as its length byte says. */
export interface VendorCapability {
  readonly offset: number;
  /** The capability's own length byte (`cap_len`), header included. */
  readonly length: number;
  /** `length` bytes from `offset` (the header is bytes 0 to 2). */
  readonly bytes: Uint8Array;
}

/**
 * Every vendor-specific capability (id 0x09), raw. A length byte shorter than the header or
 * reaching past the space is clamped to what can be read.
 */
export function vendorCapabilities(cfg: PciConfigReader): VendorCapability[] {
  return listCapabilities(cfg)
    .filter((c) => c.id === PCI_CAP_ID_VNDR)
    .map(({ offset }) => {
      const declared = cfg.readU8(offset + PCI_CAP_VNDR_LEN);
      const length = Math.min(Math.max(declared, PCI_CAP_VNDR_LEN + 1), cfg.size - offset);
      return { offset, length: declared, bytes: cfg.read(offset, length) };
    });
}
