/** mac: destination = the tx port's peer address, source = the tx port's address (testpmd's). */
import type { EngineSpec } from './engine.js';
import { macRewriter } from './rewrite.js';

/** The mac engine. */
export const macEngine: EngineSpec = {
  mode: 'mac',
  receives: true,
  transmits: true,
  create: (ctx) => macRewriter(ctx.mbufs, ctx.u8, ctx.peerMac, ctx.txMac),
};
