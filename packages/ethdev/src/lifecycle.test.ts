import { describe, expect, it } from 'vitest';
import { setLogSink, type Eal, type LogRecord, type Mempool } from '@nic/eal';
import { FAKE, FAKE_DESC_LIM, FAKE_QUEUES, fakeOps } from './__fixtures__/fake-pmd.js';
import { code, eachFakePort } from './__fixtures__/eal.js';
import {
  close,
  configure,
  confGet,
  infoGet,
  isValidPort,
  LinkSpeeds,
  portIdByName,
  portName,
  ports,
  portState,
  reset,
  rxQueueSetup,
  start,
  stop,
  txQueueSetup,
} from './index.js';

let eal: Eal;
let pool: Mempool;
let port: number;

eachFakePort((fake) => ({ eal, pool, port } = fake));

function setUp(nbRx = 1, nbTx = 1): void {
  configure(port, nbRx, nbTx);
  for (let q = 0; q < nbRx; q++) rxQueueSetup(port, q, 0, undefined, pool);
  for (let q = 0; q < nbTx; q++) txQueueSetup(port, q, 0);
}

describe('port allocation', () => {
  it('allocates the vdev port by name, unconfigured, and reports its driver', () => {
    expect(ports(eal)).toEqual([port]);
    expect(portName(port)).toBe('net_fake0');
    expect(portState(port)).toBe('unconfigured');
    const info = infoGet(port);
    expect(info.driverName).toBe(FAKE);
    expect(info.deviceName).toBe('net_fake0');
    expect(info.maxRxQueues).toBe(FAKE_QUEUES);
    expect(info.rxDescLim).toEqual(FAKE_DESC_LIM);
    expect(info.intrLsc).toBe(true);
  });

  it('fails look-ups of unknown ports with NIC_ENODEV', () => {
    expect(code(() => portIdByName('nope'))).toBe('NIC_ENODEV');
    expect(code(() => portState(31))).toBe('NIC_ENODEV');
    expect(code(() => configure(-1, 1, 1))).toBe('NIC_ENODEV');
  });

  it('releases the port id at close, so the next port reuses it', async () => {
    close(port);
    expect(isValidPort(port)).toBe(false);
    expect(code(() => portIdByName('net_fake0'))).toBe('NIC_ENODEV');
    await eal.vdev.detach('net_fake0');
    await eal.vdev.attach('net_fake1');
    expect(portIdByName('net_fake1')).toBe(port);
  });

  it('closes the ports of a vdev when the vdev goes', async () => {
    setUp();
    start(port);
    await eal.vdev.detach('net_fake0');
    expect(isValidPort(port)).toBe(false);
  });
});

describe('the configure / set up / start / stop / close sequence', () => {
  it('walks the states and calls the driver in order', () => {
    configure(port, 2, 2);
    expect(portState(port)).toBe('configured');
    expect(infoGet(port).nbRxQueues).toBe(2);
    rxQueueSetup(port, 0, 64, undefined, pool);
    rxQueueSetup(port, 1, 0, undefined, pool);
    txQueueSetup(port, 0, 0);
    txQueueSetup(port, 1, 96);
    start(port);
    expect(portState(port)).toBe('started');
    stop(port);
    expect(portState(port)).toBe('stopped');
    start(port);
    stop(port);
    const ops = fakeOps(port);
    close(port);
    expect(ops.calls.filter((c) => /^(start|stop|close)/.test(c))).toEqual(['start', 'stop', 'start', 'stop', 'close']);
    expect(ops.calls.filter((c) => c.includes('Release'))).toEqual(['rxQueueRelease 0', 'rxQueueRelease 1', 'txQueueRelease 0', 'txQueueRelease 1']);
  });

  it('uses the driver preferred descriptor count when given 0', () => {
    configure(port, 1, 1);
    rxQueueSetup(port, 0, 0, undefined, pool);
    txQueueSetup(port, 0, 0);
    expect(fakeOps(port).calls).toEqual(['rxQueueSetup 0 256 test_pool', 'txQueueSetup 0 256']);
  });

  it('uses the driver preferred queue counts when both are 0', () => {
    configure(port, 0, 0);
    expect(infoGet(port).nbRxQueues).toBe(2);
    expect(infoGet(port).nbTxQueues).toBe(2);
  });

  it('replays the receive modes and refreshes the link at start', () => {
    setUp();
    fakeOps(port).calls.length = 0;
    start(port);
    expect(fakeOps(port).calls).toEqual(['start', 'macAddrSet', 'promiscuousDisable', 'allmulticastDisable', 'linkUpdate']);
  });

  it('does nothing when starting a started port or stopping a stopped one', () => {
    setUp();
    stop(port);
    start(port);
    start(port);
    stop(port);
    stop(port);
    expect(fakeOps(port).calls.filter((c) => c === 'start' || c === 'stop')).toEqual(['start', 'stop']);
  });

  it('keeps the set-up of queues below the new counts when reconfigured, releasing the rest', () => {
    setUp(3, 3);
    start(port);
    stop(port);
    const ops = fakeOps(port);
    ops.calls.length = 0;
    configure(port, 1, 2);
    expect(ops.calls).toEqual(['rxQueueRelease 1', 'rxQueueRelease 2', 'txQueueRelease 2']);
    start(port);
    expect(portState(port)).toBe('started');
  });

  it('leaves the port unconfigured with no queues when the driver rejects a configuration', () => {
    setUp(2, 2);
    fakeOps(port).rejectConfigure = true;
    const records: LogRecord[] = [];
    const previous = setLogSink((r) => records.push(r));
    try {
      expect(() => configure(port, 2, 2, { rxMode: { mtu: 9000 } })).toThrow('fake: configuration rejected');
    } finally {
      setLogSink(previous);
    }
    expect(records).toEqual([expect.objectContaining({ type: 'ethdev', message: `port ${port}: driver rejected the configuration: fake: configuration rejected` })]);
    expect(portState(port)).toBe('unconfigured');
    expect(infoGet(port).nbRxQueues).toBe(0);
    expect(confGet(port).rxMode.mtu).toBe(1500);
    expect(code(() => start(port))).toBe('NIC_EINVAL');
  });

  it('resets to the unconfigured state', () => {
    setUp();
    start(port);
    reset(port);
    expect(portState(port)).toBe('unconfigured');
    expect(infoGet(port).nbRxQueues).toBe(0);
    const calls = fakeOps(port).calls;
    expect(calls.slice(calls.lastIndexOf('stop'))).toEqual(['stop', 'reset', 'rxQueueRelease 0', 'txQueueRelease 0']);
  });
});

describe('calls in the wrong state', () => {
  it('refuses to configure or set up queues of a started port with NIC_EBUSY', () => {
    setUp();
    start(port);
    expect(code(() => configure(port, 1, 1))).toBe('NIC_EBUSY');
    expect(code(() => rxQueueSetup(port, 0, 0, undefined, pool))).toBe('NIC_EBUSY');
    expect(code(() => txQueueSetup(port, 0, 0))).toBe('NIC_EBUSY');
  });

  it('refuses queue set-up before configure and beyond the configured count with NIC_EINVAL', () => {
    expect(code(() => rxQueueSetup(port, 0, 0, undefined, pool))).toBe('NIC_EINVAL');
    expect(code(() => txQueueSetup(port, 0, 0))).toBe('NIC_EINVAL');
    configure(port, 1, 1);
    expect(code(() => rxQueueSetup(port, 1, 0, undefined, pool))).toBe('NIC_EINVAL');
    expect(code(() => txQueueSetup(port, 1, 0))).toBe('NIC_EINVAL');
  });

  it('refuses to start an unconfigured port or one with a queue not set up, naming the queue', () => {
    expect(code(() => start(port))).toBe('NIC_EINVAL');
    configure(port, 2, 1);
    rxQueueSetup(port, 0, 0, undefined, pool);
    txQueueSetup(port, 0, 0);
    expect(() => start(port)).toThrow(/rx queue 1 is not set up/);
  });

  it('refuses to close a started port with NIC_EINVAL, as DPDK does', () => {
    setUp();
    start(port);
    expect(code(() => close(port))).toBe('NIC_EINVAL');
    stop(port);
    close(port);
  });
});

describe('limits', () => {
  it('refuses more queues than the driver has', () => {
    expect(() => configure(port, FAKE_QUEUES + 1, 1)).toThrow(/5 rx queues, more than the driver's 4/);
    expect(code(() => configure(port, 1, FAKE_QUEUES + 1))).toBe('NIC_EINVAL');
    expect(portState(port)).toBe('unconfigured');
  });

  it('checks descriptor counts against the driver limits', () => {
    configure(port, 1, 1);
    for (const n of [FAKE_DESC_LIM.min - 1, FAKE_DESC_LIM.max + FAKE_DESC_LIM.align, FAKE_DESC_LIM.min + 1]) {
      expect(code(() => rxQueueSetup(port, 0, n, undefined, pool))).toBe('NIC_EINVAL');
      expect(code(() => txQueueSetup(port, 0, n))).toBe('NIC_EINVAL');
    }
    rxQueueSetup(port, 0, FAKE_DESC_LIM.max, undefined, pool);
  });

  it('refuses a mempool whose buffers are smaller than the headroom', async () => {
    const { pktmbufPoolCreate } = await import('@nic/eal');
    const tiny = pktmbufPoolCreate(eal.arena, 'tiny', 63, 0, 0, 64);
    configure(port, 1, 1);
    expect(() => rxQueueSetup(port, 0, 0, undefined, tiny)).toThrow(/data room 64 is below headroom/);
  });

  it('names the offloads, RSS types and interrupts the driver lacks', () => {
    expect(() => configure(port, 1, 1, { rxMode: { offloads: 1 << 1 } })).toThrow(/unsupported rx offloads IPV4_CKSUM/);
    expect(() => configure(port, 1, 1, { txMode: { offloads: (1 << 5) | (1 << 15) } })).toThrow(/unsupported tx offloads TCP_TSO$/);
    expect(() => configure(port, 1, 1, { rxMode: { mqMode: 'rss' }, rss: { hf: 1 << 8 } })).toThrow(/unsupported RSS hash types IPV6/);
    expect(() => configure(port, 1, 1, { rxMode: { offloads: 1 << 19 } })).toThrow(/RSS_HASH rx offload needs rxMode.mqMode rss/);
    expect(() => configure(port, 1, 1, { rss: { key: new Uint8Array(16) } })).toThrow(/RSS key of 16 bytes, the driver's is 40/);
    expect(() => configure(port, 1, 1, { rxMode: { mtu: 9001 } })).toThrow(/above the maximum 9000/);
    expect(() => configure(port, 1, 1, { rxMode: { mtu: 67 } })).toThrow(/below the minimum 68/);
    configure(port, 1, 1, { rxMode: { mqMode: 'rss', offloads: 1 << 19 }, rss: { hf: 1 << 2, key: new Uint8Array(40) }, intrConf: { lsc: true, rmv: true } });
    expect(confGet(port).rss.hf).toBe(1 << 2);
  });

  it('takes link speeds within speedCapa, and FIXED only with exactly one', () => {
    expect(infoGet(port).speedCapa).toBe(LinkSpeeds.G1 | LinkSpeeds.G10);
    expect(() => configure(port, 1, 1, { linkSpeeds: LinkSpeeds.G25 | LinkSpeeds.G10 })).toThrow(/unsupported link speeds G25$/);
    expect(() => configure(port, 1, 1, { linkSpeeds: LinkSpeeds.FIXED | LinkSpeeds.G1 | LinkSpeeds.G10 })).toThrow(/FIXED link speed needs exactly one speed, got G1, G10/);
    expect(() => configure(port, 1, 1, { linkSpeeds: LinkSpeeds.FIXED })).toThrow(/exactly one speed, got none/);
    expect(() => configure(port, 1, 1, { linkSpeeds: -1 })).toThrow(TypeError);
    expect(portState(port)).toBe('unconfigured');
    configure(port, 1, 1, { linkSpeeds: LinkSpeeds.FIXED | LinkSpeeds.G1 });
    expect(confGet(port).linkSpeeds).toBe(LinkSpeeds.FIXED | LinkSpeeds.G1);
    configure(port, 1, 1);
    expect(confGet(port).linkSpeeds).toBe(LinkSpeeds.AUTONEG);
  });

  it('refuses per-queue offloads outside the per-queue capabilities', () => {
    configure(port, 1, 1, { rxMode: { offloads: 1 << 9 } });
    rxQueueSetup(port, 0, 0, { offloads: (1 << 0) | (1 << 9) }, pool);
    expect(() => rxQueueSetup(port, 0, 0, { offloads: 1 << 19 }, pool)).toThrow(/no per-queue offloads RSS_HASH/);
    expect(() => txQueueSetup(port, 0, 0, { offloads: 1 << 15 })).toThrow(/no per-queue offloads MULTI_SEGS/);
  });
});

describe('a driver without LSC', () => {
  it('refuses intrConf.lsc and intrConf.rmv with NIC_EINVAL', async () => {
    await eal.vdev.attach('net_fake1,lsc=0,rmv=0');
    const other = portIdByName('net_fake1');
    expect(() => configure(other, 1, 1, { intrConf: { lsc: true } })).toThrow(/link status change interrupts/);
    expect(() => configure(other, 1, 1, { intrConf: { rmv: true } })).toThrow(/removal interrupts/);
  });

  it('rejects unknown device arguments naming the device and key', async () => {
    await expect(eal.vdev.attach('net_fake2,speed=1')).rejects.toThrow(/net_fake2: kvargs: unknown key "speed"/);
  });
});
