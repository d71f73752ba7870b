// Runs on a worker lcore: plain JS, since workers load the built packages. Importing
// @nic/pmd-ring registers the net_ring data path in this thread.
import { rxBurst, txBurst } from '@nic/ethdev';
import '@nic/pmd-ring';

const BURST = 32;
/** Empty polls in a row after which the forwarder gives up (a test failure, not a hang). */
const MAX_EMPTY_POLLS = 50_000_000;

/**
 * Receives `count` packets from rx queue `from` of `port` and sends each on tx queue `to`,
 * retrying until the queue takes it. Returns how many it forwarded.
 */
export function forward({ port, from, to, count }) {
  const handles = new Uint32Array(BURST);
  let moved = 0;
  let empty = 0;
  while (moved < count && empty < MAX_EMPTY_POLLS) {
    const n = rxBurst(port, from, handles, Math.min(BURST, count - moved));
    if (n === 0) {
      empty++;
      continue;
    }
    empty = 0;
    let sent = 0;
    while (sent < n) sent += txBurst(port, to, handles, n - sent, sent);
    moved += n;
  }
  return moved;
}
