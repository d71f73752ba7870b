import { describe, expect, it } from 'vitest';
import { MBUF_PORT, MbufView, type Eal, type Mempool } from '@nic/eal';
import { FAKE_RING_SIZE } from './__fixtures__/fake-pmd.js';
import { code, eachFakePort, packets } from './__fixtures__/eal.js';
import { close, configure, rxBurst, rxQueueSetup, start, statsGet, stop, txBurst, txQueueSetup } from './index.js';

let eal: Eal;
let pool: Mempool;
let port: number;
let mbufs: MbufView;

eachFakePort((fake) => {
  ({ eal, pool, port } = fake);
  mbufs = new MbufView(eal.arena);
}, 511);

function startPort(nbQueues = 1): void {
  configure(port, nbQueues, nbQueues);
  for (let q = 0; q < nbQueues; q++) {
    rxQueueSetup(port, q, 0, undefined, pool);
    txQueueSetup(port, q, 0);
  }
  start(port);
}

describe('rxBurst and txBurst', () => {
  it('hand packets to the driver queue and back, stamping the rx port', () => {
    startPort();
    const out = packets(eal, pool, 8, 60);
    expect(txBurst(port, 0, out, 8)).toBe(8);
    const got = new Uint32Array(16);
    expect(rxBurst(port, 0, got, 12, 4)).toBe(8);
    expect([...got.subarray(4, 12)]).toEqual([...out]);
    for (const h of got.subarray(4, 12)) expect(eal.arena.u16[(h + MBUF_PORT) >>> 1]).toBe(port);
    mbufs.freeBulk(got, 8, 4);
  });

  it('return how many the driver took, leaving the rest to the caller', () => {
    startPort();
    const capacity = FAKE_RING_SIZE - 1;
    const out = packets(eal, pool, capacity + 10, 60);
    expect(txBurst(port, 0, out, capacity + 10)).toBe(capacity);
    expect(statsGet(port).opackets).toBe(capacity);
    expect(statsGet(port).obytes).toBe(capacity * 60);
    mbufs.freeBulk(out, 10, capacity);
  });

  it('return 0 on a port that is stopped, never started or closed', () => {
    const handles = packets(eal, pool, 4, 60);
    configure(port, 1, 1);
    rxQueueSetup(port, 0, 0, undefined, pool);
    txQueueSetup(port, 0, 0);
    expect(txBurst(port, 0, handles, 4)).toBe(0);
    expect(rxBurst(port, 0, handles, 4)).toBe(0);
    start(port);
    stop(port);
    expect(txBurst(port, 0, handles, 4)).toBe(0);
    close(port);
    expect(rxBurst(port, 0, handles, 4)).toBe(0);
    mbufs.freeBulk(handles, 4);
  });

  it('see a queue added by a reconfiguration after restart', () => {
    startPort(1);
    const handles = packets(eal, pool, 2, 60);
    expect(code(() => txBurst(port, 1, handles, 2))).toBe('NIC_EINVAL');
    stop(port);
    startPort(2);
    expect(txBurst(port, 1, handles, 2)).toBe(2);
    expect(rxBurst(port, 1, handles, 2)).toBe(2);
    expect(statsGet(port).qOpackets).toEqual([0, 2]);
    mbufs.freeBulk(handles, 2);
  });

  it('refuse a missing queue, a range outside the array and an unknown port', () => {
    startPort();
    const handles = new Uint32Array(4);
    expect(code(() => rxBurst(port, 1, handles, 1))).toBe('NIC_EINVAL');
    expect(code(() => rxBurst(port, -1, handles, 1))).toBe('NIC_EINVAL');
    expect(code(() => rxBurst(port, 0, handles, 5))).toBe('NIC_EINVAL');
    expect(code(() => txBurst(port, 0, handles, 2, 3))).toBe('NIC_EINVAL');
    expect(code(() => txBurst(port, 0, handles, -1))).toBe('NIC_EINVAL');
    expect(code(() => rxBurst(7, 0, handles, 1))).toBe('NIC_ENODEV');
    expect(code(() => rxBurst(1.5, 0, handles, 1))).toBe('NIC_ENODEV');
    expect(() => txBurst(port, 0, [] as unknown as Uint32Array, 1)).toThrow(TypeError);
  });
});
