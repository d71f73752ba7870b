import { afterAll, beforeAll, describe } from 'vitest';
import { ethdevConformance, IgbModelBench } from '@nic/test-kit';
import { NET_E1000_IGB, netE1000IgbDriver } from './index.js';

// The driver against one modelled 82576 whose cable the suite drives: what it sends leaves,
// and the frames the suite injects arrive from the cable into the model's receive path
// (rx 'peer'); the link is up exactly while the port is started, since stop powers the PHY
// down.
let bench: IgbModelBench;

describe('net_e1000_igb on a modelled 82576', () => {
  beforeAll(async () => {
    bench = await IgbModelBench.create({ ports: 1 });
  });
  afterAll(async () => {
    await bench.close();
  });

  ethdevConformance({
    pmd: NET_E1000_IGB,
    devargs: () => ['-a', bench.addresses[0]],
    drivers: [netE1000IgbDriver],
    rx: 'peer',
    inject: async (frames) => {
      for (const frame of frames) bench.models[0].receiveFrame(frame);
    },
  });
});
