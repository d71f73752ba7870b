/** io: forward packets unchanged (testpmd's default engine). */
import { PASS_THROUGH, type EngineSpec } from './engine.js';

/** The io engine. */
export const ioEngine: EngineSpec = {
  mode: 'io',
  receives: true,
  transmits: true,
  create: () => PASS_THROUGH,
};
