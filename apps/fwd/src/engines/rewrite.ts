/** The MAC rewrite mac and l2fwd share: the twelve address bytes of every frame set to fixed values. */
import type { MbufView } from '@nic/eal';
import { ETH_ADDR_LEN, ETH_DST, ETH_SRC } from '../frame.js';
import type { BurstEngine } from './engine.js';

/** Bytes of the destination and source addresses together. */
const ADDRS_LEN = 2 * ETH_ADDR_LEN;

/** An engine that writes `dst` then `src` over the first twelve bytes of every frame. */
export function macRewriter(view: MbufView, arena: Uint8Array, dst: Uint8Array, src: Uint8Array): BurstEngine {
  const frameStart = new Uint8Array(ADDRS_LEN);
  frameStart.set(dst.subarray(0, ETH_ADDR_LEN), ETH_DST);
  frameStart.set(src.subarray(0, ETH_ADDR_LEN), ETH_SRC);
  return {
    apply(handles: Uint32Array, n: number): number {
      // Captured values into locals once per burst (see txonly.ts).
      const mbufs = view;
      const u8 = arena;
      const addrs = frameStart;
      for (let i = 0; i < n; i++) {
        const at = mbufs.mtod(handles[i]);
        for (let b = 0; b < ADDRS_LEN; b++) u8[at + b] = addrs[b];
      }
      return n;
    },
  };
}
