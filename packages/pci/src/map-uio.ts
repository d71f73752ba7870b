/**
 * BAR mapping through sysfs (DPDK's `pci_uio_map_resource`): each memory BAR is an mmap of
 * `<device>/resourceN` (or `resourceN_wc`). Under igb_uio / uio_pci_generic the device's
 * `/dev/uioN` is opened for interrupts and its config file for INTx control; the forced
 * sysfs path opens neither.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapFile, NicError } from '@nic/native';
import type { PciIntrInfo } from './intr-info.js';
import type { PciBar } from './resource.js';
import { BarMappings, type PciBarMapping, type PciResources } from './resources.js';
import type { PciDeviceRecord } from './scan.js';
import { devRootPath } from './sysfs.js';

const UIO_ENTRY_RE = /^uio(\d+)$/;
const OLD_UIO_ENTRY_RE = /^uio:uio(\d+)$/;
const WC_SUFFIX = '_wc';

/** Which way in: with UIO's interrupt fds, or the bare resource files. */
export type SysfsMapKind = 'uio' | 'sysfs';

/**
 * The UIO device number of a UIO-bound device: the `uioN` entry of `<device>/uio/`, or an
 * older kernel's `<device>/uio:uioN`. `NIC_ENODEV` when there is none.
 */
function findUioNumber(record: PciDeviceRecord): number {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  for (const [dir, re] of [
    [join(record.path, 'uio'), UIO_ENTRY_RE],
    [record.path, OLD_UIO_ENTRY_RE],
  ] as const) {
    for (const name of list(dir)) {
      const m = re.exec(name);
      if (m) return Number(m[1]);
    }
  }
  throw new NicError('NIC_ENODEV', `${record.name} is bound to ${record.kernelDriver ?? 'no driver'} but ${record.path} has no uio/uioN entry`);
}

function openRw(path: string, what: string): number {
  try {
    return openSync(path, 'r+');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new NicError(err.code === 'ENOENT' ? 'NIC_ENOENT' : 'NIC_EIO', `cannot open ${path} (${what}): ${err.message}`, {
      cause: e,
      syscall: 'open',
      ...(err.errno === undefined ? {} : { errno: Math.abs(err.errno) }),
    });
  }
}

/**
 * Whether the kernel gave `record` a legacy interrupt line (its sysfs `irq` is not 0; a tree
 * without the file counts as having one). uio_pci_generic serves only that line: without it
 * the `/dev/uioN` node reports an error to every poll (EPOLLERR, which an epoll watcher sees
 * as a bad file descriptor) and never an interrupt.
 */
function hasIrqLine(record: PciDeviceRecord): boolean {
  try {
    return Number(readFileSync(join(record.path, 'irq'), 'utf8').trim()) !== 0;
  } catch {
    return true;
  }
}

/**
 * Opens `record` for BAR mapping through its sysfs resource files. A uio_pci_generic device
 * without an interrupt line (a function whose Interrupt Pin is 0) gets no interrupt: its
 * driver polls.
 */
export function openSysfsResources(record: PciDeviceRecord, kind: SysfsMapKind, options: { wc: boolean }): PciResources {
  let intr: PciIntrInfo | undefined;
  if (kind === 'uio' && (record.kdrv === 'igb_uio' || hasIrqLine(record))) {
    const uio = findUioNumber(record);
    const fd = openRw(join(devRootPath(), `uio${uio}`), `interrupts of ${record.name}`);
    let deviceFd: number;
    try {
      deviceFd = openRw(join(record.path, 'config'), `config space of ${record.name}`);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    intr = { kind: record.kdrv === 'igb_uio' ? 'uio' : 'uio_intx', fd, deviceFd, nbVectors: 1 };
  }
  const mappings = new BarMappings();
  return {
    method: kind,
    intr,
    config: undefined,
    mapBar(bar: PciBar): PciBarMapping {
      const plain = join(record.path, `resource${bar.index}`);
      const path = options.wc && existsSync(plain + WC_SUFFIX) ? plain + WC_SUFFIX : plain;
      const memory = mapFile(path, { length: bar.length, writable: true });
      return mappings.add(bar.index, memory, bar.length, bar.start);
    },
    unmapBar(mapping: PciBarMapping): void {
      mappings.unmap(mapping);
    },
    close(): void {
      if (!intr) return;
      closeSync(intr.fd);
      closeSync(intr.deviceFd);
    },
  };
}
