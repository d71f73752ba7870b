import { describe, expect, it } from 'vitest';
import { buildStreams, defaultPeerMac, placeStreams, streamLcores, txPosition } from './config.js';

describe('txPosition', () => {
  it('pairs 0<->1, 2<->3, an odd last port with itself', () => {
    expect([0, 1, 2, 3].map((p) => txPosition('paired', p, 4))).toEqual([1, 0, 3, 2]);
    expect([0, 1, 2].map((p) => txPosition('paired', p, 3))).toEqual([1, 0, 2]);
  });

  it('chains each port to the next and the last to the first', () => {
    expect([0, 1, 2].map((p) => txPosition('chained', p, 3))).toEqual([1, 2, 0]);
  });

  it('loops each port to itself', () => {
    expect([0, 1, 2].map((p) => txPosition('loop', p, 3))).toEqual([0, 1, 2]);
  });
});

describe('buildStreams', () => {
  it('makes one stream per port and queue, on the same queue of the port the topology names', () => {
    expect(buildStreams('io', 'paired', [4, 7], 2)).toEqual([
      { mode: 'io', rxPort: 4, rxQueue: 0, txPort: 7, txQueue: 0 },
      { mode: 'io', rxPort: 4, rxQueue: 1, txPort: 7, txQueue: 1 },
      { mode: 'io', rxPort: 7, rxQueue: 0, txPort: 4, txQueue: 0 },
      { mode: 'io', rxPort: 7, rxQueue: 1, txPort: 4, txQueue: 1 },
    ]);
  });

  it('gives every tx queue to one stream for each topology', () => {
    for (const topology of ['paired', 'chained', 'loop'] as const) {
      const streams = buildStreams('mac', topology, [0, 1, 2, 3, 4], 3);
      const tx = new Set(streams.map((s) => `${s.txPort}/${s.txQueue}`));
      expect(tx.size).toBe(streams.length);
    }
  });
});

describe('placeStreams', () => {
  const streams = buildStreams('io', 'paired', [0, 1, 2, 3], 1);

  it('deals streams in contiguous runs, the later lcores taking the remainder', () => {
    const placed = placeStreams(buildStreams('io', 'chained', [0, 1, 2, 3, 4], 1), [1, 2]);
    expect(placed.map((s) => [s.index, s.lcore])).toEqual([
      [0, 1],
      [1, 1],
      [2, 2],
      [3, 2],
      [4, 2],
    ]);
  });

  it('uses only as many lcores as there are streams', () => {
    const placed = placeStreams(streams.slice(0, 2), [1, 2, 3]);
    expect(streamLcores(placed)).toEqual([1, 2]);
  });

  it('puts everything on a single lcore', () => {
    expect(streamLcores(placeStreams(streams, [0]))).toEqual([0]);
  });
});

describe('defaultPeerMac', () => {
  it('is 02:00:00:00:00:<port> in hex', () => {
    expect(defaultPeerMac(0)).toBe('02:00:00:00:00:00');
    expect(defaultPeerMac(26)).toBe('02:00:00:00:00:1a');
  });
});
