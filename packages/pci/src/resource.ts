/**
 * The sysfs `resource` file: one line per region, `0x<start> 0x<end> 0x<flags>`, the first
 * six being the BARs. Flags are the kernel's `IORESOURCE_*` bits.
 */
import { PCI_MAX_RESOURCE } from './regs.js';

/** Resource flag: an I/O-port region. */
export const IORESOURCE_IO = 0x0000_0100;
/** Resource flag: a memory region. */
export const IORESOURCE_MEM = 0x0000_0200;
/** Resource flag: prefetchable memory. */
export const IORESOURCE_PREFETCH = 0x0000_2000;
/** Resource flag: a 64-bit memory BAR. */
export const IORESOURCE_MEM_64 = 0x0010_0000;

/** What a BAR decodes. */
export type PciBarKind = 'mem' | 'io' | 'none';

/** One base address register as the kernel assigned it. */
export interface PciBar {
  /** BAR number, 0 to 5. */
  readonly index: number;
  readonly kind: PciBarKind;
  /** First bus (physical) address, 0 when unassigned. */
  readonly start: number;
  /** Size in bytes, 0 when the BAR is not implemented. */
  readonly length: number;
  /** The kernel's `IORESOURCE_*` flags. */
  readonly flags: number;
  /** A 64-bit memory BAR (it uses the next BAR register too). */
  readonly is64: boolean;
  readonly prefetchable: boolean;
}

const RESOURCE_LINE_RE = /^0x([0-9a-fA-F]+) 0x([0-9a-fA-F]+) 0x([0-9a-fA-F]+)$/;
const HEX = 16;

/**
 * Parses the text of a `resource` file into its six BARs. Returns a reason string instead
 * when the file has fewer than six lines, a line is not three hex fields, an address does
 * not fit a safe integer, or an end lies before its start.
 */
export function parseResourceFile(text: string): PciBar[] | string {
  const lines = text.split('\n');
  if (lines.length < PCI_MAX_RESOURCE + 1) return `expected at least ${PCI_MAX_RESOURCE} lines, got ${lines.length - 1}`;
  const bars: PciBar[] = [];
  for (let index = 0; index < PCI_MAX_RESOURCE; index++) {
    const m = RESOURCE_LINE_RE.exec(lines[index]);
    if (!m) return `line ${index + 1} is not "0x<start> 0x<end> 0x<flags>": ${JSON.stringify(lines[index])}`;
    const [start, end, flags] = [m[1], m[2], m[3]].map((h) => Number.parseInt(h, HEX));
    if (![start, end, flags].every(Number.isSafeInteger)) return `line ${index + 1} has a value beyond 2^53`;
    if (end < start) return `line ${index + 1} ends before it starts`;
    bars.push(decodeBar(index, start, end, flags));
  }
  return bars;
}

function decodeBar(index: number, start: number, end: number, flags: number): PciBar {
  const kind: PciBarKind = (flags & IORESOURCE_MEM) !== 0 ? 'mem' : (flags & IORESOURCE_IO) !== 0 ? 'io' : 'none';
  const empty = kind === 'none' || (start === 0 && end === 0);
  return {
    index,
    kind,
    start,
    length: empty ? 0 : end - start + 1,
    flags,
    is64: (flags & IORESOURCE_MEM_64) !== 0,
    prefetchable: (flags & IORESOURCE_PREFETCH) !== 0,
  };
}
