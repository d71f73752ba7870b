import { afterAll, beforeAll, describe } from 'vitest';
import { ethdevConformance, IxgbeModelBench } from '@nic/test-kit';
import { NET_IXGBE, netIxgbeDriver } from './index.js';

// The driver against one modelled 82599 SFP+ port whose cable the suite drives: what it sends
// leaves, and the frames the suite injects arrive from the cable into the model's receive path
// (rx 'peer'); the link is reported up exactly while the port is started, since stop turns the
// laser off.
let bench: IxgbeModelBench;

describe('net_ixgbe on a modelled 82599', () => {
  beforeAll(async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
  });
  afterAll(async () => {
    await bench.close();
  });

  ethdevConformance({
    pmd: NET_IXGBE,
    devargs: () => ['-a', bench.addresses[0]],
    drivers: [netIxgbeDriver],
    rx: 'peer',
    inject: async (frames) => {
      for (const frame of frames) bench.models[0].receiveFrame(frame);
    },
  });
});
