import { afterEach, describe, expect, it } from 'vitest';
import { eventfdRead, VFIO } from '@nic/native';
import { until } from '@nic/native/testing';
import { EEPROM_CHECKSUM_WORD, EEPROM_SUM } from './eeprom.js';
import { IgbModel } from './model.js';
import { IgbRingLink } from './ring-link.js';
import { IgbWire } from './wire.js';
import { BMCR_ANRESTART, BMCR_AUTOEN, BMCR_PDOWN, BMCR_RESET, BMSR_AN_COMP, BMSR_LINK_ST, PHY_BMCR, PHY_BMSR, PHY_ID1, PHY_ID2 } from './phy.js';
import * as R from './regs.js';
import { Eventfds, eerdRead } from '../model/__fixtures__/rings.js';

const fds = new Eventfds();
afterEach(() => fds.closeAll());
const nonblockingEventfd = (): number => fds.make();

/** Reads NVM word `addr` through EERD. */
const eerd = (model: IgbModel, addr: number): number => eerdRead(model, R.EERD, addr);

/** One MDIC transaction; returns the MDIC value after it. */
function mdic(model: IgbModel, op: number, reg: number, data = 0, phy = 1): number {
  model.write32(R.MDIC, (op | (phy << R.MDIC_PHY_SHIFT) | (reg << R.MDIC_REG_SHIFT) | data) >>> 0);
  return model.read32(R.MDIC);
}

function phyRead(model: IgbModel, reg: number): number {
  const v = mdic(model, R.MDIC_OP_READ, reg);
  expect(v & (R.MDIC_READY | R.MDIC_ERROR)).toBe(R.MDIC_READY);
  return v & R.MDIC_DATA_MASK;
}

describe('reset and identity', () => {
  it('powers on with the EEPROM MAC in RAL0/RAH0, EECD present and auto-read, STATUS initialised', () => {
    const model = new IgbModel({ mac: '00:1b:21:0a:0b:0c' });
    expect(model.read32(R.RAL(0))).toBe(0x0a211b00);
    expect(model.read32(R.RAH(0))).toBe((R.RAH_AV | 0x0c0b) >>> 0);
    const eecd = model.read32(R.EECD);
    expect(eecd & (R.EECD_PRES | R.EECD_AUTO_RD)).toBe(R.EECD_PRES | R.EECD_AUTO_RD);
    expect(model.read32(R.EEMNGCTL) & R.EEMNGCTL_CFG_DONE_PORT_0).toBe(R.EEMNGCTL_CFG_DONE_PORT_0);
    const status = model.read32(R.STATUS);
    expect(status & R.STATUS_LAN_INIT_DONE).toBe(R.STATUS_LAN_INIT_DONE);
    expect(status & (R.STATUS_LU | R.STATUS_FD | R.STATUS_SPEED_1000)).toBe(R.STATUS_LU | R.STATUS_FD | R.STATUS_SPEED_1000);
    expect(model.u32[R.STATUS >>> 2]).toBe(status);
  });

  it.each([['RST', R.CTRL_RST], ['DEV_RST', R.CTRL_DEV_RST]])('CTRL.%s self-clears and restores defaults', (_, bit) => {
    const model = new IgbModel();
    model.write32(R.RCTL, R.RCTL_EN | R.RCTL_UPE);
    model.write32(R.RAL(0), 0x12345678);
    model.write32(R.IMS, R.ICR_LSC);
    model.write32(R.MTA + 8, 0xffff);
    model.write32(R.CTRL, (model.read32(R.CTRL) | bit) >>> 0);
    expect(model.read32(R.CTRL) & bit).toBe(0);
    expect(model.read32(R.RCTL)).toBe(0);
    expect(model.read32(R.IMS)).toBe(0);
    expect(model.read32(R.MTA + 8)).toBe(0);
    expect(model.read32(R.RAL(0))).toBe(new IgbModel({ mac: model.mac }).read32(R.RAL(0)));
    expect(model.read32(R.TCTL)).toBe(R.TCTL_PSP);
    expect(model.read32(R.VET)).toBe(R.VET_DEFAULT);
  });

  it('reflects CTRL.GIO_MASTER_DISABLE in STATUS, ignores STATUS writes and keeps EECD read-only bits', () => {
    const model = new IgbModel();
    model.write32(R.CTRL, model.read32(R.CTRL) | R.CTRL_GIO_MASTER_DISABLE);
    expect(model.read32(R.STATUS) & R.STATUS_GIO_MASTER_ENABLE).toBe(0);
    model.write32(R.CTRL, model.read32(R.CTRL) & ~R.CTRL_GIO_MASTER_DISABLE);
    expect(model.read32(R.STATUS) & R.STATUS_GIO_MASTER_ENABLE).toBe(R.STATUS_GIO_MASTER_ENABLE);
    model.write32(R.STATUS, 0);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(R.STATUS_LU);
    model.write32(R.EECD, 0);
    expect(model.read32(R.EECD) & R.EECD_PRES).toBe(R.EECD_PRES);
  });

  it('reads unimplemented registers as 0 and sets SWSM.SMBI when SWSM is read', () => {
    const model = new IgbModel();
    expect(model.read32(0x1fffc)).toBe(0);
    expect(model.read32(R.SWSM) & R.SWSM_SMBI).toBe(0);
    expect(model.read32(R.SWSM) & R.SWSM_SMBI).toBe(R.SWSM_SMBI);
    model.write32(R.SWSM, 0);
    expect(model.read32(R.SWSM) & R.SWSM_SMBI).toBe(0);
  });

  it('folds the 0xC000/0xE000 windows of queues 0-3 onto their registers', () => {
    const model = new IgbModel();
    model.write32(R.RX_QUEUE_ALIAS + 1 * R.QUEUE_ALIAS_STRIDE + 0x08, 4096);
    expect(model.read32(R.RDLEN(1))).toBe(4096);
    model.write32(R.TDLEN(2), 8192);
    expect(model.read32(R.TX_QUEUE_ALIAS + 2 * R.QUEUE_ALIAS_STRIDE + 0x08)).toBe(8192);
    model.write32(R.RDBAL(5), 0x12345);
    expect(model.read32(R.RDBAL(5))).toBe(0x12300);
  });
});

describe('EEPROM', () => {
  it('reads the MAC in words 0-2 and a checksum making words 0-0x3F sum to 0xBABA', () => {
    const model = new IgbModel({ mac: Uint8Array.of(0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c) });
    expect([eerd(model, 0), eerd(model, 1), eerd(model, 2)]).toEqual([0x1b00, 0x0a21, 0x0c0b]);
    let sum = 0;
    for (let i = 0; i <= EEPROM_CHECKSUM_WORD; i++) sum = (sum + eerd(model, i)) & 0xffff;
    expect(sum).toBe(EEPROM_SUM);
    expect(eerd(model, 0x0d)).toBe(0x10c9);
  });

});

describe('PHY through MDIC', () => {
  it('reads the 82576 PHY id and link state with READY', () => {
    const model = new IgbModel();
    expect(((phyRead(model, PHY_ID1) << 16) | phyRead(model, PHY_ID2)) >>> 0).toBe(0x02a80391);
    expect(phyRead(model, PHY_BMSR) & (BMSR_LINK_ST | BMSR_AN_COMP)).toBe(BMSR_LINK_ST | BMSR_AN_COMP);
  });

  it('sets ERROR for another PHY address, an unknown register, or a write to a read-only one', () => {
    const model = new IgbModel();
    expect(mdic(model, R.MDIC_OP_READ, PHY_BMCR, 0, 2) & R.MDIC_ERROR).toBe(R.MDIC_ERROR);
    expect(mdic(model, R.MDIC_OP_READ, 0x1e) & R.MDIC_ERROR).toBe(R.MDIC_ERROR);
    expect(mdic(model, R.MDIC_OP_WRITE, PHY_BMSR, 0) & R.MDIC_ERROR).toBe(R.MDIC_ERROR);
    expect(mdic(model, R.MDIC_OP_READ, PHY_BMCR) & (R.MDIC_READY | R.MDIC_ERROR)).toBe(R.MDIC_READY);
  });

  it('powers the PHY down and up (link follows), self-clears reset and autoneg restart', () => {
    const model = new IgbModel();
    const bmcr = phyRead(model, PHY_BMCR);
    expect(mdic(model, R.MDIC_OP_WRITE, PHY_BMCR, bmcr | BMCR_PDOWN) & R.MDIC_ERROR).toBe(0);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(0);
    expect(phyRead(model, PHY_BMSR) & BMSR_LINK_ST).toBe(0);
    mdic(model, R.MDIC_OP_WRITE, PHY_BMCR, bmcr | BMCR_ANRESTART);
    expect(phyRead(model, PHY_BMCR) & (BMCR_ANRESTART | BMCR_PDOWN)).toBe(0);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(R.STATUS_LU);
    mdic(model, R.MDIC_OP_WRITE, PHY_BMCR, BMCR_PDOWN);
    mdic(model, R.MDIC_OP_WRITE, PHY_BMCR, BMCR_RESET);
    expect(phyRead(model, PHY_BMCR)).toBe(bmcr);
    expect(phyRead(model, PHY_BMCR) & BMCR_AUTOEN).toBe(BMCR_AUTOEN);
  });

  it('with autonegMs, drops the link silently at a restart of autonegotiation and brings it back after that long with LSC', async () => {
    const model = new IgbModel({ autonegMs: 50 });
    model.write32(R.IMC, 0xffffffff);
    model.read32(R.ICR);
    const bmcr = phyRead(model, PHY_BMCR);
    const restarted = Date.now();
    mdic(model, R.MDIC_OP_WRITE, PHY_BMCR, bmcr | BMCR_ANRESTART);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(0);
    expect(phyRead(model, PHY_BMSR) & (BMSR_LINK_ST | BMSR_AN_COMP)).toBe(0);
    expect(model.read32(R.ICR) & R.ICR_LSC).toBe(0);
    // A CTRL write meanwhile (a driver setting SLU) does not end it.
    model.write32(R.CTRL, model.read32(R.CTRL) | R.CTRL_SLU);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(0);
    await until('the restarted autonegotiation to end', () => (model.read32(R.STATUS) & R.STATUS_LU) !== 0);
    expect(Date.now() - restarted).toBeGreaterThanOrEqual(45);
    expect(phyRead(model, PHY_BMSR) & (BMSR_LINK_ST | BMSR_AN_COMP)).toBe(BMSR_LINK_ST | BMSR_AN_COMP);
    expect(model.read32(R.ICR) & R.ICR_LSC).toBe(R.ICR_LSC);
    // A device reset ends a restart under way: the link is up at once, and stays.
    mdic(model, R.MDIC_OP_WRITE, PHY_BMCR, bmcr | BMCR_ANRESTART);
    model.write32(R.CTRL, R.CTRL_RST);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(R.STATUS_LU);
    expect(() => new IgbModel({ autonegMs: -1 })).toThrow(TypeError);
  });

  it('needs CTRL.SLU for the link when autonegotiation is off', () => {
    const model = new IgbModel();
    mdic(model, R.MDIC_OP_WRITE, PHY_BMCR, 0);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(0);
    model.write32(R.CTRL, model.read32(R.CTRL) | R.CTRL_SLU);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(R.STATUS_LU);
  });
});

describe('link and interrupts', () => {
  /** MSI-X as DPDK's igb programs it: misc vector 0, rx queue 0 on vector 1. */
  function msixSetup(model: IgbModel): number[] {
    const vectors = [nonblockingEventfd(), nonblockingEventfd()];
    model.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, vectors);
    model.write32(R.GPIE, (R.GPIE_MSIX_MODE | R.GPIE_PBA | R.GPIE_EIAME | R.GPIE_NSICR) >>> 0);
    model.write32(R.EIAC, 0b11);
    model.write32(R.IVAR_MISC, (0 | R.IVAR_VALID) << R.IVAR_MISC_OTHER_SHIFT);
    model.write32(R.IVAR0, 1 | R.IVAR_VALID);
    model.write32(R.EIMS, 0b11);
    model.write32(R.IMS, R.ICR_LSC);
    return vectors;
  }

  it('raises ICR.LSC and the misc vector on a link flap, and ICR reads clear it', () => {
    const model = new IgbModel();
    const [misc, rxq] = msixSetup(model);
    model.setLink(false);
    expect(model.cable).toBe(false);
    expect(model.linkUp).toBe(false);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(0);
    expect(phyRead(model, PHY_BMSR) & BMSR_LINK_ST).toBe(0);
    expect(eventfdRead(misc)).toBe(1);
    expect(eventfdRead(rxq)).toBe(0);
    // EIAC auto-cleared the vector's EICR bit when the message went out.
    expect(model.u32[R.EICR >>> 2]).toBe(0);
    expect(model.read32(R.ICR) & R.ICR_LSC).toBe(R.ICR_LSC);
    expect(model.read32(R.ICR)).toBe(0);
    model.setLink(true);
    expect(eventfdRead(misc)).toBe(1);
    expect(model.read32(R.STATUS) & R.STATUS_LU).toBe(R.STATUS_LU);
    model.setLink(true);
    expect(eventfdRead(misc)).toBe(0);
  });

  it('holds an LSC while the vector is masked and fires when EIMS unmasks it', () => {
    const model = new IgbModel();
    const [misc] = msixSetup(model);
    model.write32(R.EIMC, 0b1);
    model.setLink(false);
    expect(eventfdRead(misc)).toBe(0);
    expect(model.u32[R.EICR >>> 2] & 0b1).toBe(0b1);
    model.write32(R.EIMS, 0b1);
    expect(eventfdRead(misc)).toBe(1);
  });

  it('does not fire for a cause IMS masks, and fires when IMS enables it', () => {
    const model = new IgbModel();
    const [misc] = msixSetup(model);
    model.write32(R.IMC, R.ICR_LSC);
    model.setLink(false);
    expect(eventfdRead(misc)).toBe(0);
    model.write32(R.IMS, R.ICR_LSC);
    expect(eventfdRead(misc)).toBe(1);
  });

  it('auto-masks with EIAM when GPIE.EIAME is set, and EICS fires a vector', () => {
    const model = new IgbModel();
    const [misc, rxq] = msixSetup(model);
    model.write32(R.EIAM, 0b10);
    model.write32(R.EICS, 0b10);
    expect(eventfdRead(rxq)).toBe(1);
    expect(model.read32(R.EIMS)).toBe(0b01);
    model.write32(R.EICS, 0b10);
    expect(eventfdRead(rxq)).toBe(0);
    expect(eventfdRead(misc)).toBe(0);
  });

  it('keeps EICR bits without EIAC until read or written to clear', () => {
    const model = new IgbModel();
    msixSetup(model);
    model.write32(R.EIAC, 0);
    model.write32(R.EICS, 0b10);
    model.write32(R.EICR, 0b10);
    expect(model.u32[R.EICR >>> 2]).toBe(0);
    model.write32(R.EICS, 0b10);
    expect(model.read32(R.EICR)).toBe(0b10);
    expect(model.read32(R.EICR)).toBe(0);
  });

  it('fires vector 0 for an enabled cause without MSI-X mode, and ICS sets causes', () => {
    const model = new IgbModel();
    const fd = nonblockingEventfd();
    model.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [fd]);
    model.write32(R.IMS, R.ICR_LSC);
    model.write32(R.ICS, R.ICR_LSC);
    expect(eventfdRead(fd)).toBe(1);
    expect(model.read32(R.ICR)).toBe(R.ICR_LSC);
    expect(model.read32(R.ICR)).toBe(0);
  });

});

describe('statistics', () => {
  it('clears counters on read and the 64-bit octet pairs when the high dword is read', () => {
    const model = new IgbModel();
    model.u32[R.MPC >>> 2] = 7;
    model.u32[R.GORCL >>> 2] = 0x10;
    model.u32[R.GORCH >>> 2] = 0x2;
    expect(model.read32(R.MPC)).toBe(7);
    expect(model.read32(R.MPC)).toBe(0);
    expect(model.read32(R.GORCL)).toBe(0x10);
    expect(model.read32(R.GORCL)).toBe(0x10);
    expect(model.read32(R.GORCH)).toBe(0x2);
    expect(model.read32(R.GORCL)).toBe(0);
    expect(model.read32(R.GORCH)).toBe(0);
    model.write32(R.GPRC, 5);
    expect(model.read32(R.GPRC)).toBe(0);
  });
});

describe('82576-only joins', () => {
  it('IgbWire and IgbRingLink take 82576 ports only, and a wire not one port twice', () => {
    const model = new IgbModel();
    const other = { receiveFrame: () => 'delivered', onTransmit: () => () => undefined, setLink: () => undefined };
    expect(() => new IgbWire(model, other as never)).toThrow(TypeError);
    expect(() => new IgbWire(model, model)).toThrow(TypeError);
    expect(() => new IgbRingLink(other as never, {} as never)).toThrow(TypeError);
    expect(new IgbWire(model, new IgbModel()).a).toBe(model);
  });
});
