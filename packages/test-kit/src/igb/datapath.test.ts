import { beforeEach, describe, expect, it } from 'vitest';
import { closeFd, eventfd, eventfdRead, VFIO } from '@nic/native';
import { BROADCAST, enableRx, frameTo, RxRing, TestMemory, vlanFrame } from './__fixtures__/rings.js';
import { MDNS_MULTICAST, OTHER_UNICAST, portPair } from '../model/__fixtures__/rings.js';
import { MS_IPV4_VECTORS, MS_RSS_KEY, tcp4Frame } from '../model/__fixtures__/rss-vectors.js';
import { crc32 } from '../model/crc.js';
import { RXD_STAT_DD, RXD_STAT_EOP, RXD_STAT_VP } from '../model/descriptors.js';
import { IgbModel } from './model.js';
import * as R from './regs.js';
import { PKT_TYPE_IPV4, PKT_TYPE_TCP, RSS_TYPE_IPV4_TCP } from '../model/rss.js';

const pair = portPair((options) => new IgbModel(options));
const toB = pair.toB;
let b: IgbModel;
let mem: TestMemory;
beforeEach(() => ({ b, mem } = pair));

describe('receive', () => {
  beforeEach(() => enableRx(b));

  it('counts MPC and RNBC, and raises ICR.RXO, when no descriptor is free or the queue is off', () => {
    new RxRing(R, b, mem, 0, 8);
    b.write32(R.RDT(0), 0);
    expect(b.receiveFrame(toB(1))).toBe('no-descriptors');
    b.write32(R.RDT(0), 1);
    expect(b.receiveFrame(toB(2))).toBe('delivered');
    expect(b.receiveFrame(toB(3))).toBe('no-descriptors');
    b.write32(R.RXDCTL(0), 0);
    expect(b.receiveFrame(toB(5))).toBe('queue-disabled');
    expect(b.read32(R.MPC)).toBe(3);
    expect(b.read32(R.RNBC)).toBe(3);
    expect(b.read32(R.ICR) & R.ICR_RXO).toBe(R.ICR_RXO);
  });

  it('ignores frames while RCTL.EN is clear or the link is down', () => {
    new RxRing(R, b, mem);
    b.write32(R.RCTL, 0);
    expect(b.receiveFrame(toB(1))).toBe('rx-disabled');
    enableRx(b);
    b.setLink(false);
    expect(b.receiveFrame(toB(1))).toBe('no-link');
    expect(b.read32(R.MPC)).toBe(0);
  });

  it('filters unicast, multicast, broadcast and promiscuous modes', () => {
    new RxRing(R, b, mem);
    const other = OTHER_UNICAST;
    const multicast = MDNS_MULTICAST;
    expect(b.receiveFrame(frameTo(BROADCAST, 1))).toBe('delivered');
    // MO = 0: hash = bits 47:36 of the address, (dst[5] << 4) | (dst[4] >> 4).
    const hash = (multicast[5] << 4) | (multicast[4] >> 4);
    b.write32(R.MTA + (hash >>> 5) * 4, 1 << (hash & 31));
    expect(b.receiveFrame(frameTo(multicast, 1))).toBe('delivered');
    b.write32(R.RAL(3), 0x00000002);
    b.write32(R.RAH(3), (R.RAH_AV | 0x7700) >>> 0);
    expect(b.receiveFrame(frameTo(other, 1))).toBe('delivered');
    b.write32(R.RAH(3), 0x7700);
    expect(b.receiveFrame(frameTo(other, 1))).toBe('filtered');
    enableRx(b, R.RCTL_UPE);
    expect(b.receiveFrame(frameTo(other, 1))).toBe('delivered');
    b.write32(R.RCTL, R.RCTL_EN | R.RCTL_MPE);
    expect(b.receiveFrame(frameTo(Uint8Array.of(0x01, 0, 0x5e, 1, 2, 3), 1))).toBe('delivered');
    expect(b.receiveFrame(frameTo(BROADCAST, 1))).toBe('filtered');
    expect(b.read32(R.BPRC)).toBe(1);
    expect(b.read32(R.MPRC)).toBe(2);
  });

  it('filters VLAN-tagged frames through VFTA when RCTL.VFE is set', () => {
    new RxRing(R, b, mem);
    const tagged = vlanFrame(toB(1), 100);
    expect(b.receiveFrame(tagged)).toBe('delivered');
    enableRx(b, R.RCTL_VFE);
    expect(b.receiveFrame(tagged)).toBe('filtered');
    b.write32(R.VFTA + (100 >>> 5) * 4, 1 << (100 & 31));
    expect(b.receiveFrame(tagged)).toBe('delivered');
    expect(b.receiveFrame(toB(2))).toBe('delivered');
  });

  it('strips the VLAN tag with CTRL.VME into the descriptor, VP set', () => {
    const rx = new RxRing(R, b, mem);
    const plain = toB(1, 80);
    b.write32(R.CTRL, b.read32(R.CTRL) | R.CTRL_VME);
    expect(b.receiveFrame(vlanFrame(plain, 0x2064))).toBe('delivered');
    expect(rx.status(0) & RXD_STAT_VP).toBe(RXD_STAT_VP);
    expect(rx.vlan(0)).toBe(0x2064);
    expect(rx.data(0)).toEqual(plain);
    b.write32(R.CTRL, b.read32(R.CTRL) & ~R.CTRL_VME);
    expect(b.receiveFrame(vlanFrame(plain, 0x2064))).toBe('delivered');
    expect(rx.status(1) & RXD_STAT_VP).toBe(0);
    expect(rx.data(1)).toEqual(vlanFrame(plain, 0x2064));
  });

  it('drops long frames unless LPE, then limits them with RLPML, and spans buffers', () => {
    const rx = new RxRing(R, b, mem, 0, 32, 1024);
    expect(b.receiveFrame(toB(1, 1514))).toBe('delivered');
    expect(b.receiveFrame(toB(2, 1515))).toBe('oversize');
    expect(b.receiveFrame(vlanFrame(toB(3, 1514), 5))).toBe('delivered');
    expect(b.read32(R.ROC)).toBe(1);
    enableRx(b, R.RCTL_LPE);
    b.write32(R.RLPML, 9018);
    const jumbo = toB(4, 9014);
    expect(b.receiveFrame(jumbo)).toBe('delivered');
    expect(b.receiveFrame(toB(5, 9015))).toBe('oversize');
    // 1514 -> 2 buffers, 1518 -> 2 buffers, 9014 -> 9 buffers.
    const first = 4;
    expect(b.read32(R.RDH(0))).toBe(first + 9);
    const parts = Array.from({ length: 9 }, (_, i) => rx.data(first + i));
    expect(parts.slice(0, 8).every((p, i) => p.length === 1024 && (rx.status(first + i) & RXD_STAT_EOP) === 0)).toBe(true);
    expect(rx.status(first + 8) & (RXD_STAT_DD | RXD_STAT_EOP)).toBe(RXD_STAT_DD | RXD_STAT_EOP);
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    expect(joined).toEqual(jumbo);
  });

  it('injects rx errors: dropped and counted, or written back with RXE under RCTL.SBP', () => {
    const rx = new RxRing(R, b, mem);
    b.injectRxError('crc');
    expect(b.receiveFrame(toB(1))).toBe('bad-frame');
    expect(b.receiveFrame(toB(2))).toBe('delivered');
    expect(rx.status(0) & R.RXD_ERR_RXE).toBe(0);
    b.write32(R.RCTL, R.RCTL_EN | R.RCTL_SBP);
    b.injectRxError('data');
    expect(b.receiveFrame(toB(3))).toBe('delivered');
    expect((rx.status(1) & (R.RXD_ERR_RXE | RXD_STAT_DD)) >>> 0).toBe((R.RXD_ERR_RXE | RXD_STAT_DD) >>> 0);
    b.injectRxError('crc');
    b.receiveFrame(toB(4));
    expect(crc32(rx.data(2))).not.toBe(0x2144df1c);
    expect(b.read32(R.CRCERRS)).toBe(2);
    expect(b.read32(R.RXERRC)).toBe(1);
  });

  it('signals the rx queue vector IVAR maps, with EIAC clearing its cause', () => {
    new RxRing(R, b, mem, 2);
    b.write32(R.RXDCTL(0), 0);
    b.write32(R.MRQC, R.MRQC_MRQE_RSS | R.MRQC_RSS_FIELD_IPV4);
    for (let i = 0; i < 32; i++) b.write32(R.RETA + 4 * i, 0x02020202);
    const fd = eventfd(0, { nonblock: true });
    try {
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 3, [fd]);
      b.write32(R.GPIE, R.GPIE_MSIX_MODE | R.GPIE_NSICR);
      // Rx queue 2 is byte 0 of IVAR0[2]: vector 3.
      b.write32(R.IVAR0 + 2 * 4, 3 | R.IVAR_VALID);
      b.write32(R.EIAC, 1 << 3);
      b.write32(R.EIMS, 1 << 3);
      const v = MS_IPV4_VECTORS[0];
      expect(b.receiveFrame(tcp4Frame(v.src, v.dst, v.sport, v.dport))).toBe('delivered');
      expect(eventfdRead(fd)).toBe(1);
      expect(b.u32[R.EICR >>> 2]).toBe(0);
      expect(b.read32(R.ICR) & R.ICR_RXDW).toBe(R.ICR_RXDW);
    } finally {
      closeFd(fd);
    }
  });
});

describe('RSS', () => {
  it('chooses the queue RETA gives for the Toeplitz hash, reporting hash and type', () => {
    enableRx(b);
    const rings = Array.from({ length: 8 }, (_, q) => new RxRing(R, b, mem, q, 8));
    for (let i = 0; i < 10; i++) b.write32(R.RSSRK + 4 * i, new DataView(MS_RSS_KEY.buffer).getUint32(4 * i, true));
    // RETA entry i holds queue i % 8.
    for (let i = 0; i < 32; i++) b.write32(R.RETA + 4 * i, ((4 * i) % 8) | (((4 * i + 1) % 8) << 8) | (((4 * i + 2) % 8) << 16) | (((4 * i + 3) % 8) << 24));
    b.write32(R.MRQC, R.MRQC_MRQE_RSS | R.MRQC_RSS_FIELD_IPV4 | R.MRQC_RSS_FIELD_IPV4_TCP);
    b.write32(R.RXCSUM, R.RXCSUM_PCSD);
    const next = new Array<number>(8).fill(0);
    for (const v of MS_IPV4_VECTORS) {
      expect(b.receiveFrame(tcp4Frame(v.src, v.dst, v.sport, v.dport, [...b.mac]))).toBe('delivered');
      const q = (v.tcp & 0x7f) % 8;
      const i = next[q]++;
      expect(rings[q].status(i) & RXD_STAT_DD).toBe(RXD_STAT_DD);
      expect(rings[q].dword(i, 1)).toBe(v.tcp);
      expect(rings[q].dword(i, 0) & 0xfff).toBe(RSS_TYPE_IPV4_TCP | PKT_TYPE_IPV4 | PKT_TYPE_TCP);
    }
    expect(next.reduce((x, y) => x + y)).toBe(MS_IPV4_VECTORS.length);
    expect(next.filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  it('uses queue 0 without RSS', () => {
    enableRx(b);
    const rx = new RxRing(R, b, mem);
    const v = MS_IPV4_VECTORS[1];
    expect(b.receiveFrame(tcp4Frame(v.src, v.dst, v.sport, v.dport))).toBe('delivered');
    expect(rx.status(0) & RXD_STAT_DD).toBe(RXD_STAT_DD);
    expect(rx.dword(0, 1)).toBe(0);
  });
});
