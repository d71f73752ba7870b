import { createRequire } from 'node:module';

/** The version of @nic/eal (and of the core packages, which are versioned together). */
export const NIC_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
