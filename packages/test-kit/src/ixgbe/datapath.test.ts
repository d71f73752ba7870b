import { beforeEach, describe, expect, it } from 'vitest';
import { closeFd, eventfd, eventfdRead, VFIO } from '@nic/native';
import { crc32 } from '../model/crc.js';
import { RXD_STAT_DD, RXD_STAT_EOP, RXD_STAT_VP, TXD_STAT_DD } from '../model/descriptors.js';
import { ModelWire } from '../model/wire.js';
import { BROADCAST, enableRx, enableTx, frameTo, RxRing, TestMemory, TxRing, vlanFrame } from './__fixtures__/rings.js';
import { MDNS_MULTICAST, OTHER_UNICAST, portPair } from '../model/__fixtures__/rings.js';
import { IxgbeModel } from './model.js';
import * as R from './regs.js';

const pair = portPair((options) => new IxgbeModel(options));
const toB = pair.toB;
let a: IxgbeModel;
let b: IxgbeModel;
let mem: TestMemory;
beforeEach(() => ({ a, b, mem } = pair));


describe('transmit to receive over a wire', () => {

  it('sends on queue 100 and signals the vector its IVAR entry names', () => {
    const sent: Uint8Array[] = [];
    a.onTransmit((f) => sent.push(f));
    enableTx(a);
    const fd = eventfd(0, { nonblock: true });
    try {
      a.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 33, [fd]);
      a.write32(R.GPIE, R.GPIE_MSIX_MODE);
      // Tx of queue 100 (even) is byte 1 of IVAR(50).
      a.write32(R.IVAR(50), (33 | R.IVAR_ALLOC_VAL) << 8);
      a.write32(R.EIMS_EX(1), 1 << 1);
      const tx = new TxRing(R, a, mem, 100);
      tx.send([toB(7)]);
      expect(sent).toHaveLength(1);
      expect(a.read32(R.TDH(100))).toBe(1);
      expect(eventfdRead(fd)).toBe(1);
      // The cause of a vector above 15 clears itself when sent: the next write-back sends again.
      tx.send([toB(8)]);
      expect(eventfdRead(fd)).toBe(1);
    } finally {
      closeFd(fd);
    }
  });

  it('drops what a port sends while its link is down, and loops frames back with HLREG0.LPBK', () => {
    const sent: Uint8Array[] = [];
    a.onTransmit((f) => sent.push(f));
    enableTx(a);
    enableRx(a);
    const tx = new TxRing(R, a, mem);
    const rx = new RxRing(R, a, mem);
    a.setLink(false);
    tx.send([toB(1)]);
    expect(sent).toEqual([]);
    expect(tx.status(0) & TXD_STAT_DD).toBe(TXD_STAT_DD);
    a.setLink(true);
    a.write32(R.HLREG0, a.read32(R.HLREG0) | R.HLREG0_LPBK);
    a.write32(R.FCTRL, a.read32(R.FCTRL) | R.FCTRL_UPE);
    const back = toB(2);
    tx.send([back]);
    expect(sent).toEqual([]);
    expect(rx.data(0)).toEqual(back);
  });
});

describe('receive', () => {
  beforeEach(() => enableRx(b));

  it('counts RNBC and MPC with EICR.RX_MISS when no descriptor is free, QPRDC with SRRCTL.DROP_EN or a disabled queue', () => {
    new RxRing(R, b, mem, 0, 8);
    b.write32(R.RDT(0), 0);
    expect(b.receiveFrame(toB(1))).toBe('no-descriptors');
    b.write32(R.RDT(0), 1);
    expect(b.receiveFrame(toB(2))).toBe('delivered');
    expect(b.receiveFrame(toB(4))).toBe('no-descriptors');
    expect(b.read32(R.MPC(0))).toBe(2);
    expect(b.read32(R.RNBC(0))).toBe(2);
    expect(b.read32(R.EICR) & R.EICR_RX_MISS).toBe(R.EICR_RX_MISS);
    b.write32(R.SRRCTL(0), b.read32(R.SRRCTL(0)) | R.SRRCTL_DROP_EN);
    expect(b.receiveFrame(toB(5))).toBe('no-descriptors');
    expect(b.read32(R.MPC(0))).toBe(0);
    expect(b.read32(R.QPRDC(0))).toBe(1);
    b.write32(R.RXDCTL(0), 0);
    expect(b.receiveFrame(toB(6))).toBe('queue-disabled');
    expect(b.read32(R.QPRDC(0))).toBe(1);
  });

  it('ignores frames while RXCTRL.RXEN is clear, the link is down, or bus mastering is off', () => {
    new RxRing(R, b, mem);
    b.write32(R.RXCTRL, 0);
    expect(b.receiveFrame(toB(1))).toBe('rx-disabled');
    enableRx(b);
    b.write32(R.CTRL, R.CTRL_GIO_DIS);
    expect(b.receiveFrame(toB(1))).toBe('rx-disabled');
    b.write32(R.CTRL, 0);
    b.setLink(false);
    expect(b.receiveFrame(toB(1))).toBe('no-link');
    b.setLink(true);
    b.setModule(false);
    expect(b.receiveFrame(toB(1))).toBe('no-link');
    expect(b.read32(R.MPC(0))).toBe(0);
  });

  it('filters by FCTRL (UPE, MPE, BAM), receive addresses up to entry 127, and MTA with MCSTCTRL.MFE', () => {
    new RxRing(R, b, mem);
    const other = OTHER_UNICAST;
    const multicast = MDNS_MULTICAST;
    expect(b.receiveFrame(frameTo(BROADCAST, 1))).toBe('delivered');
    // MO = 0: index = bits 47:36 of the address, (dst[5] << 4) | (dst[4] >> 4).
    const hash = (multicast[5] << 4) | (multicast[4] >> 4);
    b.write32(R.MTA + (hash >>> 5) * 4, 1 << (hash & 31));
    expect(b.receiveFrame(frameTo(multicast, 1))).toBe('filtered');
    b.write32(R.MCSTCTRL, R.MCSTCTRL_MFE);
    expect(b.receiveFrame(frameTo(multicast, 1))).toBe('delivered');
    // MO = 3: index = bits 43:32, dst[4] | (dst[5] & 0xf) << 8.
    b.write32(R.MCSTCTRL, R.MCSTCTRL_MFE | 3);
    expect(b.receiveFrame(frameTo(multicast, 1))).toBe('filtered');
    b.write32(R.RAL(100), 0x00000002);
    b.write32(R.RAH(100), (R.RAH_AV | 0x7700) >>> 0);
    expect(b.receiveFrame(frameTo(other, 1))).toBe('delivered');
    b.write32(R.RAH(100), 0x7700);
    expect(b.receiveFrame(frameTo(other, 1))).toBe('filtered');
    enableRx(b, R.FCTRL_UPE);
    expect(b.receiveFrame(frameTo(other, 1))).toBe('delivered');
    b.write32(R.FCTRL, R.FCTRL_MPE);
    expect(b.receiveFrame(frameTo(Uint8Array.of(0x01, 0, 0x5e, 1, 2, 3), 1))).toBe('delivered');
    expect(b.receiveFrame(frameTo(BROADCAST, 1))).toBe('filtered');
    expect(b.read32(R.BPRC)).toBe(1);
    expect(b.read32(R.MPRC)).toBe(2);
  });

  it('filters VLAN-tagged frames through VFTA with VLNCTRL.VFE, TPID from VLNCTRL.VET', () => {
    new RxRing(R, b, mem);
    const tagged = vlanFrame(toB(1), 100);
    expect(b.receiveFrame(tagged)).toBe('delivered');
    b.write32(R.VLNCTRL, b.read32(R.VLNCTRL) | R.VLNCTRL_VFE);
    expect(b.receiveFrame(tagged)).toBe('filtered');
    b.write32(R.VFTA + (100 >>> 5) * 4, 1 << (100 & 31));
    expect(b.receiveFrame(tagged)).toBe('delivered');
    expect(b.receiveFrame(toB(2))).toBe('delivered');
    // Another TPID: the 0x8100 tag is no tag, the frame passes unfiltered.
    b.write32(R.VLNCTRL, R.VLNCTRL_VFE | 0x88a8);
    expect(b.receiveFrame(vlanFrame(toB(3), 5))).toBe('delivered');
    expect(b.receiveFrame(vlanFrame(toB(3), 5, 0x88a8))).toBe('filtered');
  });

  it('strips the tag into the descriptor with the queue\'s RXDCTL.VME; VP and the tag are reported either way', () => {
    const rx = new RxRing(R, b, mem);
    const plain = toB(1, 80);
    b.write32(R.RXDCTL(0), b.read32(R.RXDCTL(0)) | R.RXDCTL_VME);
    expect(b.receiveFrame(vlanFrame(plain, 0x2064))).toBe('delivered');
    expect(rx.status(0) & RXD_STAT_VP).toBe(RXD_STAT_VP);
    expect(rx.vlan(0)).toBe(0x2064);
    expect(rx.data(0)).toEqual(plain);
    b.write32(R.RXDCTL(0), b.read32(R.RXDCTL(0)) & ~R.RXDCTL_VME);
    expect(b.receiveFrame(vlanFrame(plain, 0x2064))).toBe('delivered');
    expect(rx.status(1) & RXD_STAT_VP).toBe(RXD_STAT_VP);
    expect(rx.data(1)).toEqual(vlanFrame(plain, 0x2064));
    expect(b.receiveFrame(plain)).toBe('delivered');
    expect(rx.status(2) & RXD_STAT_VP).toBe(0);
  });

});

describe('jumbo frames, descriptor formats and errors', () => {
  beforeEach(() => enableRx(b));

  it('drops frames over 1518 bytes (1522 tagged) without HLREG0.JUMBOEN, then limits them by MAXFRS and spans buffers', () => {
    const rx = new RxRing(R, b, mem, 0, 32, 2048);
    expect(b.receiveFrame(toB(1, 1514))).toBe('delivered');
    expect(b.receiveFrame(toB(2, 1515))).toBe('oversize');
    expect(b.receiveFrame(vlanFrame(toB(3, 1514), 5))).toBe('delivered');
    expect(b.read32(R.ROC)).toBe(1);
    b.write32(R.HLREG0, b.read32(R.HLREG0) | R.HLREG0_JUMBOEN);
    b.write32(R.MAXFRS, 9018 << R.MAXFRS_MFS_SHIFT);
    const jumbo = toB(4, 9014);
    expect(b.receiveFrame(jumbo)).toBe('delivered');
    expect(b.receiveFrame(toB(5, 9015))).toBe('oversize');
    // 1514 -> 1 buffer, 1518 -> 1 buffer, 9014 -> 5 buffers of 2 KiB.
    expect(b.read32(R.RDH(0))).toBe(2 + 5);
    const parts = Array.from({ length: 5 }, (_, i) => rx.data(2 + i));
    expect(parts.slice(0, 4).every((p, i) => p.length === 2048 && (rx.status(2 + i) & (RXD_STAT_DD | RXD_STAT_EOP)) === RXD_STAT_DD)).toBe(true);
    expect(rx.status(6) & (RXD_STAT_DD | RXD_STAT_EOP)).toBe(RXD_STAT_DD | RXD_STAT_EOP);
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    expect(joined).toEqual(jumbo);
    expect(b.read32(R.ROC)).toBe(1);
  });

  it('spans a jumbo frame across the ring end, and refuses it whole when the free descriptors are too few', () => {
    const rx = new RxRing(R, b, mem, 0, 8, 1024);
    b.write32(R.HLREG0, b.read32(R.HLREG0) | R.HLREG0_JUMBOEN);
    b.write32(R.MAXFRS, 9018 << R.MAXFRS_MFS_SHIFT);
    for (let i = 0; i < 6; i++) expect(b.receiveFrame(toB(i))).toBe('delivered');
    for (let i = 0; i < 6; i++) rx.rearm(i);
    b.write32(R.RDT(0), 5);
    // Free: 6, 7, 0-4 (7 descriptors); 5000 bytes need 5 of them.
    const big = toB(9, 5000);
    expect(b.receiveFrame(big)).toBe('delivered');
    expect(b.read32(R.RDH(0))).toBe(3);
    const joined = new Uint8Array([6, 7, 0, 1, 2].flatMap((i) => [...rx.data(i)]));
    expect(joined).toEqual(big);
    expect(b.receiveFrame(toB(10, 3000))).toBe('no-descriptors');
    expect(b.read32(R.RDH(0))).toBe(3);
  });

  it('writes legacy descriptors back when SRRCTL says so: length in dword 2, status, errors and tag in dword 3', () => {
    const rx = new RxRing(R, b, mem);
    b.write32(R.SRRCTL(0), (2048 >> R.SRRCTL_BSIZEPKT_SHIFT) | R.SRRCTL_DESCTYPE_LEGACY);
    const frame = vlanFrame(toB(1, 100), 0x0abc);
    expect(b.receiveFrame(frame)).toBe('delivered');
    expect(rx.dword(0, 2) & 0xffff).toBe(frame.length);
    expect(rx.dword(0, 3)).toBe((RXD_STAT_DD | RXD_STAT_EOP | RXD_STAT_VP | (0x0abc << 16)) >>> 0);
    // The buffer address stays in dwords 0-1.
    expect(rx.dword(0, 0)).toBe(mem.iova(rx.bufs[0]));
    b.write32(R.FCTRL, b.read32(R.FCTRL) | R.FCTRL_SBP);
    b.injectRxError('crc');
    expect(b.receiveFrame(toB(2))).toBe('delivered');
    expect((rx.dword(1, 3) >>> 8) & 0xff).toBe(R.RXD_ERR_CE);
  });

  it('injects rx errors: dropped and counted, or written back with RXE and CE/LE under FCTRL.SBP', () => {
    const rx = new RxRing(R, b, mem);
    b.injectRxError('crc');
    expect(b.receiveFrame(toB(1))).toBe('bad-frame');
    b.injectRxError('length');
    expect(b.receiveFrame(toB(2))).toBe('bad-frame');
    expect(b.receiveFrame(toB(3))).toBe('delivered');
    expect(rx.status(0) & R.RXDADV_ERR_RXE).toBe(0);
    b.write32(R.FCTRL, b.read32(R.FCTRL) | R.FCTRL_SBP);
    b.write32(R.HLREG0, b.read32(R.HLREG0) & ~R.HLREG0_RXCRCSTRP);
    b.injectRxError('crc');
    expect(b.receiveFrame(toB(4))).toBe('delivered');
    expect((rx.status(1) & (R.RXDADV_ERR_RXE | R.RXDADV_ERR_CE | RXD_STAT_DD)) >>> 0).toBe((R.RXDADV_ERR_RXE | R.RXDADV_ERR_CE | RXD_STAT_DD) >>> 0);
    expect(crc32(rx.data(1))).not.toBe(0x2144df1c);
    b.injectRxError('length');
    expect(b.receiveFrame(toB(5))).toBe('delivered');
    expect((rx.status(2) & (R.RXDADV_ERR_RXE | R.RXDADV_ERR_LE)) >>> 0).toBe((R.RXDADV_ERR_RXE | R.RXDADV_ERR_LE) >>> 0);
    expect(b.read32(R.CRCERRS)).toBe(2);
    expect(b.read32(R.RLEC)).toBe(2);
  });

  it('checks 802.3 length fields with HLREG0.RXLNGTHERREN, padding to the minimum allowed', () => {
    new RxRing(R, b, mem);
    const llc = (field: number, length: number): Uint8Array => frameTo(b.mac, 1, length, field);
    expect(b.receiveFrame(llc(46, 60))).toBe('delivered');
    expect(b.receiveFrame(llc(10, 60))).toBe('delivered');
    expect(b.receiveFrame(llc(86, 100))).toBe('delivered');
    expect(b.receiveFrame(llc(90, 100))).toBe('bad-frame');
    expect(b.receiveFrame(llc(50, 100))).toBe('bad-frame');
    expect(b.read32(R.RLEC)).toBe(2);
    b.write32(R.HLREG0, b.read32(R.HLREG0) & ~R.HLREG0_RXLNGTHERREN);
    expect(b.receiveFrame(llc(90, 100))).toBe('delivered');
  });

});

describe('per-queue statistics and queue interrupts', () => {
  it('counts each queue in the statistics set RQSMR and TQSM map it to', () => {
    new ModelWire(a, b);
    enableTx(a);
    enableRx(b);
    const tx = new TxRing(R, a, mem, 6);
    // Queue 6 is byte 2 of TQSM(1); map it to set 9.
    a.write32(R.TQSM(1), 9 << 16);
    new RxRing(R, b, mem, 0);
    b.write32(R.RQSMR(0), 5);
    tx.send([toB(1, 100), toB(2, 200)]);
    expect(a.read32(R.QPTC(0))).toBe(0);
    expect(a.read32(R.QPTC(9))).toBe(2);
    expect(a.read32(R.QBTC_L(9))).toBe(300);
    expect(b.read32(R.QPRC(0))).toBe(0);
    expect(b.read32(R.QPRC(5))).toBe(2);
    expect(b.read32(R.QBRC_L(5))).toBe(300);
  });

  it('signals the rx queue\'s vector once per arming, as the NAPI loop arms it through EIMS', () => {
    new ModelWire(a, b);
    enableTx(a);
    enableRx(b);
    const tx = new TxRing(R, a, mem);
    new RxRing(R, b, mem, 2);
    b.write32(R.MRQC, R.MRQC_RSSEN | R.MRQC_RSS_FIELD_IPV4);
    for (let i = 0; i < 32; i++) b.write32(R.RETA + 4 * i, 0x02020202);
    const fd = eventfd(0, { nonblock: true });
    try {
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 3, [fd]);
      b.write32(R.GPIE, (R.GPIE_MSIX_MODE | R.GPIE_OCD | R.GPIE_EIAME | R.GPIE_PBA_SUPPORT) >>> 0);
      b.write32(R.EIAM_EX(0), 0xffffffff);
      b.write32(R.EIAC, R.EICR_RTX_QUEUE);
      // Rx of queue 2 (even) is byte 0 of IVAR(1): vector 3.
      b.write32(R.IVAR(1), 3 | R.IVAR_ALLOC_VAL);
      b.write32(R.EIMS, 1 << 3);
      const ip = (n: number): Uint8Array => {
        const f = toB(n, 64);
        f.set([0x08, 0x00, 0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 12);
        return f;
      };
      tx.send([ip(1), ip(2)]);
      expect(b.read32(R.RDH(2))).toBe(2);
      // One message for the burst: the first frame sent it and auto-masked the vector; the second one's cause waits.
      expect(eventfdRead(fd)).toBe(1);
      expect(b.read32(R.EIMS_EX(0)) & (1 << 3)).toBe(0);
      tx.send([ip(3)]);
      expect(eventfdRead(fd)).toBe(0);
      // Re-arming with a cause pending sends at once (the poll that re-arms must re-check).
      b.write32(R.EIMS, 1 << 3);
      expect(eventfdRead(fd)).toBe(1);
      // Re-arming with nothing pending waits for the next frame.
      b.write32(R.EIMS, 1 << 3);
      expect(eventfdRead(fd)).toBe(0);
      tx.send([ip(4)]);
      expect(eventfdRead(fd)).toBe(1);
      expect(b.read32(R.RDH(2))).toBe(4);
    } finally {
      closeFd(fd);
    }
  });
});
