import { afterAll } from 'vitest';
import type { VdevDriverDescriptor } from '@nic/eal';
import { portIdByName } from '@nic/ethdev';
import { ethdevConformance } from '@nic/test-kit';
import { until } from '@nic/native/testing';
import { VhostTestFrontend } from '@nic/vhost/testing';
import { NET_VHOST, netVhostDriver, vhostSocket } from './driver.js';

// net_vhost with a frontend harness: once the port exists, a TypeScript frontend (a polling
// guest driver with every receive buffer posted) connects and the device runs, so the port
// moves packets as it would with a guest attached.
const frontends: VhostTestFrontend[] = [];
const withFrontend: VdevDriverDescriptor = {
  ...netVhostDriver,
  async init(eal, device, args) {
    await netVhostDriver.init(eal, device, args);
    const socket = vhostSocket(portIdByName(device, eal));
    frontends.push(await VhostTestFrontend.connect(socket.path));
    await until('the device to run', () => socket.device.running);
  },
};

afterAll(() => {
  for (const f of frontends) f.close();
});

ethdevConformance({
  pmd: NET_VHOST,
  devargs: (i) => ['--vdev', `${NET_VHOST}0,iface=/tmp/nic-vhost-conf-${process.pid}-${i}.sock`],
  drivers: [withFrontend],
  rx: 'none',
  linkFollowsStart: false,
});
