/**
 * @nic/native/testing: helpers for kernel-tier tests (network namespaces, veth pairs, link state,
 * test frames, free hugepages) and the fuzz targets' settings. Side-effect free; nothing here runs unless called.
 */
export * from './netns.js';
export * from './frames.js';
export * from './fuzz.js';
export * from './hugepages.js';
export * from './raw-send.js';
