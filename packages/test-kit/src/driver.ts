/**
 * @nic/test-kit/driver — the entry for driver authors: the ethdev conformance suite and its
 * harness (everything of the main entry).
 */
export * from './index.js';
