import { describe, expect, it } from 'vitest';
import { MbufView, type Eal, type Mempool } from '@nic/eal';
import { fakeOps } from './__fixtures__/fake-pmd.js';
import { code, eachFakePort, packets } from './__fixtures__/eal.js';
import {
  configure,
  rxBurst,
  rxQueueSetup,
  rxQueueStart,
  rxQueueState,
  rxQueueStop,
  start,
  stop,
  txBurst,
  txQueueSetup,
  txQueueStart,
  txQueueState,
  txQueueStop,
} from './index.js';

let eal: Eal;
let pool: Mempool;
let port: number;
let mbufs: MbufView;

eachFakePort((fake) => {
  ({ eal, pool, port } = fake);
  mbufs = new MbufView(eal.arena);
}, 511);

/** Two queue pairs (the fake loops tx queue i into rx queue i); queue 1 set up with `deferredStart` when asked. */
function setUp(deferred = false): void {
  configure(port, 2, 2);
  for (let q = 0; q < 2; q++) {
    rxQueueSetup(port, q, 0, { deferredStart: deferred && q === 1 }, pool);
    txQueueSetup(port, q, 0, { deferredStart: deferred && q === 1 });
  }
}

/** Sends `n` frames on tx queue `queue`, returning how many it took and freeing the rest. */
function send(queue: number, n: number): number {
  const out = packets(eal, pool, n, 60);
  const sent = txBurst(port, queue, out, n);
  mbufs.freeBulk(out, n - sent, sent);
  return sent;
}

/** Receives what rx queue `queue` gives and frees it. */
function receive(queue: number): number {
  const got = new Uint32Array(64);
  const n = rxBurst(port, queue, got, 64);
  mbufs.freeBulk(got, n);
  return n;
}

describe('per-queue start and stop', () => {
  it('stops one queue while the other goes on, and restarts it', () => {
    setUp();
    start(port);
    expect([rxQueueState(port, 1), txQueueState(port, 1)]).toEqual(['started', 'started']);
    expect(send(1, 4)).toBe(4);
    rxQueueStop(port, 1);
    txQueueStop(port, 1);
    expect([rxQueueState(port, 1), txQueueState(port, 1)]).toEqual(['stopped', 'stopped']);
    expect(fakeOps(port).calls.slice(-2)).toEqual(['rxQueueStop 1', 'txQueueStop 1']);
    // Queue 1 moves nothing, though its loopback ring holds 4 frames; queue 0 goes on.
    expect(send(1, 4)).toBe(0);
    expect(receive(1)).toBe(0);
    expect(send(0, 8)).toBe(8);
    expect(receive(0)).toBe(8);
    rxQueueStart(port, 1);
    txQueueStart(port, 1);
    expect(fakeOps(port).calls.slice(-2)).toEqual(['rxQueueStart 1', 'txQueueStart 1']);
    expect(receive(1)).toBe(4);
    expect(send(1, 2)).toBe(2);
    expect(receive(1)).toBe(2);
    stop(port);
  });

  it('leaves queues set up with deferredStart stopped at port start until started', () => {
    setUp(true);
    start(port);
    expect([rxQueueState(port, 0), rxQueueState(port, 1), txQueueState(port, 1)]).toEqual(['started', 'stopped', 'stopped']);
    expect(send(1, 3)).toBe(0);
    expect(send(0, 3)).toBe(3);
    txQueueStart(port, 1);
    expect(send(1, 3)).toBe(3);
    expect(receive(1)).toBe(0);
    rxQueueStart(port, 1);
    expect(receive(1)).toBe(3);
    expect(receive(0)).toBe(3);
    // A stop and start of the port starts every queue but the deferred ones again.
    stop(port);
    expect([rxQueueState(port, 0), txQueueState(port, 0)]).toEqual(['stopped', 'stopped']);
    start(port);
    expect([rxQueueState(port, 0), rxQueueState(port, 1)]).toEqual(['started', 'stopped']);
    stop(port);
  });

  it('does nothing to a queue already in the state asked for', () => {
    setUp();
    start(port);
    const calls = fakeOps(port).calls.length;
    rxQueueStart(port, 0);
    txQueueStart(port, 0);
    rxQueueStop(port, 1);
    rxQueueStop(port, 1);
    expect(fakeOps(port).calls.slice(calls)).toEqual(['rxQueueStop 1']);
    stop(port);
    // On a stopped port every queue is stopped already.
    txQueueStop(port, 0);
    expect(fakeOps(port).calls.at(-1)).toBe('stop');
  });

  it('keeps the queue started when the driver fails to stop it', () => {
    setUp();
    start(port);
    fakeOps(port).rejectQueueStop = true;
    expect(() => rxQueueStop(port, 0)).toThrow(/queue stop rejected/);
    expect(rxQueueState(port, 0)).toBe('started');
    expect(send(0, 2)).toBe(2);
    expect(receive(0)).toBe(2);
    fakeOps(port).rejectQueueStop = false;
    stop(port);
  });

  it('rejects a queue the port lacks, a port not started, and a driver without the operations', () => {
    setUp();
    expect(code(() => rxQueueStart(port, 0))).toBe('NIC_EINVAL');
    start(port);
    expect(code(() => rxQueueStart(port, 2))).toBe('NIC_EINVAL');
    expect(code(() => txQueueStop(port, -1))).toBe('NIC_EINVAL');
    expect(code(() => rxQueueState(port, 1.5))).toBe('NIC_EINVAL');
    expect(code(() => rxQueueStart(31, 0))).toBe('NIC_ENODEV');
    const ops = fakeOps(port) as unknown as Record<string, unknown>;
    ops.rxQueueStop = undefined;
    ops.txQueueStart = undefined;
    expect(code(() => rxQueueStop(port, 0))).toBe('NIC_ENOTSUP');
    stop(port);
    expect(code(() => txQueueSetup(port, 0, 0, { deferredStart: true }))).toBe('NIC_ENOTSUP');
    expect(txQueueState(port, 0)).toBe('stopped');
  });
});
