/**
 * Virtual-device glue for ethdev drivers (DPDK's `ethdev_vdev.h`): a `vdev` driver
 * descriptor whose `init` checks the device arguments and creates the ports, and whose
 * `uninit` closes every port the device still has.
 */
import { NicError, parseKvargs, type Eal, type Kvargs, type VdevDriverDescriptor } from '@nic/eal';
import { close, stop } from './lifecycle.js';
import type { EthdevDriver } from './ops.js';
import { dev, ports } from './port.js';
import { registerEthdevDriver } from './registry.js';

/** What {@link ethVdevDriver} needs. */
export interface EthVdevDriverOptions {
  /** The driver name; devices whose name it prefixes are this driver's (`net_ring0`). */
  readonly name: string;
  /** The device argument keys the driver accepts; any other is rejected. */
  readonly validKeys: readonly string[];
  /** The data-path half, registered in the calling thread before the first device is created. */
  readonly ethdev: EthdevDriver;
  /** Creates the port(s) of device `device` from its parsed arguments. */
  probe(eal: Eal, device: string, kvargs: Kvargs): void;
}

/**
 * A `vdev` driver descriptor for an ethdev driver, for `registerDriver` or
 * `init(argv, { drivers })`. Malformed arguments or an unknown key fail the device's
 * creation with `NIC_EINVAL` naming the device, key and value; when `probe` fails, the
 * ports it had created are closed again.
 */
export function ethVdevDriver(options: EthVdevDriverOptions): VdevDriverDescriptor {
  return {
    type: 'vdev',
    name: options.name,
    init(eal, device, args) {
      registerEthdevDriver(options.ethdev);
      let kvargs: Kvargs;
      try {
        kvargs = parseKvargs(args, options.validKeys);
      } catch (e) {
        if (e instanceof NicError) throw new NicError(e.code, `${device}: ${e.message}`, { cause: e });
        throw e;
      }
      try {
        options.probe(eal, device, kvargs);
      } catch (e) {
        removeDevicePorts(eal, device);
        throw e;
      }
    },
    uninit(eal, device) {
      removeDevicePorts(eal, device);
    },
  };
}

/** Stops and closes every port of device `device` of `eal` (a vdev's removal). */
export function removeDevicePorts(eal: Eal, device: string): void {
  for (const port of ports(eal)) {
    if (dev(port).device !== device) continue;
    stop(port);
    close(port);
  }
}
