/**
 * PCI addresses: parsing the `[domain:]bus:device.function` text users and sysfs write, the
 * canonical spelling `0000:01:00.0`, and ordering.
 */
import { NicError } from '@nic/native';

/** A PCI function's location: domain (segment), bus, device and function numbers. */
export interface PciAddr {
  /** PCI domain (segment group), 0 to 0xffffffff. */
  readonly domain: number;
  /** Bus number, 0 to 0xff. */
  readonly bus: number;
  /** Device (slot) number, 0 to 0x1f. */
  readonly devid: number;
  /** Function number, 0 to 7. */
  readonly function: number;
}

/** Largest domain number (DPDK keeps the domain in 32 bits). */
export const PCI_MAX_DOMAIN = 0xffff_ffff;
/** Largest bus number. */
export const PCI_MAX_BUS = 0xff;
/** Largest device number: the slot field of a devfn is 5 bits wide. */
export const PCI_MAX_DEVID = 0x1f;
/** Largest function number: the function field of a devfn is 3 bits wide. */
export const PCI_MAX_FUNCTION = 7;

const HEX = 16;
const DOMAIN_WIDTH = 4;
const FIELD_WIDTH = 2;

// [domain:]bus:device.function; domain up to 8 hex digits, bus and device up to 2, function one
// decimal digit. No spaces, signs or 0x prefixes.
const PCI_ADDR_RE = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

/**
 * Parses `DDDD:BB:DD.F` or `BB:DD.F` (domain 0). Domain, bus and device are hexadecimal, the
 * function is one digit 0-7; the device must be at most 0x1f. Returns undefined for anything
 * else. A non-string argument is a `TypeError`.
 */
export function tryParsePciAddr(text: string): PciAddr | undefined {
  if (typeof text !== 'string') throw new TypeError(`PCI address must be a string, got ${typeof text}`);
  const m = PCI_ADDR_RE.exec(text);
  if (!m) return undefined;
  const domain = m[1] === undefined ? 0 : Number.parseInt(m[1], HEX);
  const bus = Number.parseInt(m[2], HEX);
  const devid = Number.parseInt(m[3], HEX);
  const fn = Number.parseInt(m[4], 10);
  if (devid > PCI_MAX_DEVID) return undefined;
  return { domain, bus, devid, function: fn };
}

/**
 * Like {@link tryParsePciAddr}, but a string that is not a PCI address is a
 * `NicError('NIC_EINVAL')` quoting it.
 */
export function parsePciAddr(text: string): PciAddr {
  const addr = tryParsePciAddr(text);
  if (!addr) {
    throw new NicError('NIC_EINVAL', `invalid PCI address "${text}" (expected [domain:]bus:device.function, e.g. 0000:01:00.0)`);
  }
  return addr;
}

/** The canonical name of a PCI address, `%.4x:%.2x:%.2x.%x` as in sysfs: `0000:01:00.0`. */
export function formatPciAddr(addr: PciAddr): string {
  const hex = (n: number, width: number) => n.toString(HEX).padStart(width, '0');
  return `${hex(addr.domain, DOMAIN_WIDTH)}:${hex(addr.bus, FIELD_WIDTH)}:${hex(addr.devid, FIELD_WIDTH)}.${addr.function.toString(HEX)}`;
}

/**
 * Orders two addresses by domain, then bus, device and function: negative when `a` comes
 * first, positive when `b` does, 0 when they name the same function. Usable with `Array.sort`.
 */
export function comparePciAddr(a: PciAddr, b: PciAddr): number {
  return (
    Math.sign(a.domain - b.domain) ||
    Math.sign(a.bus - b.bus) ||
    Math.sign(a.devid - b.devid) ||
    Math.sign(a.function - b.function)
  );
}
