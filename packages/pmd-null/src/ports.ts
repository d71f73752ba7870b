/** Creating net_null ports. */
import type { Eal, Kvargs } from '@nic/eal';
import { allocatePort, linkStatusSet, probingFinish } from '@nic/ethdev/driver';
import { parseNullArgs } from './args.js';
import { NET_NULL } from './datapath.js';
import { NP_COPY, NP_NO_RX, NP_SIZE, nullPrivSize } from './layout.js';
import { LINK_DOWN, NullPortOps } from './ops.js';

/** Creates the port of net_null device `device` (the vdev driver's probe), named as the device. */
export function probeNullDevice(eal: Eal, device: string, kv: Kvargs): void {
  const args = parseNullArgs(device, kv);
  const dev = allocatePort(eal, device, NET_NULL, new NullPortOps(), {
    privateSize: nullPrivSize(args.size),
    promiscuous: true,
    allmulticast: true,
  });
  const { u32 } = eal.arena;
  const priv = dev.data.privOffset;
  u32[(priv + NP_SIZE) >>> 2] = args.size;
  u32[(priv + NP_COPY) >>> 2] = args.copy ? 1 : 0;
  u32[(priv + NP_NO_RX) >>> 2] = args.noRx ? 1 : 0;
  linkStatusSet(dev, LINK_DOWN);
  probingFinish(dev);
}
