/**
 * @nic/vhost/testing — vhost-user frontends written in TypeScript for tests: guest memory
 * in a shared file, a split ring laid out in it, a raw client for hostile messages, and a
 * full frontend that plays a polling guest driver.
 */
export * from './guest.js';
export { BackendPeer, type BackendMessage } from './backend-peer.js';
export { FRONTEND_BUFFER, FRONTEND_RING, VhostTestFrontend, type FrontendOptions } from './frontend.js';
export { GuestPackedRing, PACKED_BUFFERS_OFF, PACKED_DESC_OFF, type PackedDesc } from './packed-guest.js';
export { Testpmd, TESTPMD, TESTPMD_MISSING, TESTPMD_TEST_MS } from './testpmd.js';
