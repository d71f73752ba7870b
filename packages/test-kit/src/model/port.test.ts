/**
 * What the 82576 and 82599 models share, tested on both: the transmit ring engine (gather
 * across descriptors and doorbells, RS write-back, padding, VLAN insertion), ports without
 * a link, DMA faults, surprise removal, bad arguments, and the bench and ring link.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MbufView, pktmbufPoolCreate } from '@nic/eal';
import { eventfd, eventfdRead, closeFd, NicError, VFIO } from '@nic/native';
import { pci, pciBackends, pciPmd, PCI_COMMAND, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY } from '@nic/pci/driver';
import '@nic/pci';
import { framePacket, harnessEal, packetBytes } from '../harness.js';
import { CHIPS, type AnyPort } from './__fixtures__/chips.js';
import { probeDriver } from './__fixtures__/probe.js';
import { CMD_DEXT, CMD_EOP, CMD_RS, CMD_VLE, DATA_CMD, DTYP_CTXT, frameTo, PAYLEN_SHIFT, BROADCAST, eerdRead, MDNS_MULTICAST, OTHER_UNICAST, RxRing, TEST_IOVA, TestMemory, TxRing, vlanFrame } from './__fixtures__/rings.js';
import { crc32 } from './crc.js';
import { RXD_STAT_DD, RXD_STAT_EOP, TXD_STAT_DD } from './descriptors.js';
import { GORCH, GORCL, GOTCL, GPRC, GPTC, RUC, TORL, TPR, TPT } from './mac-counters.js';
import { RingLink } from './ring-link.js';
import { ModelWire } from './wire.js';


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

  it('delivers frames in order over a wire with DD/EOP/length, advancing TDH and RDH, and counts them', () => {
    new ModelWire(a, b);
    chip.enableRx(b);
    const tx = new TxRing(R, a, mem);
    const rx = new RxRing(R, b, mem);
    const frames = Array.from({ length: 5 }, (_, i) => toB(i, 64 + i * 10));
    tx.send(frames);
    expect(a.read32(R.TDH(0))).toBe(5);
    expect(b.read32(R.RDH(0))).toBe(5);
    for (let i = 0; i < 5; i++) {
      expect(tx.status(i) & TXD_STAT_DD).toBe(TXD_STAT_DD);
      expect(rx.status(i) & (RXD_STAT_DD | RXD_STAT_EOP)).toBe(RXD_STAT_DD | RXD_STAT_EOP);
      expect(rx.length(i)).toBe(frames[i].length);
      expect(rx.data(i)).toEqual(frames[i]);
    }
    expect(rx.status(5)).toBe(0);
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    const withFcs = bytes + 5 * 4;
    expect([a.read32(GPTC), a.read32(TPT), a.read32(GOTCL)]).toEqual([5, 5, withFcs]);
    if (chip.totalTxOctets !== undefined) expect(a.read32(chip.totalTxOctets)).toBe(withFcs);
    expect([b.read32(GPRC), b.read32(TPR), b.read32(TORL)]).toEqual([5, 5, withFcs]);
    expect(b.read32(GORCL)).toBe(chip.gorcCountsStrippedFcs ? withFcs : bytes);
    expect(b.read32(GORCH)).toBe(0);
    expect(b.read32(GORCL)).toBe(0);
  });

  it('wraps both rings: frames keep flowing past the ring end as the driver re-arms and moves the tail', () => {
    new ModelWire(a, b);
    chip.enableRx(b);
    const tx = new TxRing(R, a, mem, 0, 8);
    const rx = new RxRing(R, b, mem, 0, 8);
    let n = 0;
    for (let round = 0; round < 5; round++) {
      const frames = Array.from({ length: 3 }, () => toB(n++ & 0xff));
      tx.send(frames);
      const head = b.read32(R.RDH(0));
      for (let k = 0; k < 3; k++) {
        const i = (head - 3 + k + 8) % 8;
        expect(rx.status(i) & RXD_STAT_DD).toBe(RXD_STAT_DD);
        expect(rx.data(i)).toEqual(frames[k]);
        rx.rearm(i);
      }
      b.write32(R.RDT(0), (head + 7) % 8);
    }
    expect(a.read32(R.TDH(0))).toBe(15 % 8);
    expect(b.read32(R.RDH(0))).toBe(15 % 8);
    expect(b.read32(GPRC)).toBe(15);
  });

  it('accepts its own address and broadcast, and filters other unicast and multicast addresses', () => {
    chip.enableRx(b);
    new RxRing(R, b, mem);
    expect(b.receiveFrame(frameTo(OTHER_UNICAST, 1))).toBe('filtered');
    expect(b.receiveFrame(frameTo(b.mac, 1))).toBe('delivered');
    expect(b.receiveFrame(frameTo(BROADCAST, 1))).toBe('delivered');
    expect(b.receiveFrame(frameTo(MDNS_MULTICAST, 1))).toBe('filtered');
    chip.enableRx(b, true);
    expect(b.receiveFrame(frameTo(OTHER_UNICAST, 1))).toBe('delivered');
  });

  it('writes only into the descriptors the device owns, from RDH up to RDT, RDT itself excluded', () => {
    chip.enableRx(b);
    const rx = new RxRing(R, b, mem, 0, 8);
    b.write32(R.RDT(0), 0);
    expect(b.receiveFrame(toB(1))).toBe('no-descriptors');
    expect(rx.status(0)).toBe(0);
    b.write32(R.RDT(0), 2);
    expect(b.receiveFrame(toB(2))).toBe('delivered');
    expect(b.receiveFrame(toB(3))).toBe('delivered');
    expect(b.receiveFrame(toB(4))).toBe('no-descriptors');
    expect(rx.status(2)).toBe(0);
    expect(b.read32(R.RDH(0))).toBe(2);
    expect(rx.data(1)).toEqual(toB(3));
  });

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

  it('sends nothing until transmit and the queue are on, then what the tail covers', () => {
    const out: Uint8Array[] = [];
    b.onTransmit((f) => out.push(f));
    const tx = new TxRing(R, b, mem);
    tx.send([toB(1)]);
    expect(b.read32(R.TDH(0))).toBe(0);
    chip.enableTx(b);
    b.write32(R.TXDCTL(0), 0);
    tx.doorbell();
    expect(out).toEqual([]);
    b.write32(R.TXDCTL(0), R.TXDCTL_ENABLE);
    tx.doorbell();
    expect(out).toHaveLength(1);
  });

  it('holds transmission while paused (tail writes wait, across a reset too) and sends what the queue holds on resume', () => {
    const tx = new TxRing(R, a, mem);
    a.pauseTransmit(true);
    expect(a.transmitPaused).toBe(true);
    tx.send([toB(1), toB(2)]);
    expect([a.read32(R.TDH(0)), sent.length, tx.status(0) & TXD_STAT_DD]).toEqual([0, 0, 0]);
    tx.send([toB(3)]);
    a.pauseTransmit(false);
    expect(a.read32(R.TDH(0))).toBe(3);
    expect(sent).toEqual([toB(1), toB(2), toB(3)]);
    expect(tx.status(2) & TXD_STAT_DD).toBe(TXD_STAT_DD);
    a.pauseTransmit(true);
    a.reset();
    expect(a.transmitPaused).toBe(true);
    expect(() => a.pauseTransmit(1 as unknown as boolean)).toThrow(TypeError);
  });

  it('appends the frame\'s real FCS when CRC stripping is off, and keeps it in the octet counters', () => {
    chip.enableRx(b);
    const rx = new RxRing(R, b, mem);
    chip.setCrcStrip(b, false);
    const frame = toB(7, 60);
    expect(b.receiveFrame(frame)).toBe('delivered');
    expect(rx.length(0)).toBe(64);
    const data = rx.data(0);
    expect(data.subarray(0, 60)).toEqual(frame);
    expect(new DataView(data.buffer).getUint32(60, true)).toBe(crc32(frame));
    expect(crc32(data)).toBe(0x2144df1c);
    expect(b.read32(GORCL)).toBe(64);
  });

  it('counts runts in RUC and drops them unless bad frames are stored', () => {
    chip.enableRx(b);
    new RxRing(R, b, mem);
    expect(b.receiveFrame(toB(1, 40))).toBe('undersize');
    chip.setStoreBad(b, true);
    expect(b.receiveFrame(toB(1, 40))).toBe('delivered');
    expect(b.read32(RUC)).toBe(2);
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
    expect(b.dma.lastFault).toMatch(/^rx buffer of queue 0, descriptor 0: \d+ bytes at IOVA 0x700000010 /);
    b.write32(R.RDBAL(0), 0x1000);
    expect(b.receiveFrame(toB(1))).toBe('dma-fault');
    const tx = new TxRing(R, a, mem);
    a.write32(R.TDBAH(0), 1);
    tx.send([toB(1)]);
    expect(a.read32(R.TDH(0))).toBe(0);
    expect(a.dma.faults).toBe(3);
    expect(TEST_IOVA).toBeGreaterThan(0);
  });

  it('breaks and repairs the NVM checksum on demand, and reports DONE in EERD only for START inside the image', () => {
    const good = eerdRead(a, chip.eerd, 0x3f);
    a.corruptEepromChecksum();
    expect(eerdRead(a, chip.eerd, 0x3f)).not.toBe(good);
    a.corruptEepromChecksum(false);
    expect(eerdRead(a, chip.eerd, 0x3f)).toBe(good);
    expect(a.eepromWord(0x3f)).toBe(good);
    a.write32(chip.eerd, 1 << 2);
    expect(a.read32(chip.eerd) & 0x2).toBe(0);
    a.write32(chip.eerd, (0x3fff << 2) | 1);
    expect(a.read32(chip.eerd) & 0x2).toBe(0);
    expect(eerdRead(a, chip.eerd, 1)).toBe(a.eepromWord(1));
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

  it('sends vector 0 as MSI when no MSI-X vector is bound, else as INTx, automasked until the unmask (a cause while masked follows it)', () => {
    const [msix, msi, intx] = [eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true })];
    try {
      chip.enableLsc(b);
      b.setIrqs(VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, [intx]);
      b.setIrqs(VFIO.VFIO_PCI_MSI_IRQ_INDEX, 0, [msi]);
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [msix]);
      // Each link change raises LSC; the handler clears the causes after each.
      const change = (up: boolean): void => {
        b.setLink(up);
        chip.clearCauses(b);
      };
      change(false);
      expect([eventfdRead(msix), eventfdRead(msi), eventfdRead(intx)]).toEqual([1, 0, 0]);
      b.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'disable');
      change(true);
      expect([eventfdRead(msix), eventfdRead(msi), eventfdRead(intx)]).toEqual([0, 1, 0]);
      b.setIrqs(VFIO.VFIO_PCI_MSI_IRQ_INDEX, 0, 'disable');
      change(false);
      change(true);
      // The first cause masked INTx: the second waits for the unmask.
      expect([eventfdRead(msi), eventfdRead(intx)]).toEqual([0, 1]);
      b.setIrqs(VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, 'unmask');
      expect(eventfdRead(intx)).toBe(1);
      b.setIrqs(VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, 'unmask');
      expect(eventfdRead(intx)).toBe(0);
      b.setIrqs(VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, 'mask');
      change(false);
      expect(eventfdRead(intx)).toBe(0);
      b.setIrqs(VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, 'unmask');
      expect(eventfdRead(intx)).toBe(1);
    } finally {
      for (const fd of [msix, msi, intx]) closeFd(fd);
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
      () => a.setIrqs(VFIO.VFIO_PCI_ERR_IRQ_INDEX, 0, [1]),
      () => a.setIrqs(VFIO.VFIO_PCI_MSI_IRQ_INDEX, 0, [1, 2]),
      () => a.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'mask'),
      () => a.setIrqs(VFIO.VFIO_PCI_MSI_IRQ_INDEX, 0, 'unmask'),
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
    expect(() => new ModelWire(a, a)).toThrow(TypeError);
    expect(() => new ModelWire(a, {} as never)).toThrow(TypeError);
    expect(() => new RingLink({} as never, {} as never)).toThrow(TypeError);
  });
});

describe.each(CHIPS)('the $name bench and ring link', (chip) => {
  it('scans the fake devices, maps the register BAR onto the model and the MSI-X BAR, and gives VFIO MSI-X facts', async () => {
    const bench = await chip.bench({ ports: 2 });
    try {
      const { driver, seen } = probeDriver(bench.models[0].pci.deviceId, chip.status);
      const eal = await bench.init(['-a', bench.addresses[1]], { drivers: [pciPmd(driver)] });
      const bus = pci(eal);
      expect(bus.devices().map((d) => d.name)).toEqual(bench.addresses);
      expect(seen).toHaveLength(1);
      const { dev, regs, value } = seen[0];
      expect(dev.name).toBe(bench.addresses[1]);
      expect(bus.device(bench.addresses[1])).toBe(dev);
      expect(regs).toBe(bench.models[1]);
      expect(value & chip.statusUp).toBe(chip.statusUp);
      expect(regs.read32(chip.linkRegister) & chip.linkUpBit).toBe(chip.linkUpBit);
      expect(dev.bar(0)?.u32).toBe(bench.models[1].u32);
      expect(dev.bar(chip.msixBar)?.length).toBe(16 * 1024);
      expect(dev.intr).toMatchObject({ kind: 'vfio_msix', deviceFd: -1, nbVectors: chip.vectors });
      expect(dev.config.readU16(PCI_COMMAND) & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)).toBe(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    } finally {
      await bench.close();
    }
  });

  it('raises LSC on the bound vector-0 eventfd and the removal request on reqFd', async () => {
    const bench = await chip.bench({ ports: 1 });
    try {
      const { driver, seen } = probeDriver(bench.models[0].pci.deviceId, chip.status);
      await bench.init(['-a', bench.addresses[0]], { drivers: [pciPmd(driver)] });
      const intr = seen[0].dev.intr;
      if (!intr?.setIrqs || intr.reqFd === undefined) throw new Error('no interrupt facts');
      intr.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [intr.fd]);
      intr.setIrqs(VFIO.VFIO_PCI_REQ_IRQ_INDEX, 0, [intr.reqFd]);
      const model = bench.models[0];
      chip.enableLsc(model);
      model.setLink(false);
      expect(eventfdRead(intr.fd)).toBe(1);
      model.surpriseRemove();
      expect(eventfdRead(intr.reqFd)).toBe(1);
      expect(seen[0].regs.read32(chip.status)).toBe(0xffffffff);
    } finally {
      await bench.close();
    }
  });

  it('lets two wired ports DMA into the EAL arena through the windows the bus mapped', async () => {
    const bench = await chip.bench({ ports: 2, wire: true });
    try {
      const R = chip.R;
      const [a, b] = bench.models;
      const { driver } = probeDriver(a.pci.deviceId, chip.status);
      const { arena } = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]], { drivers: [pciPmd(driver)] });
      // One tx and one rx descriptor and a buffer each, in a scratch zone at the arena's end.
      const base = arena.size - 64 * 1024;
      const frame = frameTo(b.mac, 5, 100);
      arena.u8.set(frame, base + 4096);
      const txd = base >>> 2;
      arena.u32.set([arena.iova(base + 4096) % 2 ** 32, Math.floor(arena.iova(base + 4096) / 2 ** 32), DATA_CMD | frame.length, frame.length << PAYLEN_SHIFT], txd);
      const rxd = (base + 1024) >>> 2;
      arena.u32.set([arena.iova(base + 8192) % 2 ** 32, Math.floor(arena.iova(base + 8192) / 2 ** 32), 0, 0], rxd);
      for (const [m, lo, hi, len, at] of [[a, R.TDBAL(0), R.TDBAH(0), R.TDLEN(0), base], [b, R.RDBAL(0), R.RDBAH(0), R.RDLEN(0), base + 1024]] as const) {
        m.write32(lo, arena.iova(at) % 2 ** 32);
        m.write32(hi, Math.floor(arena.iova(at) / 2 ** 32));
        m.write32(len, 8 * 16);
      }
      b.write32(R.SRRCTL(0), R.SRRCTL_DESCTYPE_ADV_ONEBUF | (2048 >> R.SRRCTL_BSIZEPKT_SHIFT));
      b.write32(R.RXDCTL(0), R.RXDCTL_ENABLE);
      chip.enableRx(b);
      b.write32(R.RDT(0), 7);
      chip.enableTx(a);
      a.write32(R.TXDCTL(0), R.TXDCTL_ENABLE);
      a.write32(R.TDT(0), 1);
      expect(bench.wire?.lastOutcome).toBe('delivered');
      expect(arena.u32[rxd + 2] & RXD_STAT_DD).toBe(RXD_STAT_DD);
      expect(arena.u8.slice(base + 8192, base + 8192 + frame.length)).toEqual(frame);
      expect(a.dma.faults).toBe(0);
    } finally {
      await bench.close();
    }
  });

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
