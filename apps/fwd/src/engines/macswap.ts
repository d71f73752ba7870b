/** macswap: exchange the destination and source addresses (testpmd's). */
import { ETH_ADDR_LEN, ETH_DST, ETH_SRC } from '../frame.js';
import type { EngineSpec } from './engine.js';

/** The macswap engine. */
export const macswapEngine: EngineSpec = {
  mode: 'macswap',
  receives: true,
  transmits: true,
  create: ({ mbufs, u8 }) => ({
    apply(handles: Uint32Array, n: number): number {
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
