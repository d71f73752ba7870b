/**
 * The forwarding configuration, as testpmd builds it: one stream per rx queue of every
 * forwarding port, transmitting on the port the topology names and on the tx queue of the
 * same index, and the streams dealt to the forwarding lcores in contiguous runs.
 */
import type { ForwardMode, PortTopology } from './options.js';

/** What one stream does: poll one rx queue, transmit on one tx queue, with one engine. */
export interface Stream {
  readonly mode: ForwardMode;
  readonly rxPort: number;
  readonly rxQueue: number;
  readonly txPort: number;
  readonly txQueue: number;
}

/** A stream placed on an lcore, with its index in the shared counters. */
export interface PlacedStream extends Stream {
  readonly index: number;
  readonly lcore: number;
}

/**
 * The position in `count` forwarding ports that the port at position `rx` transmits to:
 * paired: 0<->1, 2<->3 ... (an odd last port to itself); chained: to the next, the last to
 * the first; loop: to itself.
 */
export function txPosition(topology: PortTopology, rx: number, count: number): number {
  switch (topology) {
    case 'paired':
      if (rx % 2 === 1) return rx - 1;
      return rx + 1 < count ? rx + 1 : rx;
    case 'chained':
      return (rx + 1) % count;
    case 'loop':
      return rx;
  }
}

/** The streams of `mode` between `ports` (in order): one per port and rx queue. */
export function buildStreams(mode: ForwardMode, topology: PortTopology, ports: readonly number[], nbQueues: number): Stream[] {
  const streams: Stream[] = [];
  ports.forEach((rxPort, position) => {
    const txPort = ports[txPosition(topology, position, ports.length)];
    for (let queue = 0; queue < nbQueues; queue++) streams.push({ mode, rxPort, rxQueue: queue, txPort, txQueue: queue });
  });
  return streams;
}

/**
 * Deals `streams` to `lcores` in contiguous runs, the later lcores taking one more when the
 * division leaves a remainder (testpmd's `setup_fwd_config_of_each_lcore`). With fewer
 * streams than lcores, the extra lcores get none. Stream indexes follow the input order.
 */
export function placeStreams(streams: readonly Stream[], lcores: readonly number[]): PlacedStream[] {
  if (lcores.length === 0) throw new RangeError('no forwarding lcore');
  const used = Math.min(lcores.length, streams.length);
  if (used === 0) return [];
  const base = Math.floor(streams.length / used);
  const extra = streams.length % used;
  const placed: PlacedStream[] = [];
  let next = 0;
  for (let i = 0; i < used; i++) {
    const count = base + (i >= used - extra ? 1 : 0);
    for (let k = 0; k < count; k++, next++) placed.push({ ...streams[next], index: next, lcore: lcores[i] });
  }
  return placed;
}

/** The distinct lcores of `streams`, in order of first appearance. */
export function streamLcores(streams: readonly PlacedStream[]): number[] {
  return [...new Set(streams.map((s) => s.lcore))];
}

/** The default destination MAC of traffic sent on `port` (testpmd's `set_def_peer_eth_addrs`, l2fwd's rewrite): `02:00:00:00:00:<port>`. */
export function defaultPeerMac(port: number): string {
  return `02:00:00:00:00:${(port & 0xff).toString(16).padStart(2, '0')}`;
}
