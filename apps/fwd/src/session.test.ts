import { describe, expect, it } from 'vitest';
import { sleepLines } from './session.js';

describe('sleepLines', () => {
  it('gives each lcore that slept on rx interrupts its share of time asleep and its wakeups, and nothing for the others', () => {
    const napi = { pollMs: 250, sleepMs: 1750, wakeups: 42, packets: 100, polls: 900 };
    expect(sleepLines([{ lcore: 1, napi }, { lcore: 2 }])).toEqual(['lcore 1: asleep 87.5% of 2.0 s, woken 42 times by rx interrupts']);
  });

  it('counts pauses for an lcore that paused', () => {
    const napi = { pollMs: 100, sleepMs: 300, wakeups: 3000, packets: 10, polls: 3100 };
    expect(sleepLines([{ lcore: 3, napi, pauseUs: 100 }])).toEqual(['lcore 3: asleep 75.0% of 0.4 s, 3000 pauses of 100 µs']);
  });
});
