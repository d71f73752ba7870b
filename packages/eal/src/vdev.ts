/**
 * The virtual-device bus. Its devices come from `--vdev name[,args]`; each is created at
 * EAL's dev-init stage by the first `vdev` driver in `dev_driver_list` whose name is a
 * prefix of the device name, as DPDK does.
 */
import { NicError } from '@nic/native';
import { parseDevargs } from './devargs.js';
import type { Eal } from './eal.js';
import { registerLogtype } from './log.js';
import type { BusInstance, DeviceInfo, ProbeResult, VdevDriverDescriptor } from './types.js';

/** The bus name of virtual devices. */
export const VDEV_BUS = 'vdev';

const log = registerLogtype('bus.vdev');

interface VdevDevice {
  readonly name: string;
  readonly args: string;
  readonly driver: VdevDriverDescriptor;
}

/** The vdev bus of one EAL instance. */
export class VdevBus implements BusInstance {
  readonly name = VDEV_BUS;
  readonly #eal: Eal;
  readonly #devices = new Map<string, VdevDevice>();

  constructor(eal: Eal) {
    this.#eal = eal;
  }

  /** A vdev name is one that some registered vdev driver's name prefixes. */
  parse(deviceName: string): string | undefined {
    return this.#findDriver(deviceName) ? deviceName : undefined;
  }

  scan(): void {
    // Virtual devices are not discovered; they are created from devargs at dev init.
  }

  probe(): ProbeResult[] {
    return [];
  }

  devices(): readonly DeviceInfo[] {
    return [...this.#devices.values()]
      .map((d) => ({ name: d.name, bus: VDEV_BUS, driver: d.driver.name, state: 'probed' as const, description: d.args || undefined }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  drivers(): readonly string[] {
    return this.#vdevDrivers().map((d) => d.name);
  }

  /** Hotplug of a virtual device from devargs text (`net_ring1,k=v`): see {@link create}. */
  async attach(devargs: string): Promise<void> {
    const d = parseDevargs(devargs, { buses: [this] }, { bus: VDEV_BUS });
    await this.create(d.name, d.args);
  }

  /**
   * Creates a virtual device (DPDK's `rte_eal_vdev_init`). No driver for the name, or a name
   * already in use, is `NIC_EINVAL`/`NIC_EEXIST`; a driver's failure propagates.
   */
  async create(deviceName: string, args = ''): Promise<void> {
    if (this.#devices.has(deviceName)) throw new NicError('NIC_EEXIST', `vdev ${deviceName} already exists`);
    const driver = this.#findDriver(deviceName);
    if (!driver) throw new NicError('NIC_EINVAL', `--vdev ${deviceName}: no driver found for ${deviceName}`);
    log.info(`creating ${deviceName} with driver ${driver.name}`);
    await driver.init(this.#eal, deviceName, args);
    this.#devices.set(deviceName, { name: deviceName, args, driver });
  }

  /** Removes a virtual device; unknown names are `NIC_ENODEV`. */
  async detach(deviceName: string): Promise<void> {
    const dev = this.#devices.get(deviceName);
    if (!dev) throw new NicError('NIC_ENODEV', `vdev ${deviceName} does not exist`);
    await dev.driver.uninit?.(this.#eal, deviceName);
    this.#devices.delete(deviceName);
  }

  async cleanup(): Promise<void> {
    for (const name of [...this.#devices.keys()].reverse()) await this.detach(name);
  }

  #vdevDrivers(): VdevDriverDescriptor[] {
    return this.#eal.drivers().filter((d): d is VdevDriverDescriptor => d.type === 'vdev');
  }

  #findDriver(deviceName: string): VdevDriverDescriptor | undefined {
    return this.#vdevDrivers().find((d) => deviceName.startsWith(d.name));
  }
}
