/** rxonly: receive and free (testpmd's). */
import { PASS_THROUGH, type EngineSpec } from './engine.js';

/** The rxonly engine. */
export const rxonlyEngine: EngineSpec = {
  mode: 'rxonly',
  receives: true,
  transmits: false,
  create: () => PASS_THROUGH,
};
