/**
 * Everything nic-devbind reads from or writes to the machine, behind one interface so tests
 * can point it at a fake sysfs tree, a made-up routing table and a simulated kernel.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { PciIdNames } from './pci-ids.js';

/** The machine as nic-devbind sees it. */
export interface DevbindSystem {
  /** The sysfs root, `/sys`. */
  readonly sysfs: string;
  /** The kernel's module directory (`/lib/modules/<release>`), for `modules.alias` and `modules.builtin`. */
  readonly modulesDir: string;
  /** Vendor and device names. */
  readonly names: PciIdNames;
  /**
   * Interfaces the routing table sends traffic through (169.254/16 routes aside), or a reason
   * string when the table cannot be read.
   */
  routedInterfaces(): readonly string[] | string;
  /** Writes `text` to a sysfs attribute. */
  write(path: string, text: string): void;
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

/** Environment variable that moves the sysfs root, for tests. */
export const NIC_SYSFS_ROOT_ENV = 'NIC_SYSFS_ROOT';
/** The real sysfs root. */
export const DEFAULT_SYSFS_ROOT = '/sys';
/** Where kernel modules are installed. */
export const MODULES_ROOT = '/lib/modules';

/** `<sysfs>/bus/pci/devices`. */
export function pciDevicesDir(sys: DevbindSystem): string {
  return join(sys.sysfs, 'bus', 'pci', 'devices');
}

/** `<sysfs>/bus/pci/drivers`. */
export function pciDriversDir(sys: DevbindSystem): string {
  return join(sys.sysfs, 'bus', 'pci', 'drivers');
}

const LINK_LOCAL_PREFIX = '169.254';

/** Interfaces in `ip -j route` output, link-local routes aside (as dpdk-devbind does). */
export function parseRoutes(json: string): string[] {
  const routes = JSON.parse(json) as { dst?: string; dev?: string }[];
  const devs = routes.filter((r) => !(r.dst ?? '').startsWith(LINK_LOCAL_PREFIX)).map((r) => r.dev);
  return [...new Set(devs.filter((d): d is string => typeof d === 'string'))];
}

/** The real machine, with sysfs at `sysfs`. */
export function realSystem(sysfs: string): DevbindSystem {
  return {
    sysfs,
    modulesDir: join(MODULES_ROOT, release()),
    names: PciIdNames.load(),
    routedInterfaces() {
      try {
        return parseRoutes(execFileSync('ip', ['-j', 'route'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
      } catch (e) {
        return `cannot read the routing table with "ip -j route": ${(e as Error).message}`;
      }
    },
    write(path, text) {
      writeFileSync(path, text);
    },
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}
