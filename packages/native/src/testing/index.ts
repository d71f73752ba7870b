/**
 * @nic/native/testing: helpers for kernel-tier tests (network namespaces, veth pairs, link state,
 * test frames). Side-effect free; nothing here runs unless called.
 */
export * from './netns.js';
export * from './frames.js';
