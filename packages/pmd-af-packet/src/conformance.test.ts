import { afterAll, beforeAll, describe } from 'vitest';
import { ethdevConformance, rawSend, vethPair, type VethPair } from '@nic/test-kit';
import { NET_AF_PACKET, netAfPacketDriver } from './driver.js';
import { KERNEL_TIER_MISSING } from './__fixtures__/net.js';

// The port's end of a veth pair whose other end is quiet (IPv6 off, nothing bound to it):
// nothing arrives unless sent, and the port never sees its own frames. The suite's rx frames
// come from a raw socket on the other end.
describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_af_packet on a veth pair', () => {
  let veth: VethPair;

  beforeAll(async () => {
    veth = await vethPair('cfa');
  });

  afterAll(() => veth.remove());

  ethdevConformance({
    pmd: NET_AF_PACKET,
    devargs: (i) => ['--vdev', `${NET_AF_PACKET}${i},iface=${veth.a},qpairs=2`],
    drivers: [netAfPacketDriver],
    rx: 'peer',
    inject: (frames) => rawSend(veth.b, frames),
    // The link is the interface's, up whether or not the port is started.
    linkFollowsStart: false,
  });
});
