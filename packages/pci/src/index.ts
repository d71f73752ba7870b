/**
 * @nic/pci — the PCI bus. Importing this entry registers the `pci` bus with EAL, so every
 * EAL instance initialised afterwards scans sysfs and probes PCI devices.
 */
import { registerBus } from '@nic/eal/driver';
import { pciBus } from './bus.js';

registerBus(pciBus);

export * from './public.js';
