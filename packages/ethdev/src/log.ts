/** The `ethdev` logtype. */
import { registerLogtype } from '@nic/eal';

/** Logger of the ethdev layer. */
export const log = registerLogtype('ethdev');
