import { afterAll, beforeAll, describe } from 'vitest';
import { ethdevConformance, rawSend, vethPair, type VethPair } from '@nic/test-kit';
import { NET_AF_PACKET, netAfPacketDriver } from './driver.js';
import { KERNEL_TIER_MISSING } from './__fixtures__/net.js';

// The port's end of a veth pair whose other end is quiet (IPv6 off, nothing bound to it):
// nothing arrives unless sent, and the port never sees its own frames. The suite's rx frames
// come from a raw socket on the other end. One queue pair: with two, the port's sockets form
// a hash fanout group at probe, and the kernel's flow hash (seeded at boot) sends the suite's
// frames to either socket, so on half the boots they went to queue 1, which the suite's one
// configured queue never polls. The fanout over two queue pairs has its own test (traffic.test.ts).
describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_af_packet on a veth pair', () => {
  let veth: VethPair;

  beforeAll(async () => {
    veth = await vethPair('cfa');
  });

  afterAll(() => veth.remove());

  ethdevConformance({
    pmd: NET_AF_PACKET,
    devargs: (i) => ['--vdev', `${NET_AF_PACKET}${i},iface=${veth.a}`],
    drivers: [netAfPacketDriver],
    rx: 'peer',
    inject: (frames) => rawSend(veth.b, frames),
    // The link is the interface's, up whether or not the port is started.
    linkFollowsStart: false,
  });
});
