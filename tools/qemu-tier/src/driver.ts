// @nic/qemu-tier has no driver-facing surface beyond its main entry.
export * from './index.js';
