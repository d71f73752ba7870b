import { describe, expect, it } from 'vitest';
import type { Mempool } from '@nic/eal';
import type { EventfdRxIntr } from '@nic/intr';
import { eachFakePort } from './__fixtures__/eal.js';
import { configure, rxIntrDisable, rxIntrEnable, rxIntrFd, rxQueueIntr, rxQueueSetup, start, stop, txQueueSetup } from './index.js';

let pool: Mempool;
let port: number;

eachFakePort((fake) => ({ pool, port } = fake));

function setUp(rxq: boolean): void {
  configure(port, 2, 1, { intrConf: { rxq } });
  rxQueueSetup(port, 0, 0, undefined, pool);
  rxQueueSetup(port, 1, 0, undefined, pool);
  txQueueSetup(port, 0, 0);
}

describe('rx queue interrupts', () => {
  it("arm and disarm the driver's interrupt of each queue", () => {
    setUp(true);
    start(port);
    const intr = rxQueueIntr(port, 1) as EventfdRxIntr;
    expect(rxIntrFd(port, 1)).toBe(intr.fd);
    expect(rxIntrFd(port, 0)).not.toBe(intr.fd);
    rxIntrEnable(port, 1);
    expect(intr.armed).toBe(true);
    rxIntrDisable(port, 1);
    expect(intr.armed).toBe(false);
  });

  it('need intrConf.rxq, a started port and an existing queue', () => {
    setUp(false);
    start(port);
    expect(() => rxIntrEnable(port, 0)).toThrow(/not configured with intrConf.rxq/);
    stop(port);
    setUp(true);
    expect(() => rxIntrEnable(port, 0)).toThrow(/is not started/);
    start(port);
    expect(() => rxIntrEnable(port, 2)).toThrow(/has no rx queue 2/);
  });
});
