/** Every forwarding engine, by mode. */
import type { ForwardMode } from '../options.js';
import type { EngineSpec } from './engine.js';
import { ioEngine } from './io.js';
import { l2fwdEngine } from './l2fwd.js';
import { macEngine } from './mac.js';
import { macswapEngine } from './macswap.js';
import { rxonlyEngine } from './rxonly.js';
import { txonlyEngine } from './txonly.js';

/** The engine of each forwarding mode. */
export const ENGINES: Readonly<Record<ForwardMode, EngineSpec>> = {
  io: ioEngine,
  mac: macEngine,
  macswap: macswapEngine,
  l2fwd: l2fwdEngine,
  rxonly: rxonlyEngine,
  txonly: txonlyEngine,
};

export type { BurstEngine, EngineContext, EngineSpec, TxonlyConfig } from './engine.js';
