/**
 * net_fake: a test driver with every optional operation, so the ethdev layer's checks and
 * dispatch can be exercised without a real PMD. Each port has one loopback ring per queue
 * pair (tx queue i feeds rx queue i), queues started and stopped on their own, link status and removal events, MTU, four MAC slots,
 * a VLAN filter, RSS, one extra xstat and software rx interrupts. Tests reach its control
 * side with `fakeOps(port)` to inject failures.
 */
import { closeFd, eventfd } from '@nic/native';
import { Ring, type Eal, type Kvargs, type Mempool } from '@nic/eal';
import { EventfdRxIntr } from '@nic/intr';
import {
  allocatePort,
  burstBytes,
  ethDevOf,
  ethVdevDriver,
  EthEvent,
  LinkSpeed,
  LinkSpeeds,
  linkStatusSet,
  probingFinish,
  processEvent,
  ringAt,
  RssHf,
  RxOffload,
  RxQueueCounters,
  TxOffload,
  TxQueueCounters,
  type EthDev,
  type EthdevDriver,
  type EthdevOps,
  type EthStats,
  type PmdDevInfo,
  type PortData,
} from '../driver.js';

export const FAKE = 'net_fake';
export const FAKE_QUEUES = 4;
export const FAKE_RING_SIZE = 256;
export const FAKE_HW_MISSED = 7;
export const FAKE_DESC_LIM = { min: 32, max: 4096, align: 32 };
const RING_OFFSETS = 0;

const up = { up: true, speed: LinkSpeed.G10, fullDuplex: true, autoneg: true };
const down = { ...up, up: false, speed: 0 };

function fakeRing(data: PortData, queue: number): Ring {
  return ringAt(data.arena, data.arena.u32[(data.privOffset + RING_OFFSETS + queue * 4) >>> 2]);
}

/** The control side of a fake port; its fields let tests observe and break it. */
export class FakeOps implements EthdevOps {
  readonly rings: Ring[];
  rejectConfigure = false;
  rejectQueueStop = false;
  configured = 0;
  polls = 0;
  readonly calls: string[] = [];
  readonly vlans = new Set<number>();

  constructor(rings: Ring[]) {
    this.rings = rings;
  }

  infoGet(): PmdDevInfo {
    return {
      minMtu: 68,
      maxMtu: 9000,
      maxRxPktLen: 9018,
      maxRxQueues: FAKE_QUEUES,
      maxTxQueues: FAKE_QUEUES,
      maxMacAddrs: 4,
      rxOffloadCapa: RxOffload.VLAN_FILTER | RxOffload.VLAN_STRIP | RxOffload.RSS_HASH,
      rxQueueOffloadCapa: RxOffload.VLAN_STRIP,
      txOffloadCapa: TxOffload.MULTI_SEGS,
      speedCapa: LinkSpeeds.G1 | LinkSpeeds.G10,
      flowTypeRssOffloads: RssHf.IPV4 | RssHf.NONFRAG_IPV4_TCP,
      hashKeySize: 40,
      rxDescLim: FAKE_DESC_LIM,
      txDescLim: FAKE_DESC_LIM,
      defaultRxPortConf: { burstSize: 32, ringSize: 256, nbQueues: 2 },
      defaultTxPortConf: { burstSize: 32, ringSize: 256, nbQueues: 2 },
    };
  }

  configure(): void {
    if (this.rejectConfigure) throw new Error('fake: configuration rejected');
    this.configured++;
  }

  start(dev: EthDev): void {
    this.calls.push('start');
    linkStatusSet(dev, up);
  }

  stop(dev: EthDev): void {
    this.calls.push('stop');
    linkStatusSet(dev, down);
  }

  close(): void {
    this.calls.push('close');
    for (const ring of this.rings) ring.free();
  }

  reset(): void {
    this.calls.push('reset');
  }

  setLinkUp(dev: EthDev): void {
    if (linkStatusSet(dev, up)) processEvent(dev.port, EthEvent.INTR_LSC);
  }

  setLinkDown(dev: EthDev): void {
    if (linkStatusSet(dev, down)) processEvent(dev.port, EthEvent.INTR_LSC);
  }

  linkUpdate(_dev: EthDev, wait: boolean): void | Promise<void> {
    this.calls.push(wait ? 'linkUpdate(wait)' : 'linkUpdate');
    return wait ? Promise.resolve() : undefined;
  }

  promiscuousEnable(): void {
    this.calls.push('promiscuousEnable');
  }

  promiscuousDisable(): void {
    this.calls.push('promiscuousDisable');
  }

  allmulticastEnable(): void {
    this.calls.push('allmulticastEnable');
  }

  allmulticastDisable(): void {
    this.calls.push('allmulticastDisable');
  }

  macAddrSet(): void {
    this.calls.push('macAddrSet');
  }

  macAddrAdd(_dev: EthDev, _mac: Uint8Array, index: number): void {
    this.calls.push(`macAddrAdd ${index}`);
  }

  macAddrRemove(_dev: EthDev, index: number): void {
    this.calls.push(`macAddrRemove ${index}`);
  }

  mtuSet(): void {
    this.calls.push('mtuSet');
  }

  vlanFilterSet(_dev: EthDev, vlanId: number, on: boolean): void {
    if (on) this.vlans.add(vlanId);
    else this.vlans.delete(vlanId);
  }

  statsGet(_dev: EthDev, stats: EthStats): void {
    stats.imissed += FAKE_HW_MISSED;
  }

  statsReset(): void {
    this.calls.push('statsReset');
  }

  xstatsGetNames(): string[] {
    return ['fake_polls'];
  }

  xstatsGet(): number[] {
    return [this.polls];
  }

  xstatsReset(): void {
    this.polls = 0;
  }

  rxQueueSetup(_dev: EthDev, queue: number, nbDesc: number, _conf: unknown, mempool: Mempool): void {
    this.calls.push(`rxQueueSetup ${queue} ${nbDesc} ${mempool.name}`);
  }

  txQueueSetup(_dev: EthDev, queue: number, nbDesc: number): void {
    this.calls.push(`txQueueSetup ${queue} ${nbDesc}`);
  }

  rxQueueStart(_dev: EthDev, queue: number): void {
    this.calls.push(`rxQueueStart ${queue}`);
  }

  rxQueueStop(_dev: EthDev, queue: number): void {
    if (this.rejectQueueStop) throw new Error('fake: queue stop rejected');
    this.calls.push(`rxQueueStop ${queue}`);
  }

  txQueueStart(_dev: EthDev, queue: number): void {
    this.calls.push(`txQueueStart ${queue}`);
  }

  txQueueStop(_dev: EthDev, queue: number): void {
    if (this.rejectQueueStop) throw new Error('fake: queue stop rejected');
    this.calls.push(`txQueueStop ${queue}`);
  }

  rxQueueRelease(_dev: EthDev, queue: number): void {
    this.calls.push(`rxQueueRelease ${queue}`);
  }

  txQueueRelease(_dev: EthDev, queue: number): void {
    this.calls.push(`txQueueRelease ${queue}`);
  }
}

/** Software rx interrupts of this thread, by port, queue and port serial. */
export const fakeIntrs = new Map<string, EventfdRxIntr>();

/** Closes the eventfds of {@link fakeIntrs}. */
export function closeFakeIntrs(): void {
  for (const intr of fakeIntrs.values()) closeFd(intr.fd);
  fakeIntrs.clear();
}

export const fakeEthdev: EthdevDriver = {
  name: FAKE,
  rxQueue(data, queue) {
    const ring = fakeRing(data, queue);
    const counters = new RxQueueCounters(data, queue);
    return {
      rxBurst(handles, n, offset) {
        const got = ring.dequeueBurst(handles, n, offset);
        counters.received(handles, offset, got);
        return got;
      },
    };
  },
  txQueue(data, queue) {
    const ring = fakeRing(data, queue);
    const counters = new TxQueueCounters(data, queue);
    return {
      txBurst(handles, n, offset) {
        const bytes = burstBytes(data.arena.u32, handles, offset, n);
        const sent = ring.enqueueBurst(handles, n, offset);
        counters.add(sent, bytes - burstBytes(data.arena.u32, handles, offset + sent, n - sent));
        return sent;
      },
    };
  },
  rxQueueIntr(data, queue) {
    const key = `${data.port}/${queue}/${data.serial}`;
    let intr = fakeIntrs.get(key);
    if (!intr) {
      intr = EventfdRxIntr.forFd(eventfd(0, { nonblock: true }));
      fakeIntrs.set(key, intr);
    }
    return intr;
  },
};

function probe(eal: Eal, device: string, kv: Kvargs): void {
  const rings = Array.from({ length: FAKE_QUEUES }, (_, i) => Ring.create(eal.arena, `FAKE${i}_${device}`, FAKE_RING_SIZE));
  const ops = new FakeOps(rings);
  const dev = allocatePort(eal, device, FAKE, ops, {
    privateSize: FAKE_QUEUES * 4,
    intrLsc: kv.getBool('lsc', true),
    intrRmv: kv.getBool('rmv', true),
  });
  rings.forEach((ring, i) => {
    eal.arena.u32[(dev.data.privOffset + RING_OFFSETS + i * 4) >>> 2] = ring.offset;
  });
  probingFinish(dev);
}

export const fakeDriver = ethVdevDriver({ name: FAKE, validKeys: ['lsc', 'rmv'], ethdev: fakeEthdev, probe });

/** The control side of fake port `port`. */
export function fakeOps(port: number): FakeOps {
  return ethDevOf(port).ops as FakeOps;
}
