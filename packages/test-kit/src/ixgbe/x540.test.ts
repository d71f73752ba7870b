import { describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { I2cController } from './__fixtures__/rings.js';
import { IxgbeModel } from './model.js';
import * as P from './phy.js';
import * as R from './regs.js';

/** One clause 45 read as a driver does it: an address cycle, then a read cycle, each polled for completion. */
function mdioRead(model: IxgbeModel, phy: number, mmd: number, reg: number): number {
  const target = (reg | (mmd << R.MSCA_DEV_TYPE_SHIFT) | (phy << R.MSCA_PHY_ADDR_SHIFT)) >>> 0;
  model.write32(R.MSCA, (target | R.MSCA_ADDR_CYCLE | R.MSCA_MDI_COMMAND) >>> 0);
  expect(model.read32(R.MSCA) & R.MSCA_MDI_COMMAND).toBe(0);
  model.write32(R.MSCA, (target | R.MSCA_READ | R.MSCA_MDI_COMMAND) >>> 0);
  expect(model.read32(R.MSCA) & R.MSCA_MDI_COMMAND).toBe(0);
  return model.read32(R.MSRWD) >>> R.MSRWD_READ_DATA_SHIFT;
}

function mdioWrite(model: IxgbeModel, phy: number, mmd: number, reg: number, value: number): void {
  const target = (reg | (mmd << R.MSCA_DEV_TYPE_SHIFT) | (phy << R.MSCA_PHY_ADDR_SHIFT)) >>> 0;
  model.write32(R.MSCA, (target | R.MSCA_ADDR_CYCLE | R.MSCA_MDI_COMMAND) >>> 0);
  model.write32(R.MSRWD, value);
  model.write32(R.MSCA, (target | R.MSCA_WRITE | R.MSCA_MDI_COMMAND) >>> 0);
  expect(model.read32(R.MSCA) & R.MSCA_MDI_COMMAND).toBe(0);
}

describe('X540 where it differs from the 82599', () => {
  it('is 8086:1528 with the same BARs and capabilities, and no SFP+ cage', () => {
    const model = new IxgbeModel({ device: 'x540' });
    expect(model.pci.deviceId).toBe(0x1528);
    expect(new DataView(model.pci.config().buffer).getUint16(2, true)).toBe(0x1528);
    expect(model.pci.msixVectors).toBe(64);
    expect(model.module).toBeUndefined();
    expect(new I2cController(model).read(0xa0, 0, 1)).toBeUndefined();
    expect(() => model.setModule('sr')).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
    expect(() => new IxgbeModel({ device: 'x540', sfp: 'sr' })).toThrow(NicError);
    expect(() => new IxgbeModel({ device: 'x550' as 'x540' })).toThrow(NicError);
  });

  it('answers MDIO clause 45 at PHY address 0 with the X540 PHY id and abilities, all ones elsewhere', () => {
    const model = new IxgbeModel({ device: 'x540' });
    const found = Array.from({ length: 32 }, (_, addr) => mdioRead(model, addr, P.MMD_PMA_PMD, P.PHY_ID_HIGH)).map((id, addr) => [addr, id]).filter(([, id]) => id !== 0xffff && id !== 0);
    expect(found).toEqual([[0, 0x0154]]);
    expect(((mdioRead(model, 0, P.MMD_PMA_PMD, P.PHY_ID_HIGH) << 16) | mdioRead(model, 0, P.MMD_PMA_PMD, P.PHY_ID_LOW)) >>> 0).toBe(0x01540200);
    expect(mdioRead(model, 0, P.MMD_PMA_PMD, P.PHY_EXT_ABILITY) & 0x0004).toBe(0x0004);
    // A read with post-increment walks the registers after one address cycle.
    const target = (P.PHY_ID_HIGH | (P.MMD_PMA_PMD << R.MSCA_DEV_TYPE_SHIFT)) >>> 0;
    model.write32(R.MSCA, (target | R.MSCA_ADDR_CYCLE | R.MSCA_MDI_COMMAND) >>> 0);
    const ids = [0, 1].map(() => {
      model.write32(R.MSCA, (target | R.MSCA_READ_AUTOINC | R.MSCA_MDI_COMMAND) >>> 0);
      return model.read32(R.MSRWD) >>> R.MSRWD_READ_DATA_SHIFT;
    });
    expect(ids).toEqual([0x0154, 0x0200]);
    // The 82599 SFP+ part has no PHY on its MDIO bus.
    expect(mdioRead(new IxgbeModel(), 0, P.MMD_PMA_PMD, P.PHY_ID_HIGH)).toBe(0xffff);
  });

  it('links at the fastest speed advertised, follows low power and the cable, and raises LSC and the PHY alarm', () => {
    const model = new IxgbeModel({ device: 'x540' });
    expect(model.read32(R.LINKS) & (R.LINKS_UP | R.LINKS_SPEED_82599)).toBe((R.LINKS_UP | R.LINKS_SPEED_10G_82599) >>> 0);
    expect(mdioRead(model, 0, P.MMD_AUTO_NEG, P.AN_STATUS) & (P.AN_LINK_UP | P.AN_COMPLETE)).toBe(P.AN_LINK_UP | P.AN_COMPLETE);
    expect(mdioRead(model, 0, P.MMD_AUTO_NEG, P.AN_VENDOR_STATUS)).toBe(P.VENDOR_STATUS_10GB_FULL);
    // Advertise 1G only (as a driver's setup_link does), then restart autonegotiation.
    mdioWrite(model, 0, P.MMD_AUTO_NEG, P.AN_10GBASE_T_CONTROL, 0);
    mdioWrite(model, 0, P.MMD_AUTO_NEG, P.AN_CONTROL, mdioRead(model, 0, P.MMD_AUTO_NEG, P.AN_CONTROL) | P.AN_RESTART);
    expect(mdioRead(model, 0, P.MMD_AUTO_NEG, P.AN_CONTROL) & P.AN_RESTART).toBe(0);
    expect(model.read32(R.LINKS) & (R.LINKS_UP | R.LINKS_SPEED_82599)).toBe((R.LINKS_UP | R.LINKS_SPEED_1G_82599) >>> 0);
    expect(mdioRead(model, 0, P.MMD_VENDOR_1, P.VS1_STATUS)).toBe(P.VS1_LINK_UP | P.VS1_SPEED_1G);
    expect(model.read32(R.EICR) & R.EICR_LSC).toBe(0);
    mdioWrite(model, 0, P.MMD_VENDOR_1, P.VS1_CONTROL, P.VS1_LOW_POWER);
    expect(model.linkUp).toBe(false);
    expect(model.read32(R.EICR) & R.EICR_LSC).toBe(R.EICR_LSC);
    expect(mdioRead(model, 0, P.MMD_AUTO_NEG, P.AN_VENDOR_TX_ALARM) & P.VENDOR_TX_ALARM_LSC).toBe(P.VENDOR_TX_ALARM_LSC);
    expect(mdioRead(model, 0, P.MMD_AUTO_NEG, P.AN_VENDOR_TX_ALARM)).toBe(0);
    mdioWrite(model, 0, P.MMD_VENDOR_1, P.VS1_CONTROL, 0);
    expect(model.linkUp).toBe(true);
    model.setLink(false);
    expect(model.read32(R.LINKS)).toBe(0);
    expect(mdioRead(model, 0, P.MMD_AUTO_NEG, P.AN_STATUS) & P.AN_LINK_UP).toBe(0);
    // Status registers ignore writes.
    mdioWrite(model, 0, P.MMD_PMA_PMD, P.PHY_ID_HIGH, 0x1234);
    expect(mdioRead(model, 0, P.MMD_PMA_PMD, P.PHY_ID_HIGH)).toBe(0x0154);
  });
});
