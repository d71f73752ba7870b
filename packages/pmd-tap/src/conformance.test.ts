import { describe } from 'vitest';
import type { VdevDriverDescriptor } from '@nic/eal';
import { portIdByName } from '@nic/ethdev';
import { disableIpv6, ethdevConformance, kernelTierMissing, rawSend, uniqueName } from '@nic/test-kit';
import { NET_TAP, netTapDriver, tapInterface } from './driver.js';

const KERNEL_TIER_MISSING = kernelTierMissing('net_tap', { tun: true });

// net_tap, with the kernel's side of each TAP kept quiet: once the device exists, and before
// any start brings its interface up, IPv6 goes off on the interface, so that the kernel
// sends nothing unasked and rx sees only what the suite sends: frames sent out of the TAP
// interface by a raw socket on the kernel's side.
const quietTap: VdevDriverDescriptor = {
  ...netTapDriver,
  async init(eal, device, args) {
    await netTapDriver.init(eal, device, args);
    disableIpv6(tapInterface(portIdByName(device, eal)));
  },
};

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_tap on TAP interfaces of its own', () => {
  ethdevConformance({
    pmd: NET_TAP,
    devargs: (i) => ['--vdev', `${NET_TAP}${i},iface=${uniqueName('ctap')}`],
    drivers: [quietTap],
    rx: 'peer',
    inject: (frames, { port }) => rawSend(tapInterface(port), frames),
  });
});
