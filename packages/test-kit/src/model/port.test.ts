/**
 * What the 82576 and 82599 models share, tested on both: the transmit ring engine (gather
 * across descriptors and doorbells, RS write-back, padding, VLAN insertion), ports without
 * a link, DMA faults, surprise removal, bad arguments, and the bench and ring link.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MbufView, pktmbufPoolCreate } from '@nic/eal';
import { eventfd, eventfdRead, closeFd, NicError, VFIO } from '@nic/native';
import { pciBackends } from '@nic/pci/driver';
import { framePacket, harnessEal, packetBytes } from '../harness.js';
import { CHIPS, type AnyPort } from './__fixtures__/chips.js';
import { CMD_DEXT, CMD_EOP, CMD_RS, CMD_VLE, DATA_CMD, DTYP_CTXT, frameTo, PAYLEN_SHIFT, RxRing, TEST_IOVA, TestMemory, TxRing } from './__fixtures__/rings.js';
import { TXD_STAT_DD } from './descriptors.js';
import { RingLink } from './ring-link.js';

/** `frame` with an 802.1Q tag (TCI `tci`, TPID `tpid`) after the addresses. */
function vlanFrame(frame: Uint8Array, tci: number, tpid = 0x8100): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12));
  out.set([tpid >> 8, tpid & 0xff, tci >> 8, tci & 0xff], 12);
  out.set(frame.subarray(12), 16);
  return out;
}

describe.each(CHIPS)('the $name model', (chip) => {
  const R = chip.R;
  let a: AnyPort;
  let b: AnyPort;
  let mem: TestMemory;
  let sent: Uint8Array[];

  beforeEach(() => {
    a = chip.create({ mac: '02:00:00:00:00:0a' });
    b = chip.create({ mac: '02:00:00:00:00:0b', dma: a.dma });
    mem = new TestMemory([a, b]);
    sent = [];
    a.onTransmit((f) => sent.push(f));
    chip.enableTx(a);
  });

  afterEach(() => mem.release());

  const toB = (tag: number, length = 64): Uint8Array => frameTo(b.mac, tag, length);

  it('gathers a packet across descriptors and doorbells, writing DD only where RS is set', () => {
    const tx = new TxRing(R, a, mem);
    const frame = toB(9, 100);
    tx.put(frame.subarray(0, 30), DATA_CMD & ~(CMD_EOP | CMD_RS), frame.length << PAYLEN_SHIFT);
    tx.doorbell();
    expect(sent).toEqual([]);
    expect(a.read32(R.TDH(0))).toBe(1);
    tx.put(frame.subarray(30), DATA_CMD);
    tx.doorbell();
    expect(sent).toEqual([frame]);
    expect(tx.status(0) & TXD_STAT_DD).toBe(0);
    expect(tx.status(1) & TXD_STAT_DD).toBe(TXD_STAT_DD);
  });

  it('pads short frames to 60 bytes while padding is on, and sends them as they are without it', () => {
    const tx = new TxRing(R, a, mem);
    const short = toB(1, 42);
    tx.send([short]);
    chip.setPadding(a, false);
    tx.send([short]);
    expect(sent.map((f) => f.length)).toEqual([60, 42]);
    expect(sent[0].subarray(0, 42)).toEqual(short);
    expect(sent[0].subarray(42)).toEqual(new Uint8Array(18));
  });

  it('inserts the VLAN tag of the context descriptor (advanced) or of the descriptor (legacy) with VLE', () => {
    const tx = new TxRing(R, a, mem);
    const frame = toB(3, 80);
    tx.putRaw([0x0123 << 16, 0, DTYP_CTXT | CMD_DEXT, 0]);
    tx.put(frame, DATA_CMD | CMD_VLE, frame.length << PAYLEN_SHIFT);
    tx.doorbell();
    expect(sent[0]).toEqual(vlanFrame(frame, 0x0123));
    chip.setTxTpid(a, 0x88a8);
    tx.put(frame, (CMD_RS | CMD_EOP | CMD_VLE) >>> 0, 0x0456 << 16);
    tx.doorbell();
    expect(sent[1]).toEqual(vlanFrame(frame, 0x0456, 0x88a8));
  });

  it('drops what a port sends while its link is down, still writing the descriptors back', () => {
    const tx = new TxRing(R, a, mem);
    a.setLink(false);
    expect(a.cable).toBe(false);
    expect(a.linkUp).toBe(false);
    tx.send([toB(1)]);
    expect(sent).toEqual([]);
    expect(tx.status(0) & TXD_STAT_DD).toBe(TXD_STAT_DD);
    expect(b.receiveFrame(toB(2))).toBe('rx-disabled');
    b.setLink(false);
    expect(b.receiveFrame(toB(2))).toBe('no-link');
  });

  it('counts a descriptor or buffer at an unmapped IOVA without throwing', () => {
    chip.enableRx(b);
    const rx = new RxRing(R, b, mem);
    const d = rx.descs >>> 2;
    mem.u32[d] = 0x10;
    mem.u32[d + 1] = 0x7;
    expect(b.receiveFrame(toB(1))).toBe('dma-fault');
    expect(b.dma.faults).toBe(1);
    expect(b.dma.lastFault).toMatch(/rx queue 0 buffer.*0x700000010 /);
    b.write32(R.RDBAL(0), 0x1000);
    expect(b.receiveFrame(toB(1))).toBe('dma-fault');
    const tx = new TxRing(R, a, mem);
    a.write32(R.TDBAH(0), 1);
    tx.send([toB(1)]);
    expect(a.read32(R.TDH(0))).toBe(0);
    expect(a.dma.faults).toBe(3);
    expect(TEST_IOVA).toBeGreaterThan(0);
  });

  it('reads all ones after a surprise removal, ignores writes, signals the removal request once and takes no frames', () => {
    const req = eventfd(0, { nonblock: true });
    try {
      b.setIrqs(VFIO.VFIO_PCI_REQ_IRQ_INDEX, 0, [req]);
      b.surpriseRemove();
      expect(eventfdRead(req)).toBe(1);
      expect(b.read32(chip.status)).toBe(0xffffffff);
      expect(b.u32[0]).toBe(0xffffffff);
      b.write32(0, 0);
      b.reset();
      expect(b.read32(0)).toBe(0xffffffff);
      expect(b.removed).toBe(true);
      expect(b.linkUp).toBe(false);
      expect(b.receiveFrame(toB(1))).toBe('removed');
      b.surpriseRemove();
      expect(eventfdRead(req)).toBe(0);
    } finally {
      closeFd(req);
    }
  });

  it('unbinds vectors with -1 and with disable', () => {
    const fd = eventfd(0, { nonblock: true });
    try {
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, chip.vectors - 1, [fd]);
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, chip.vectors - 1, [-1]);
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [fd]);
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'disable');
      expect(() => b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, chip.vectors - 1, [fd, fd])).toThrow(NicError);
    } finally {
      closeFd(fd);
    }
  });

  it('rejects register offsets that are not aligned offsets in the register BAR with TypeError', () => {
    for (const offset of [-4, 2, 0x20000, 1.5, Number.NaN]) {
      expect(() => a.read32(offset)).toThrow(TypeError);
      expect(() => a.write32(offset, 0)).toThrow(TypeError);
    }
    expect(() => a.write32(0, 'x' as unknown as number)).toThrow(TypeError);
  });

  it('rejects bad frames, MACs, errors and interrupt requests with NicError, wrong types with TypeError', () => {
    const bad: (() => unknown)[] = [
      () => a.receiveFrame(new Uint8Array(13)),
      () => a.receiveFrame(new Uint8Array(16384)),
      () => chip.create({ mac: '00:11:22' }),
      () => chip.create({ mac: new Uint8Array(5) }),
      () => a.injectRxError('parity' as never),
      () => a.setIrqs(VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, [1]),
      () => a.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'mask'),
      () => a.eepromWord(-1),
      () => a.eepromWord(1 << 16),
    ];
    for (const c of bad) expect(c).toThrow(NicError);
    expect(() => a.receiveFrame([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => a.setLink(1 as unknown as boolean)).toThrow(TypeError);
    expect(() => a.onTransmit(undefined as unknown as () => void)).toThrow(TypeError);
    expect(() => a.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [1.5])).toThrow(TypeError);
    expect(() => a.corruptEepromChecksum(1 as unknown as boolean)).toThrow(TypeError);
    expect(() => chip.create({ dma: {} as never })).toThrow(TypeError);
    expect(() => chip.create(null as never)).toThrow(TypeError);
  });
});

describe.each(CHIPS)('the $name bench and ring link', (chip) => {
  it('unregisters, removes the tree and restores the environment on close; rejects bad options', async () => {
    const before = process.env.SYSFS_PCI_DEVICES;
    const own = await chip.bench({ ports: 1 });
    expect(pciBackends()).toContain(own.backend);
    expect(process.env.SYSFS_PCI_DEVICES).toBe(own.backend.sysfs.devicesPath);
    await own.close();
    expect(pciBackends()).not.toContain(own.backend);
    expect(process.env.SYSFS_PCI_DEVICES).toBe(before);
    await expect(chip.bench({ ports: 0 })).rejects.toThrow(NicError);
    await expect(chip.bench({ ports: 17 })).rejects.toThrow(NicError);
    await expect(chip.bench({ ports: 1, wire: true })).rejects.toThrow(NicError);
    await expect(chip.bench(null as never)).rejects.toThrow(TypeError);
  });

  it('copies transmitted frames into mbufs on the ring and pumps ring packets into receive', async () => {
    const eal = await harnessEal(`${chip.name}-ring-link`, []);
    const model = chip.create({ mac: '02:00:00:00:00:0c' });
    const mem = new TestMemory([model]);
    try {
      const pool = pktmbufPoolCreate(eal.arena, `link_pool_${chip.name}`, 63);
      const link = new RingLink(model, { eal, pool, name: `link${chip.name}` });
      chip.enableTx(model);
      chip.enableRx(model);
      const tx = new TxRing(chip.R, model, mem);
      const rx = new RxRing(chip.R, model, mem);
      const out = frameTo(Uint8Array.of(2, 0, 0, 0, 0, 0x99), 1, 90);
      tx.send([out]);
      expect(link.toRing.count()).toBe(1);
      const h = link.toRing.dequeue();
      expect(packetBytes(eal, h)).toEqual(out);
      new MbufView(eal.arena).free(h);
      const back = frameTo(model.mac, 2, 70);
      expect(link.fromRing.enqueue(framePacket(eal, pool, back))).toBe(0);
      expect(link.pump()).toBe(1);
      expect(rx.data(0)).toEqual(back);
      tx.send([out]);
      link.close();
      expect(pool.availCount()).toBe(63);
      expect(link.dropped).toBe(0);
    } finally {
      mem.release();
      await eal.cleanup();
    }
  });
});
