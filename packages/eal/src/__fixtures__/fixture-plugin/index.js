// A driver plugin as a third party would write it: importing it registers a bus
// ("fakebus", whose devices come from globalThis.__nicFakeBusDevices), a pdev driver that
// hands its bus-level driver to fakebus at dev init, and a vdev driver.
import { NicError, registerBus, registerDriver } from '@nic/eal/driver';

class FakeBus {
  name = 'fakebus';
  #eal;
  #drivers = [];
  #devices = [];
  /** How many drivers the bus list held when scan ran (always 0: they arrive at dev init). */
  driversAtScan = -1;

  constructor(eal) {
    this.#eal = eal;
  }
  parse(name) {
    return name.startsWith('fake:') ? name : undefined;
  }
  registerDriver(drv) {
    this.#drivers.push(drv);
  }
  scan() {
    this.driversAtScan = this.#drivers.length;
    const names = globalThis.__nicFakeBusDevices ?? [];
    this.#devices = names.map((name) => ({ name, bus: 'fakebus', state: 'unclaimed' }));
  }
  probe() {
    const results = [];
    for (const [i, dev] of this.#devices.entries()) {
      if (this.#eal.isIgnored('fakebus', dev.name)) {
        this.#devices[i] = { ...dev, state: 'ignored' };
        continue;
      }
      const drv = this.#drivers[0];
      if (!drv) {
        results.push({ device: dev.name, outcome: 'unclaimed' });
        continue;
      }
      try {
        this.#eal.claimDevice('fakebus', dev.name);
        this.#devices[i] = { ...dev, state: 'probed', driver: drv.name };
        results.push({ device: dev.name, driver: drv.name, outcome: 'probed' });
      } catch (error) {
        this.#devices[i] = { ...dev, state: 'failed', driver: drv.name, error: error.message };
        results.push({ device: dev.name, driver: drv.name, outcome: 'failed', error });
      }
    }
    return results;
  }
  devices() {
    return this.#devices;
  }
  drivers() {
    return this.#drivers.map((d) => d.name);
  }
  cleanup() {
    for (const d of this.#devices) this.#eal.releaseDevice('fakebus', d.name);
    this.#devices = [];
    this.#drivers = [];
  }
}

export const fakeBus = { name: 'fakebus', create: (eal) => new FakeBus(eal) };

export const fixturePdev = {
  type: 'pdev',
  name: 'net_fixture',
  init(eal) {
    eal.bus('fakebus').registerDriver({ name: 'net_fixture' });
  },
};

export const createdVdevs = [];

export const fixtureVdev = {
  type: 'vdev',
  name: 'net_fixv',
  init(_eal, name, args) {
    if (args.includes('fail=1')) throw new NicError('NIC_EINVAL', `${name}: asked to fail`);
    createdVdevs.push(`${name}|${args}`);
  },
  uninit(_eal, name) {
    const i = createdVdevs.findIndex((v) => v.startsWith(`${name}|`));
    createdVdevs.splice(i, 1);
  },
};

registerBus(fakeBus);
registerDriver(fixturePdev);
registerDriver(fixtureVdev);
