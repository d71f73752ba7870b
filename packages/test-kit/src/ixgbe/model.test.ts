import { afterEach, describe, expect, it } from 'vitest';
import { eventfdRead, NicError, VFIO } from '@nic/native';
import { I2cController } from './__fixtures__/rings.js';
import { EEPROM_CHECKSUM_WORD, EEPROM_SUM, EEPROM_WORDS, FW_PATCH_CONFIG_PTR, FW_PATCH_VERSION, NVM_CORE0_PTR, NVM_FW_PTR, NVM_SFP_INIT_LIST_PTR, SFP_TYPE_SRLR_CORE0 } from './eeprom.js';
import { IxgbeModel } from './model.js';
import * as R from './regs.js';
import { Eventfds, eerdRead } from '../model/__fixtures__/rings.js';

const fds = new Eventfds();
afterEach(() => fds.closeAll());
const nonblockingEventfd = (): number => fds.make();

/** Reads NVM word `addr` through EERD. */
const eerd = (model: IxgbeModel, addr: number): number => eerdRead(model, R.EERD, addr);

describe('reset and identity', () => {
  it('powers on with the EEPROM MAC in RAL0/RAH0, EEC present and auto-read done, STATUS.GIO, 10G link', () => {
    const model = new IxgbeModel({ mac: '00:1b:21:0a:0b:0c' });
    expect(model.read32(R.RAL(0))).toBe(0x0a211b00);
    expect(model.read32(R.RAH(0))).toBe((R.RAH_AV | 0x0c0b) >>> 0);
    const eec = model.read32(R.EEC);
    expect(eec & (R.EEC_PRES | R.EEC_ARD)).toBe(R.EEC_PRES | R.EEC_ARD);
    expect(1 << (((eec & R.EEC_SIZE_MASK) >>> R.EEC_SIZE_SHIFT) + 6)).toBe(EEPROM_WORDS);
    expect(model.read32(R.STATUS) & R.STATUS_GIO).toBe(R.STATUS_GIO);
    expect(model.read32(R.LINKS) & (R.LINKS_UP | R.LINKS_SPEED_82599)).toBe((R.LINKS_UP | R.LINKS_SPEED_10G_82599) >>> 0);
    expect(model.linkUp).toBe(true);
    // Valid firmware, no manageability mode: what Linux ixgbe's firmware-error check expects.
    expect(model.read32(R.FWSM)).toBe(R.FWSM_FW_VAL);
  });

  it.each([['RST', R.CTRL_RST], ['LNK_RST', R.CTRL_LNK_RST]])('CTRL.%s self-clears, restores defaults and keeps the link', (_, bit) => {
    const model = new IxgbeModel();
    model.write32(R.FCTRL, R.FCTRL_UPE);
    model.write32(R.RAL(0), 0x12345678);
    model.write32(R.RAH(5), R.RAH_AV);
    model.write32(R.EIMS, R.EICR_LSC);
    model.write32(R.HLREG0, 0);
    model.write32(R.SRRCTL(3), 0x10);
    model.write32(R.CTRL, model.read32(R.CTRL) | bit);
    expect(model.read32(R.CTRL) & R.CTRL_RST_MASK).toBe(0);
    expect(model.read32(R.FCTRL)).toBe(0);
    expect(model.read32(R.EIMS)).toBe(0);
    expect(model.read32(R.RAH(5))).toBe(0);
    expect(model.read32(R.RAL(0))).toBe(new IxgbeModel({ mac: model.mac }).read32(R.RAL(0)));
    expect(model.read32(R.HLREG0) & (R.HLREG0_RXCRCSTRP | R.HLREG0_TXPADEN | R.HLREG0_TXCRCEN)).toBe(R.HLREG0_RXCRCSTRP | R.HLREG0_TXPADEN | R.HLREG0_TXCRCEN);
    expect(model.read32(R.SRRCTL(3)) & R.SRRCTL_BSIZEPKT_MASK).toBe(2);
    expect(model.read32(R.MAXFRS) >>> R.MAXFRS_MFS_SHIFT).toBe(1518);
    expect(model.read32(R.VLNCTRL) & R.VLNCTRL_VET_MASK).toBe(0x8100);
    expect(model.read32(R.EEC) & R.EEC_ARD).toBe(R.EEC_ARD);
    expect(model.linkUp).toBe(true);
  });

  it('reflects CTRL.GIO_DIS in STATUS.GIO and keeps read-only registers', () => {
    const model = new IxgbeModel();
    model.write32(R.CTRL, R.CTRL_GIO_DIS);
    expect(model.read32(R.STATUS) & R.STATUS_GIO).toBe(0);
    model.write32(R.CTRL, 0);
    expect(model.read32(R.STATUS) & R.STATUS_GIO).toBe(R.STATUS_GIO);
    for (const ro of [R.STATUS, R.LINKS]) {
      const before = model.read32(ro);
      model.write32(ro, 0);
      expect(model.read32(ro)).toBe(before);
    }
    model.write32(R.EEC, 0);
    expect(model.read32(R.EEC) & (R.EEC_PRES | R.EEC_ARD)).toBe(R.EEC_PRES | R.EEC_ARD);
    model.write32(R.RDRXCTL, R.RDRXCTL_CRCSTRIP);
    expect(model.read32(R.RDRXCTL)).toBe(R.RDRXCTL_CRCSTRIP | R.RDRXCTL_DMAIDONE);
    expect(model.read32(R.SECRXSTAT) & R.SECRXSTAT_SECRX_RDY).toBe(R.SECRXSTAT_SECRX_RDY);
    model.write32(R.FDIRCTRL, 0x2);
    expect(model.read32(R.FDIRCTRL)).toBe(0x2 | R.FDIRCTRL_INIT_DONE);
    model.write32(R.FDIRCMD, 0x1 | 0x80);
    expect(model.read32(R.FDIRCMD)).toBe(0x80);
  });

  it('grants EEC.REQ and sets SWSM.SMBI on the read that finds it clear', () => {
    const model = new IxgbeModel();
    model.write32(R.EEC, model.read32(R.EEC) | R.EEC_REQ);
    expect(model.read32(R.EEC) & R.EEC_GNT).toBe(R.EEC_GNT);
    model.write32(R.EEC, model.read32(R.EEC) & ~R.EEC_REQ);
    expect(model.read32(R.EEC) & R.EEC_GNT).toBe(0);
    expect(model.read32(R.SWSM) & R.SWSM_SMBI).toBe(0);
    expect(model.read32(R.SWSM) & R.SWSM_SMBI).toBe(R.SWSM_SMBI);
    model.write32(R.SWSM, R.SWSM_SMBI | R.SWSM_SWESMBI);
    expect(model.read32(R.SWSM) & R.SWSM_SWESMBI).toBe(R.SWSM_SWESMBI);
    model.write32(R.SWSM, 0);
    expect(model.read32(R.SWSM) & R.SWSM_SMBI).toBe(0);
  });

  it('folds the 82598 windows of RAR 0-15 and SRRCTL 0-15, and moves rx queues 64-127 to 0xD000', () => {
    const model = new IxgbeModel();
    model.write32(R.RAR_ALIAS + 8 * 3, 0x11223344);
    expect(model.read32(R.RAL(3))).toBe(0x11223344);
    expect(R.RAL(3)).toBe(0xa218);
    model.write32(R.SRRCTL_ALIAS + 4 * 7, 0x4);
    expect(model.read32(R.SRRCTL(7))).toBe(0x4);
    expect(R.SRRCTL(7)).toBe(0x1014 + 7 * 0x40);
    expect(R.RDBAL(63)).toBe(0x1fc0);
    expect(R.RDBAL(64)).toBe(0xd000);
    expect(R.RXDCTL(127)).toBe(0xd000 + 63 * 0x40 + 0x28);
    expect(R.TDBAL(127)).toBe(0x6000 + 127 * 0x40);
    model.write32(R.RDBAL(100), 0x12345);
    expect(model.read32(0xd000 + 36 * 0x40)).toBe(0x12300);
    expect(R.EITR(23)).toBe(0x87c);
    expect(R.EITR(24)).toBe(0x12300);
  });

  it('reads RXDCTL.ENABLE back only once the queue has a ring, TXDCTL.ENABLE only with DMATXCTL.TE too', () => {
    const model = new IxgbeModel();
    model.write32(R.RXDCTL(2), R.RXDCTL_ENABLE);
    expect(model.read32(R.RXDCTL(2)) & R.RXDCTL_ENABLE).toBe(0);
    model.write32(R.RDLEN(2), 1024);
    expect(model.read32(R.RXDCTL(2)) & R.RXDCTL_ENABLE).toBe(R.RXDCTL_ENABLE);
    model.write32(R.TXDCTL(90), R.TXDCTL_ENABLE | R.TXDCTL_SWFLSH);
    model.write32(R.TDLEN(90), 1024);
    expect(model.read32(R.TXDCTL(90)) & R.TXDCTL_ENABLE).toBe(0);
    model.write32(R.DMATXCTL, model.read32(R.DMATXCTL) | R.DMATXCTL_TE);
    expect(model.read32(R.TXDCTL(90)) & (R.TXDCTL_ENABLE | R.TXDCTL_SWFLSH)).toBe(R.TXDCTL_ENABLE);
    model.write32(R.TXDCTL(90), 0);
    expect(model.read32(R.TXDCTL(90)) & R.TXDCTL_ENABLE).toBe(0);
  });
});

describe('EEPROM', () => {
  /** The datasheet's checksum: words 0x00-0x3E plus every module pointers 0x03-0x0E name. */
  function checksumOf(words: number[]): number {
    let sum = 0;
    for (let i = 0; i < EEPROM_CHECKSUM_WORD; i++) sum += words[i];
    for (let p = 0x03; p <= 0x0e; p++) {
      const at = words[p];
      if (at === 0 || at === 0xffff || words[at] === 0 || words[at] === 0xffff) continue;
      for (let j = 1; j <= words[at]; j++) sum += words[at + j];
    }
    return (0xbaba - sum) & 0xffff;
  }

  it('reads the MAC in LAN core 0 and a checksum word covering the header and the modules it points to', () => {
    const model = new IxgbeModel({ mac: Uint8Array.of(0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c) });
    const words = Array.from({ length: EEPROM_WORDS }, (_, i) => eerd(model, i));
    const core0 = words[NVM_CORE0_PTR];
    expect(words.slice(core0 + 1, core0 + 4)).toEqual([0x1b00, 0x0a21, 0x0c0b]);
    expect(words[EEPROM_CHECKSUM_WORD]).toBe(checksumOf(words));
    // The modules are really part of it: a module word changes the checksum.
    const bumped = [...words];
    bumped[core0 + 1] ^= 1;
    expect(checksumOf(bumped)).not.toBe(words[EEPROM_CHECKSUM_WORD]);
    expect(EEPROM_SUM).toBe(0xbaba);
    expect(words.every((w, i) => w === model.eepromWord(i))).toBe(true);
  });

  it('carries a production firmware version behind the firmware module pointer (Linux ixgbe found none)', () => {
    const model = new IxgbeModel();
    const fw = eerd(model, NVM_FW_PTR);
    expect([0, 0xffff]).not.toContain(fw);
    const patchConfig = eerd(model, fw + FW_PATCH_CONFIG_PTR);
    expect([0, 0xffff]).not.toContain(patchConfig);
    // The drivers call an SFI part with version 5 or lower pre-production.
    expect(eerd(model, patchConfig + FW_PATCH_VERSION)).toBeGreaterThan(5);
  });

  it('lists SFP+ set-up sequences ending in 0xFFFF for the SR/LR module of port 0', () => {
    const model = new IxgbeModel();
    let at = eerd(model, NVM_SFP_INIT_LIST_PTR) + 1;
    let sequence: number | undefined;
    for (let id = eerd(model, at); id !== 0xffff; id = eerd(model, at)) {
      if (id === SFP_TYPE_SRLR_CORE0) sequence = eerd(model, at + 1);
      at += 2;
    }
    expect(sequence).toBeDefined();
    const values: number[] = [];
    for (let i = (sequence ?? 0) + 1; eerd(model, i) !== 0xffff; i++) values.push(eerd(model, i));
    expect(values.length).toBeGreaterThan(0);
  });

});

describe('SFP+ module over I2C', () => {
  function checkCode(bytes: number[], from: number, to: number): number {
    return bytes.slice(from, to).reduce((a, b) => a + b, 0) & 0xff;
  }

  it('identifies a 10GBASE-SR module with Intel OUI and valid check codes at 0xA0', () => {
    const model = new IxgbeModel();
    const id = new I2cController(model).read(0xa0, 0, 96);
    if (!id) throw new Error('the module did not answer');
    expect(id[0]).toBe(0x03);
    expect(id[3]).toBe(0x10);
    expect(id[6]).toBe(0);
    expect(id[8]).toBe(0);
    expect(id.slice(37, 40)).toEqual([0x00, 0x1b, 0x21]);
    expect(String.fromCharCode(...id.slice(20, 36)).trim()).toBe('Intel Corp');
    expect(id[63]).toBe(checkCode(id, 0, 63));
    expect(id[95]).toBe(checkCode(id, 64, 95));
    expect(id).toEqual(Array.from(model.module?.id.subarray(0, 96) ?? []));
  });

  it('reads single bytes at any offset, as drivers do, and tells SR, LR and DA apart', () => {
    for (const [kind, comp, tech] of [['sr', 0x10, 0], ['lr', 0x20, 0], ['da', 0, 0x04]] as const) {
      const model = new IxgbeModel({ sfp: kind });
      const i2c = new I2cController(model);
      expect([i2c.read(0xa0, 3, 1)?.[0], i2c.read(0xa0, 8, 1)?.[0], i2c.read(0xa0, 0, 1)?.[0]]).toEqual([comp, tech, 0x03]);
    }
  });

  it('writes the diagnostics user area at 0xA2 and reads it back; the serial ID ignores writes', () => {
    const model = new IxgbeModel();
    const i2c = new I2cController(model);
    expect(i2c.write(0xa2, 128, [0xde, 0xad])).toBe(true);
    expect(i2c.read(0xa2, 128, 2)).toEqual([0xde, 0xad]);
    expect(i2c.write(0xa0, 0, [0x55])).toBe(true);
    expect(i2c.read(0xa0, 0, 1)).toEqual([0x03]);
  });

  it('does not acknowledge other addresses, nor anything once the module is pulled', () => {
    const model = new IxgbeModel();
    const i2c = new I2cController(model);
    expect(i2c.read(0xa4, 0, 1)).toBeUndefined();
    model.setModule(false);
    expect(i2c.read(0xa0, 0, 1)).toBeUndefined();
    expect(model.read32(R.ESDP) & R.ESDP_SDP2).toBe(0);
    model.setModule('sr');
    expect(i2c.read(0xa0, 0, 1)).toEqual([0x03]);
    expect(model.read32(R.ESDP) & R.ESDP_SDP2).toBe(R.ESDP_SDP2);
  });

  it('keeps the data line high for the controller between transactions and reads CLK_IN as CLK_OUT', () => {
    const model = new IxgbeModel();
    expect(model.read32(R.I2CCTL) & (R.I2C_CLK_IN | R.I2C_DATA_IN)).toBe(R.I2C_CLK_IN | R.I2C_DATA_IN);
    model.write32(R.I2CCTL, R.I2C_DATA_OUT);
    expect(model.read32(R.I2CCTL) & (R.I2C_CLK_IN | R.I2C_DATA_IN)).toBe(R.I2C_DATA_IN);
  });
});

describe('link', () => {
  it('follows the cable, the module, AUTOC2 link disable and AUTOC.LMS, raising EICR.LSC on each change', () => {
    const model = new IxgbeModel();
    const lsc = (): boolean => (model.read32(R.EICR) & R.EICR_LSC) !== 0;
    model.setLink(false);
    expect(model.read32(R.LINKS) & R.LINKS_UP).toBe(0);
    expect(lsc()).toBe(true);
    expect(lsc()).toBe(false);
    model.setLink(true);
    expect(model.linkUp).toBe(true);
    expect(lsc()).toBe(true);
    model.setModule(false);
    expect(model.linkUp).toBe(false);
    expect(lsc()).toBe(true);
    model.setModule('sr');
    expect(model.linkUp).toBe(true);
    model.read32(R.EICR);
    model.write32(R.AUTOC2, R.AUTOC2_10G_SFI | 0x10000000);
    expect(model.linkUp).toBe(false);
    model.write32(R.AUTOC2, R.AUTOC2_10G_SFI);
    expect(model.linkUp).toBe(true);
    model.write32(R.AUTOC, R.AUTOC_LMS_1G_AN << R.AUTOC_LMS_SHIFT);
    expect(model.linkUp).toBe(false);
    model.write32(R.AUTOC, R.AUTOC_LMS_KX4_KX_KR << R.AUTOC_LMS_SHIFT);
    expect(model.linkUp).toBe(true);
    expect(lsc()).toBe(true);
    model.setLink(true);
    expect(lsc()).toBe(false);
  });

  it('self-clears AUTOC.AN_RESTART and shows the AN state machine running in ANLP1', () => {
    const model = new IxgbeModel();
    expect(model.read32(R.ANLP1) & R.ANLP1_AN_STATE_MASK).toBe(0);
    const autoc = model.read32(R.AUTOC);
    model.write32(R.AUTOC, autoc | R.AUTOC_AN_RESTART);
    expect(model.read32(R.AUTOC)).toBe(autoc);
    expect(model.read32(R.ANLP1) & R.ANLP1_AN_STATE_MASK).not.toBe(0);
  });
});

describe('interrupts', () => {
  /** MSI-X as DPDK's ixgbe programs it: other causes on vector 0, rx queue 0 on vector 1, tx queue 5 on vector 40. */
  function msixSetup(model: IxgbeModel): number[] {
    const vectors = Array.from({ length: 41 }, () => nonblockingEventfd());
    model.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, vectors);
    model.write32(R.GPIE, (R.GPIE_MSIX_MODE | R.GPIE_PBA_SUPPORT | R.GPIE_OCD | R.GPIE_EIAME) >>> 0);
    model.write32(R.EIAM_EX(0), 0xffffffff);
    model.write32(R.EIAM_EX(1), 0xffffffff);
    model.write32(R.IVAR_MISC, (0 | R.IVAR_ALLOC_VAL) << 8);
    model.write32(R.IVAR(0), 1 | R.IVAR_ALLOC_VAL);
    model.write32(R.IVAR(2), (40 | R.IVAR_ALLOC_VAL) << 24);
    model.write32(R.EIAC, R.EICR_RTX_QUEUE);
    model.write32(R.EIMS, (R.EICR_LSC | 0xffff) >>> 0);
    model.write32(R.EIMS_EX(1), 0xffffffff);
    return vectors;
  }

  it('sends the IVAR_MISC vector on a link change; an EICS read shows LSC, an EICR read returns it and clears it', () => {
    const model = new IxgbeModel();
    const v = msixSetup(model);
    model.setLink(false);
    expect(eventfdRead(v[0])).toBe(1);
    expect(eventfdRead(v[1])).toBe(0);
    expect(model.read32(R.EICS) & R.EICR_LSC).toBe(R.EICR_LSC);
    expect(model.read32(R.EICS) & R.EICR_LSC).toBe(R.EICR_LSC);
    expect(model.read32(R.EICR) & R.EICR_LSC).toBe(R.EICR_LSC);
    expect(model.read32(R.EICR) & R.EICR_LSC).toBe(0);
    model.setLink(true);
    expect(eventfdRead(v[0])).toBe(1);
  });

  it('clears what an EICS read showed when it is written back to EICR (the drivers\' way), so the next change sends again', () => {
    const model = new IxgbeModel();
    const v = msixSetup(model);
    model.setLink(false);
    expect(eventfdRead(v[0])).toBe(1);
    model.write32(R.EICR, model.read32(R.EICS) & R.EICR_LSC);
    expect(model.read32(R.EICS) & R.EICR_LSC).toBe(0);
    model.setLink(true);
    expect(eventfdRead(v[0])).toBe(1);
  });

  it('does not send a masked cause, and sends it when EIMS enables it', () => {
    const model = new IxgbeModel();
    const v = msixSetup(model);
    model.write32(R.EIMC, R.EICR_LSC);
    expect(model.read32(R.EIMS) & R.EICR_LSC).toBe(0);
    model.setLink(false);
    expect(eventfdRead(v[0])).toBe(0);
    model.write32(R.EIMS, R.EICR_LSC);
    expect(eventfdRead(v[0])).toBe(1);
  });

  it('auto-masks a queue vector with EIAM_EX under GPIE.EIAME and sends it again once EIMS re-enables it', () => {
    const model = new IxgbeModel();
    const v = msixSetup(model);
    model.write32(R.EICS, 1 << 1);
    expect(eventfdRead(v[1])).toBe(1);
    expect(model.read32(R.EIMS_EX(0)) & (1 << 1)).toBe(0);
    expect(model.read32(R.EIMS) & (1 << 1)).toBe(0);
    model.write32(R.EICS, 1 << 1);
    expect(eventfdRead(v[1])).toBe(0);
    model.write32(R.EIMS, 1 << 1);
    expect(eventfdRead(v[1])).toBe(1);
  });

  it('keeps a vector 0-15 cause without EIAC until cleared, and GPIE.OCD keeps it across EICR reads', () => {
    const model = new IxgbeModel();
    const v = msixSetup(model);
    model.write32(R.EIAC, 0);
    model.write32(R.EIAM_EX(0), 0);
    model.write32(R.EICS, 1 << 1);
    expect(eventfdRead(v[1])).toBe(1);
    expect(model.read32(R.EICR) & (1 << 1)).toBe(1 << 1);
    expect(model.read32(R.EICR) & (1 << 1)).toBe(1 << 1);
    model.write32(R.EICS, 1 << 1);
    expect(eventfdRead(v[1])).toBe(0);
    model.write32(R.EICR, 1 << 1);
    model.write32(R.EICS, 1 << 1);
    expect(eventfdRead(v[1])).toBe(1);
    model.write32(R.GPIE, model.read32(R.GPIE) & ~R.GPIE_OCD);
    expect(model.read32(R.EICR) & (1 << 1)).toBe(1 << 1);
    expect(model.read32(R.EICR) & (1 << 1)).toBe(0);
  });

  it('sends vectors 32-63 through EICS_EX and EIMS_EX, and mirrors EIMS bits 15:0 into EIMS_EX(0)', () => {
    const model = new IxgbeModel();
    const v = msixSetup(model);
    model.write32(R.EIMC_EX(1), 1 << 8);
    model.write32(R.EICS_EX(1), 1 << 8);
    expect(eventfdRead(v[40])).toBe(0);
    model.write32(R.EIMS_EX(1), 1 << 8);
    expect(eventfdRead(v[40])).toBe(1);
    model.write32(R.EIMS_EX(1), 1 << 8);
    expect(eventfdRead(v[40])).toBe(0);
    model.write32(R.EIMC, 0xffff);
    expect(model.read32(R.EIMS_EX(0)) & 0xffff).toBe(0);
    model.write32(R.EIMS_EX(0), 0x3);
    expect(model.read32(R.EIMS) & 0xffff).toBe(0x3);
  });

  it('fires vector 0 without MSI-X mode for any enabled cause, queue causes at the RTxQ bit IVAR names', () => {
    const model = new IxgbeModel();
    const fd = nonblockingEventfd();
    model.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [fd]);
    model.write32(R.EIMS, R.EICR_LSC);
    model.setLink(false);
    expect(eventfdRead(fd)).toBe(1);
    expect(model.read32(R.EICR)).toBe(R.EICR_LSC);
    expect(model.read32(R.EICR)).toBe(0);
    model.write32(R.EICS, 1 << 3);
    expect(eventfdRead(fd)).toBe(0);
    model.write32(R.EIMS, 1 << 3);
    expect(eventfdRead(fd)).toBe(1);
  });

  it('raises EICR.GPI_SDP2 when the module is pulled or plugged, with GPIE.SDP2_GPIEN', () => {
    const model = new IxgbeModel();
    const v = msixSetup(model);
    model.write32(R.EIMS, R.EICR_GPI_SDP2);
    model.setModule(false);
    expect(model.read32(R.EICR) & (R.EICR_GPI_SDP2 | R.EICR_LSC)).toBe(R.EICR_LSC);
    expect(eventfdRead(v[0])).toBe(1);
    model.write32(R.GPIE, model.read32(R.GPIE) | R.GPIE_SDP2_GPIEN);
    model.setModule('sr');
    // One message for the module, one for the link it brings.
    expect(eventfdRead(v[0])).toBe(2);
    expect(model.read32(R.EICR) & (R.EICR_GPI_SDP2 | R.EICR_LSC)).toBe((R.EICR_GPI_SDP2 | R.EICR_LSC) >>> 0);
  });
});

describe('statistics', () => {
  it('clears counters on read, 64-bit pairs when their high dword is read, and ignores writes', () => {
    const model = new IxgbeModel();
    model.u32[R.MPC(0) >>> 2] = 7;
    model.u32[R.RLEC >>> 2] = 2;
    model.u32[R.GORCL >>> 2] = 0x10;
    model.u32[R.GORCH >>> 2] = 0x2;
    model.u32[R.QBRC_L(3) >>> 2] = 0x30;
    model.u32[R.QBRC_H(3) >>> 2] = 0x1;
    model.u32[R.QPRC(15) >>> 2] = 9;
    expect(model.read32(R.MPC(0))).toBe(7);
    expect(model.read32(R.MPC(0))).toBe(0);
    expect(model.read32(R.RLEC)).toBe(2);
    expect(model.read32(R.RLEC)).toBe(0);
    expect(model.read32(R.GORCL)).toBe(0x10);
    expect(model.read32(R.GORCL)).toBe(0x10);
    expect(model.read32(R.GORCH)).toBe(0x2);
    expect(model.read32(R.GORCL)).toBe(0);
    expect(model.read32(R.QBRC_L(3))).toBe(0x30);
    expect(model.read32(R.QBRC_H(3))).toBe(0x1);
    expect(model.read32(R.QBRC_L(3))).toBe(0);
    expect(model.read32(R.QPRC(15))).toBe(9);
    expect(model.read32(R.QPRC(15))).toBe(0);
    model.write32(R.GPRC, 5);
    expect(model.read32(R.GPRC)).toBe(0);
  });
});

describe('bad arguments', () => {
  const model = new IxgbeModel();

  it('rejects register offsets that are not aligned offsets in BAR0 with TypeError', () => {
    for (const offset of [-4, 2, 0x20000, 1.5, Number.NaN]) {
      expect(() => model.read32(offset)).toThrow(TypeError);
      expect(() => model.write32(offset, 0)).toThrow(TypeError);
    }
    expect(() => model.write32(0, 'x' as unknown as number)).toThrow(TypeError);
  });

  it('rejects bad frames, MACs, modules, errors and interrupt requests with NicError', () => {
    const cases: (() => unknown)[] = [
      () => model.receiveFrame(new Uint8Array(13)),
      () => model.receiveFrame(new Uint8Array(16384)),
      () => new IxgbeModel({ mac: '00:11:22' }),
      () => model.setModule('qsfp' as 'sr'),
      () => model.injectRxError('parity' as 'crc'),
      () => model.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 63, [1, 2]),
      () => model.setIrqs(VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, [1, 2]),
      () => model.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'mask'),
      () => model.eepromWord(EEPROM_WORDS),
    ];
    for (const c of cases) expect(c).toThrow(NicError);
  });

  it('rejects wrong types with TypeError', () => {
    expect(() => model.receiveFrame([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => model.setLink(1 as unknown as boolean)).toThrow(TypeError);
    expect(() => model.onTransmit(undefined as unknown as () => void)).toThrow(TypeError);
    expect(() => new IxgbeModel({ dma: {} as never })).toThrow(TypeError);
    expect(() => new IxgbeModel(null as never)).toThrow(TypeError);
  });
});
