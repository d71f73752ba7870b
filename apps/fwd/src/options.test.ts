import { describe, expect, it } from 'vitest';
import { TxOffload } from '@nic/ethdev';
import { DEFAULT_OPTIONS, FwdUsageError, MULTI_FLOW_COUNT, formatIpv4, parseFwdArgs } from './options.js';

function usageError(argv: string[]): FwdUsageError {
  try {
    parseFwdArgs(argv);
  } catch (e) {
    if (e instanceof FwdUsageError) return e;
    throw e;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('parseFwdArgs', () => {
  it('gives testpmd defaults with no arguments', () => {
    const o = parseFwdArgs([]);
    expect(o).toEqual(DEFAULT_OPTIONS);
    expect(o).toMatchObject({ forwardMode: 'io', portTopology: 'paired', burst: 32, rxq: 1, txq: 1, txPktLen: 64, txFlows: 1, mbcache: 250 });
    expect(formatIpv4(o.txIpSrc)).toBe('198.18.0.1');
    expect(formatIpv4(o.txIpDst)).toBe('198.18.0.2');
  });

  it('reads every option, in both --name=value and --name value forms', () => {
    const o = parseFwdArgs([
      '--forward-mode=l2fwd',
      '--port-topology',
      'chained',
      '--nb-cores=2',
      '--burst=512',
      '--rxq=2',
      '--txq=4',
      '--rxd=256',
      '--txd=512',
      '--stats-period=3',
      '--stats-json',
      '--pcap=/tmp/x.pcap',
      '--txpkts=128',
      '--tx-flows=16',
      '--tx-ip=10.0.0.1,10.0.0.2',
      '--tx-udp=1000,2000',
      '--eth-peer=1,AA:BB:CC:DD:EE:01',
      '--total-num-mbufs=16384',
      '--mbcache=128',
      '--portmask=0x3',
      '--duration=1.5',
      '--tx-first',
      '--record-burst-stats',
      '--rx-interrupts',
    ]);
    expect(o).toMatchObject({
      forwardMode: 'l2fwd',
      portTopology: 'chained',
      nbCores: 2,
      burst: 512,
      rxq: 2,
      txq: 4,
      rxd: 256,
      txd: 512,
      statsPeriod: 3,
      statsJson: true,
      pcap: '/tmp/x.pcap',
      txPktLen: 128,
      txFlows: 16,
      txUdpSrc: 1000,
      txUdpDst: 2000,
      totalNumMbufs: 16384,
      mbcache: 128,
      portmask: 3,
      duration: 1.5,
      txFirst: true,
      recordBurstStats: true,
      rxInterrupts: true,
    });
    expect(formatIpv4(o.txIpSrc)).toBe('10.0.0.1');
    expect(formatIpv4(o.txIpDst)).toBe('10.0.0.2');
    expect([...o.ethPeers]).toEqual([[1, 'aa:bb:cc:dd:ee:01']]);
  });

  it('takes the pause mode with its duration and threshold, and the threshold with --rx-interrupts', () => {
    expect(parseFwdArgs(['--pmd-mgmt=pause'])).toMatchObject({ pmdMgmt: 'pause', pauseUs: undefined, maxEmptyPoll: undefined });
    expect(parseFwdArgs(['--pmd-mgmt', 'pause', '--pause-duration', '250', '--max-empty-poll=8'])).toMatchObject({ pmdMgmt: 'pause', pauseUs: 250, maxEmptyPoll: 8 });
    expect(parseFwdArgs(['--rx-interrupts', '--max-empty-poll=4'])).toMatchObject({ rxInterrupts: true, pmdMgmt: undefined, maxEmptyPoll: 4 });
    expect(parseFwdArgs([])).toMatchObject({ pmdMgmt: undefined, pauseUs: undefined, maxEmptyPoll: undefined });
  });

  it('takes one UDP port for both ends, and --txonly-multi-flow as 256 flows unless --tx-flows says otherwise', () => {
    expect(parseFwdArgs(['--tx-udp=7'])).toMatchObject({ txUdpSrc: 7, txUdpDst: 7 });
    expect(parseFwdArgs(['--txonly-multi-flow']).txFlows).toBe(MULTI_FLOW_COUNT);
    expect(parseFwdArgs(['--tx-flows=3', '--txonly-multi-flow']).txFlows).toBe(3);
  });

  it('asks for fast free by default, and reads --tx-offloads as hexadecimal with or without 0x', () => {
    expect(parseFwdArgs([]).txOffloads).toBe(TxOffload.MBUF_FAST_FREE);
    expect(parseFwdArgs(['--tx-offloads=0x10001']).txOffloads).toBe(TxOffload.MBUF_FAST_FREE | TxOffload.VLAN_INSERT);
    expect(parseFwdArgs(['--tx-offloads=8000']).txOffloads).toBe(TxOffload.MULTI_SEGS);
    expect(parseFwdArgs(['--tx-offloads', '0X18000']).txOffloads).toBe(TxOffload.MBUF_FAST_FREE | TxOffload.MULTI_SEGS);
    expect(parseFwdArgs(['--tx-offloads=10']).txOffloads).toBe(TxOffload.SCTP_CKSUM);
    expect(parseFwdArgs(['--tx-offloads=0']).txOffloads).toBe(0);
    expect(parseFwdArgs(['--tx-offloads=0x7fffffff']).txOffloads).toBe(2 ** 31 - 1);
  });

  it('recognises -h and --help', () => {
    expect(parseFwdArgs(['-h']).help).toBe(true);
    expect(parseFwdArgs(['--help']).help).toBe(true);
  });

  it.each([
    [['--bogus'], '--bogus', 'unknown option'],
    [['constructor'], 'constructor', 'unknown option'],
    [['--forward-mode=csum'], '--forward-mode', 'not one of io, mac, macswap, l2fwd, rxonly, txonly'],
    [['--port-topology=ring'], '--port-topology', 'not one of'],
    [['--burst=0'], '--burst', 'from 1 to 512'],
    [['--burst=513'], '--burst', 'from 1 to 512'],
    [['--burst=3x'], '--burst', 'not an integer'],
    [['--burst'], '--burst', 'needs a value'],
    [['--rxq=2'], '--txq', 'fewer than --rxq=2'],
    [['--txpkts=41'], '--txpkts', 'from 42 to 1514'],
    [['--tx-ip=1.2.3.4'], '--tx-ip', 'SRC,DST'],
    [['--tx-ip=1.2.3.256,1.2.3.4'], '--tx-ip', 'not an IPv4 address'],
    [['--tx-udp=1,2,3'], '--tx-udp', 'SRC[,DST]'],
    [['--tx-udp=65536'], '--tx-udp', 'from 0 to 65535'],
    [['--eth-peer=0'], '--eth-peer', 'PORT,aa:bb'],
    [['--eth-peer=0,zz:bb:cc:dd:ee:ff'], '--eth-peer', 'PORT,aa:bb'],
    [['--eth-peer=32,02:00:00:00:00:01'], '--eth-peer', 'from 0 to 31'],
    [['--portmask=0'], '--portmask', 'non-zero'],
    [['--portmask=xyz'], '--portmask', 'hexadecimal'],
    [['--duration=0'], '--duration', 'above 0'],
    [['--duration=abc'], '--duration', 'seconds'],
    [['--stats-json=1'], '--stats-json', 'takes no value'],
    [['--pcap='], '--pcap', 'needs a file name'],
    [['--total-num-mbufs=100', '--mbcache=250'], '--mbcache', 'too large'],
    [['--tx-offloads=zz'], '--tx-offloads', 'hexadecimal'],
    [['--tx-offloads=-1'], '--tx-offloads', 'hexadecimal'],
    [['--tx-offloads=0x80000000'], '--tx-offloads', 'hexadecimal'],
    [['--tx-offloads=ffffffffff'], '--tx-offloads', 'hexadecimal'],
    [['--tx-offloads='], '--tx-offloads', 'hexadecimal'],
    [['--tx-offloads=0x'], '--tx-offloads', 'hexadecimal'],
    [['--tx-offloads=1.5'], '--tx-offloads', 'hexadecimal'],
    [['--tx-offloads'], '--tx-offloads', 'needs a value'],
    [['--rx-interrupts=1'], '--rx-interrupts', 'takes no value'],
    [['--forward-mode=txonly', '--rx-interrupts'], '--rx-interrupts', 'no queue to sleep on'],
    [['--pmd-mgmt=monitor'], '--pmd-mgmt', 'UMWAIT'],
    [['--pmd-mgmt=scale'], '--pmd-mgmt', 'frequency scaling'],
    [['--pmd-mgmt=nap'], '--pmd-mgmt', 'not one of pause'],
    [['--pmd-mgmt'], '--pmd-mgmt', 'needs a value'],
    [['--pmd-mgmt=pause', '--rx-interrupts'], '--pmd-mgmt', 'not both'],
    [['--pmd-mgmt=pause', '--forward-mode=txonly'], '--pmd-mgmt', 'never pauses'],
    [['--pmd-mgmt=pause', '--pause-duration=0'], '--pause-duration', 'from 1 to 1000000'],
    [['--pmd-mgmt=pause', '--pause-duration=1000001'], '--pause-duration', 'from 1 to 1000000'],
    [['--pmd-mgmt=pause', '--pause-duration=2.5'], '--pause-duration', 'integer'],
    [['--pause-duration=100'], '--pause-duration', 'needs --pmd-mgmt=pause'],
    [['--pmd-mgmt=pause', '--max-empty-poll=0'], '--max-empty-poll', 'from 1 to'],
    [['--max-empty-poll=8'], '--max-empty-poll', 'needs --pmd-mgmt=pause or --rx-interrupts'],
  ])('rejects %j naming %s', (argv, option, message) => {
    const e = usageError(argv);
    expect(e.option).toBe(option);
    expect(e.message).toContain(option);
    expect(e.message).toContain(message);
  });
});
