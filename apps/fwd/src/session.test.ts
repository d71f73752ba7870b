import { describe, expect, it } from 'vitest';
import type { Forwarder } from './forwarder.js';
import { runSession, sleepLines, type SessionOutput } from './session.js';

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

describe('runSession', () => {
  it('says it is ready only once SIGINT and SIGTERM stop it (a SIGINT right after the line must not kill the process)', async () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const seen: { int: number; term: number }[] = [];
    const report = { seconds: 0, ports: [], streams: [], lcores: [], mbufs: { pool: 'p', size: 1, available: 1 } };
    const fwd = { failed: new Promise<Error>(() => undefined), shutdown: () => Promise.resolve(report) } as unknown as Forwarder;
    const out = { write: () => true, isTTY: false } as unknown as SessionOutput;
    await runSession(fwd, { statsPeriod: 0, statsJson: false, duration: undefined, out, log: () => undefined, until: Promise.resolve(), ready: () => void seen.push({ int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') }) });
    expect(seen).toEqual([{ int: before.int + 1, term: before.term + 1 }]);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before.int, before.term]);
  });
});
