/**
 * The internal copper PHY, reached through MDIC: register reads and writes, power up and
 * down, and restarting autonegotiation (IEEE 802.3 clause 22 registers).
 */
import { HwError, type IntelHw } from '@nic/intel-common';
import { MDIC, MDIC_DATA_MASK, MDIC_ERROR, MDIC_OP_READ, MDIC_OP_WRITE, MDIC_PHY_SHIFT, MDIC_READY, MDIC_REG_SHIFT } from './regs.js';

/** The internal PHY's MDIO address on the 82575/82576. */
export const PHY_ADDR = 1;
/** Basic mode control. */
export const PHY_BMCR = 0x00;
/** Basic mode status. */
export const PHY_BMSR = 0x01;
/** PHY identifier, high and low. */
export const PHY_ID1 = 0x02;
export const PHY_ID2 = 0x03;
/** Autonegotiation advertisement. */
export const PHY_ANAR = 0x04;
/** 1000BASE-T control: what gigabit modes to advertise. */
export const PHY_1000T_CTRL = 0x09;

export const BMCR_RESET = 0x8000;
export const BMCR_ANENABLE = 0x1000;
export const BMCR_PDOWN = 0x0800;
export const BMCR_ANRESTART = 0x0200;
export const BMSR_LSTATUS = 0x0004;
export const BMSR_ANEGCOMPLETE = 0x0020;
/** ANAR: 10/100 half and full duplex, IEEE 802.3 selector. */
export const ANAR_ALL_10_100 = 0x01e1;
/** 1000BASE-T control: advertise 1000 full duplex. */
export const CTRL1000_ADV_FULL = 0x0200;

/** Polls of MDIC.READY per access. */
const MDIC_POLLS = 1_000;

function mdic(hw: IntelHw, op: number, reg: number, data: number): number {
  hw.write(MDIC, op | (PHY_ADDR << MDIC_PHY_SHIFT) | (reg << MDIC_REG_SHIFT) | (data & MDIC_DATA_MASK));
  const v = hw.poll(MDIC, (x) => (x & MDIC_READY) !== 0, MDIC_POLLS, 0, `PHY register ${reg}`);
  if ((v & MDIC_ERROR) !== 0) throw new HwError('timeout', `PHY register ${reg}: MDIC reports an error`);
  return v & MDIC_DATA_MASK;
}

/** Reads PHY register `reg`. */
export function phyRead(hw: IntelHw, reg: number): number {
  return mdic(hw, MDIC_OP_READ, reg, 0);
}

/** Writes PHY register `reg`. */
export function phyWrite(hw: IntelHw, reg: number, value: number): void {
  mdic(hw, MDIC_OP_WRITE, reg, value);
}

/** Powers the PHY up or down (BMCR power-down bit); the link follows. */
export function phyPower(hw: IntelHw, up: boolean): void {
  const bmcr = phyRead(hw, PHY_BMCR);
  const next = up ? bmcr & ~BMCR_PDOWN : bmcr | BMCR_PDOWN;
  if (next !== bmcr) phyWrite(hw, PHY_BMCR, next);
}

/** Advertises every speed and duplex and restarts autonegotiation. */
export function phyAutoneg(hw: IntelHw): void {
  phyWrite(hw, PHY_ANAR, ANAR_ALL_10_100);
  phyWrite(hw, PHY_1000T_CTRL, CTRL1000_ADV_FULL);
  phyWrite(hw, PHY_BMCR, (phyRead(hw, PHY_BMCR) & ~BMCR_PDOWN) | BMCR_ANENABLE | BMCR_ANRESTART);
}
