// Runs on a worker lcore: plain JS, since workers load the built packages. Importing
// @nic/pmd-af-packet registers the net_af_packet data path in this thread, whose queue
// views attach the sockets' rings by the address the port's shared data records.
import { rxBurst, txBurst } from '@nic/ethdev';
import '@nic/pmd-af-packet';

const BURST = 32;
/** Empty polls in a row after which the echo gives up (a test failure, not a hang). */
const MAX_EMPTY_POLLS = 50_000_000;

/** Sends every packet received on queue 0 of `port` back out of it, until `count` went. Returns how many. */
export function echo({ port, count }) {
  const handles = new Uint32Array(BURST);
  let moved = 0;
  let empty = 0;
  while (moved < count && empty < MAX_EMPTY_POLLS) {
    const n = rxBurst(port, 0, handles, Math.min(BURST, count - moved));
    if (n === 0) {
      empty++;
      continue;
    }
    empty = 0;
    let sent = 0;
    while (sent < n) sent += txBurst(port, 0, handles, n - sent, sent);
    moved += n;
  }
  return moved;
}
