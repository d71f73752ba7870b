/**
 * `@nic/vhost/driver`: the pieces under a {@link VhostUserSocket} for layers built on the
 * library (net_vhost, vDPA, test frontends): guest memory, message checks, virtqueues and
 * single connections.
 */
export * from './index.js';
export { GuestMemory, type RegionDescription } from './guest-memory.js';
export { checkHeader, checkMessage, memTableRegions, requestName, type MessageHeader } from './message.js';
export { Virtqueue, availSize, usedSize, DESC_SIZE, DESC_F_NEXT, DESC_F_WRITE, DESC_F_INDIRECT, NET_HDR_SIZE } from './virtqueue.js';
export { VhostConnection } from './connection.js';
