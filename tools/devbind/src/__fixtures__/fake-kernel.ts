/**
 * A simulated kernel for nic-devbind tests: applies sysfs writes to a fake tree the way the
 * PCI core would (unbind drops the driver link, drivers_probe binds by driver_override or to
 * the device's own driver), and records every write.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FakeSysfs } from '@nic/pci/testing';
import { PciIdNames } from '../pci-ids.js';
import type { DevbindSystem } from '../system.js';

const NO_OVERRIDE = '(null)\n';

/** What the simulated kernel does, and what it saw. */
export interface FakeKernelOptions {
  /** The driver each device goes back to when nothing overrides it. */
  readonly nativeDrivers?: Readonly<Record<string, string>>;
  /** Drivers that refuse to bind (their probe fails). */
  readonly refusing?: readonly string[];
  /** Interfaces in the routing table, or a reason it cannot be read. */
  readonly routes?: readonly string[] | string;
  /** Vendor/device names (`pci.ids` text). */
  readonly pciIds?: string;
}

/** A fake system over `fake`, whose writes go through the simulated kernel. */
export class FakeKernel {
  readonly writes: string[] = [];
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly #fake: FakeSysfs;
  readonly #options: FakeKernelOptions;

  constructor(fake: FakeSysfs, options: FakeKernelOptions = {}) {
    this.#fake = fake;
    this.#options = options;
  }

  /** The system nic-devbind runs against; `root` must be the fake tree's. */
  system = (root: string): DevbindSystem => {
    if (root !== this.#fake.root) throw new Error(`devbind looked at ${root}, not the fake tree`);
    return {
      sysfs: root,
      modulesDir: join(root, 'no-modules'),
      names: new PciIdNames(this.#options.pciIds ?? ''),
      routedInterfaces: () => this.#options.routes ?? [],
      write: (path, text) => this.#write(path, text),
      out: (text) => this.out.push(text),
      err: (text) => this.err.push(text),
    };
  };

  #write(path: string, text: string): void {
    const rel = path.slice(this.#fake.root.length + 1);
    this.writes.push(`${rel} <- ${JSON.stringify(text)}`);
    const devices = this.#fake.devicesPath;
    if (basename(path) === 'unbind') {
      const link = join(devices, text, 'driver');
      if (!existsSync(link)) throw Object.assign(new Error('No such device'), { code: 'ENODEV' });
      rmSync(link);
    } else if (basename(path) === 'driver_override') {
      writeFileSync(path, text === '\n' ? NO_OVERRIDE : `${text}\n`);
    } else if (basename(path) === 'drivers_probe') {
      this.#probe(text);
    } else {
      throw new Error(`unexpected write to ${path}`);
    }
  }

  #probe(slot: string): void {
    const dir = join(this.#fake.devicesPath, slot);
    if (existsSync(join(dir, 'driver'))) return;
    const override = readFileSync(join(dir, 'driver_override'), 'utf8');
    const driver = override === NO_OVERRIDE ? this.#options.nativeDrivers?.[slot] : override.trim();
    if (driver === undefined || (this.#options.refusing ?? []).includes(driver)) return;
    const driverDir = join(this.#fake.driversPath, driver);
    if (!existsSync(driverDir)) return;
    symlinkSync(driverDir, join(dir, 'driver'));
  }
}
