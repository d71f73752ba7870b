import type { BusDescriptor, PdevDriverDescriptor, VdevDriverDescriptor } from '@nic/eal/driver';

export declare const fakeBus: BusDescriptor;
export declare const fixturePdev: PdevDriverDescriptor;
export declare const fixtureVdev: VdevDriverDescriptor;
/** `<name>|<args>` of every fixture vdev alive now. */
export declare const createdVdevs: string[];
