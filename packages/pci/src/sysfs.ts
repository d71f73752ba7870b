/**
 * Reading the kernel's PCI sysfs files: where the tree is, and the value rules DPDK applies
 * (a number is one line, `strtoul`-style with base prefix, and must end in a newline).
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NicError } from '@nic/native';

/** Environment variable that moves the PCI device directory (DPDK's, used by its tests). */
export const SYSFS_PCI_DEVICES_ENV = 'SYSFS_PCI_DEVICES';
/** Where the kernel lists PCI functions. */
export const DEFAULT_SYSFS_PCI_DEVICES = '/sys/bus/pci/devices';
/** Environment variable that moves `/dev` (for `/dev/uioN` and `/dev/vfio`), for tests. */
export const NIC_DEV_ROOT_ENV = 'NIC_DEV_ROOT';
/** Where device nodes live. */
export const DEFAULT_DEV_ROOT = '/dev';

/** The PCI device directory: `$SYSFS_PCI_DEVICES`, else `/sys/bus/pci/devices`. */
export function sysfsPciDevicesPath(): string {
  const override = process.env[SYSFS_PCI_DEVICES_ENV];
  return override === undefined || override === '' ? DEFAULT_SYSFS_PCI_DEVICES : override;
}

/** The PCI driver directory that sits beside the device directory (`/sys/bus/pci/drivers`). */
export function sysfsPciDriversPath(devicesPath: string = sysfsPciDevicesPath()): string {
  return join(dirname(devicesPath), 'drivers');
}

/** The device-node directory: `$NIC_DEV_ROOT`, else `/dev`. */
export function devRootPath(): string {
  const override = process.env[NIC_DEV_ROOT_ENV];
  return override === undefined || override === '' ? DEFAULT_DEV_ROOT : override;
}

// An optional minus sign, then 0x-hex, 0-led octal or decimal, then exactly one newline.
const SYSFS_NUMBER_RE = /^(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\n$/;
const HEX_PREFIX_LENGTH = 2;
const HEX = 16;
const OCTAL = 8;
const DECIMAL = 10;

/**
 * Parses the text of a one-number sysfs file the way DPDK's `eal_parse_sysfs_value` accepts
 * it: `0x`-prefixed hexadecimal, `0`-prefixed octal or decimal, optionally negative (the
 * kernel writes `-1` for "no NUMA node"), followed by a newline and nothing else. Returns
 * undefined for any other text.
 */
export function parseSysfsNumber(text: string): number | undefined {
  const m = SYSFS_NUMBER_RE.exec(text);
  if (!m) return undefined;
  const digits = m[2];
  let value: number;
  if (/^0[xX]/.test(digits)) value = Number.parseInt(digits.slice(HEX_PREFIX_LENGTH), HEX);
  else if (digits.startsWith('0')) value = Number.parseInt(digits, OCTAL);
  else value = Number.parseInt(digits, DECIMAL);
  if (!Number.isSafeInteger(value)) return undefined;
  return m[1] === '-' ? -value : value;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code === 'ENOENT' ? 'NIC_ENOENT' : 'NIC_EIO';
    throw new NicError(code, `cannot read ${file}: ${err.message}`, { cause: e, errno: errnoOf(err), syscall: 'open' });
  }
}

function errnoOf(err: NodeJS.ErrnoException): number | undefined {
  return err.errno === undefined ? undefined : Math.abs(err.errno);
}

/**
 * Reads a one-number sysfs file. A missing file is `NIC_ENOENT`, an unreadable one `NIC_EIO`,
 * text that {@link parseSysfsNumber} refuses `NIC_EINVAL`; each message names the file.
 */
export function readSysfsNumber(file: string): number {
  const text = readText(file);
  const value = parseSysfsNumber(text);
  if (value === undefined) throw new NicError('NIC_EINVAL', `${file}: expected one number followed by a newline, got ${JSON.stringify(text.slice(0, 40))}`);
  return value;
}

/** Like {@link readSysfsNumber}, but a missing file gives `fallback`. */
export function readOptionalSysfsNumber(file: string, fallback: number): number;
/** Like {@link readSysfsNumber}, but a missing file gives undefined. */
export function readOptionalSysfsNumber(file: string): number | undefined;
export function readOptionalSysfsNumber(file: string, fallback?: number): number | undefined {
  return existsSync(file) ? readSysfsNumber(file) : fallback;
}

/** The last path component of a symlink's target, or undefined when `link` is not a symlink. */
export function readLinkBasename(link: string): string | undefined {
  try {
    return basename(readlinkSync(link));
  } catch {
    return undefined;
  }
}
