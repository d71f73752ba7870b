/**
 * l2fwd: dpdk-l2fwd's MAC updating: destination `02:00:00:00:00:<destination port>`, source = the
 * tx port's address. Unlike mac, `--eth-peer` does not change it.
 */
import { parseMac } from '@nic/ethdev';
import { defaultPeerMac } from '../config.js';
import type { EngineSpec } from './engine.js';
import { macRewriter } from './rewrite.js';

/** The l2fwd engine. */
export const l2fwdEngine: EngineSpec = {
  mode: 'l2fwd',
  receives: true,
  transmits: true,
  create: (ctx) => macRewriter(ctx.mbufs, ctx.u8, parseMac(defaultPeerMac(ctx.stream.txPort)), ctx.txMac),
};
