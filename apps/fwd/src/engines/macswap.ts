/** macswap: exchange the destination and source addresses (testpmd's). */
import { ETH_ADDR_LEN, ETH_DST, ETH_SRC } from '../frame.js';
import type { EngineSpec } from './engine.js';

/** The macswap engine. */
export const macswapEngine: EngineSpec = {
  mode: 'macswap',
  receives: true,
  transmits: true,
  create: ({ mbufs: view, u8: arena }) => ({
    apply(handles: Uint32Array, n: number): number {
      // Captured values into locals once per burst (see txonly.ts).
      const mbufs = view;
      const u8 = arena;
      for (let i = 0; i < n; i++) {
        const at = mbufs.mtod(handles[i]);
        for (let b = 0; b < ETH_ADDR_LEN; b++) {
          const dst = u8[at + ETH_DST + b];
          u8[at + ETH_DST + b] = u8[at + ETH_SRC + b];
          u8[at + ETH_SRC + b] = dst;
        }
      }
      return n;
    },
  }),
};
