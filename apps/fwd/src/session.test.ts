import { describe, expect, it } from 'vitest';
import type { FinalReport } from './forwarder.js';
import { sleepLines } from './session.js';

describe('sleepLines', () => {
  it('gives each lcore that slept on rx interrupts its share of time asleep and its wakeups, and nothing for the others', () => {
    const napi = { pollMs: 250, sleepMs: 1750, wakeups: 42, packets: 100, polls: 900 };
    const report = { lcores: [{ lcore: 1, passes: 900, heapBefore: 0, heapAfter: 0, gcs: 0, napi }, { lcore: 2, passes: 5, heapBefore: 0, heapAfter: 0, gcs: 0 }] } as unknown as FinalReport;
    expect(sleepLines(report)).toEqual(['lcore 1: asleep 87.5% of 2.0 s, woken 42 times by rx interrupts']);
  });
});
