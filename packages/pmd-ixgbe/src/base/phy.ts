/**
 * A copper port's PHY over MDIO clause 45 (MSCA/MSRWD), as DPDK's `ixgbe_read_phy_reg_mdi`,
 * `ixgbe_identify_phy_generic`, `ixgbe_setup_phy_link_generic` and
 * `ixgbe_set_copper_phy_power` reach it: find the PHY by scanning the 32 MDIO addresses for
 * an identifier, advertise the speeds asked for (10GBASE-T, 1000BASE-T, 100BASE-TX) and
 * restart autonegotiation, and take it in and out of low power. The X540's internal PHY and
 * the 82599 T3 LOM's external one answer the same registers for this.
 */
import type { IntelHw } from '@nic/intel-common';
import { MSCA, MSCA_ADDR_CYCLE, MSCA_DEV_TYPE_SHIFT, MSCA_MDI_COMMAND, MSCA_NEW_PROTOCOL, MSCA_NP_ADDR_MASK, MSCA_PHY_ADDR_SHIFT, MSCA_READ, MSCA_WRITE, MSRWD, MSRWD_READ_DATA_SHIFT } from './regs.js';

/** MMDs (IEEE 802.3 clause 45). */
export const MDIO_MMD_PMA_PMD = 0x1;
export const MDIO_MMD_AUTO_NEG = 0x7;
export const MDIO_MMD_VENDOR_1 = 0x1e;
/** PMA/PMD: the PHY identifier, high and low words. */
export const MDIO_PHY_ID_HIGH = 0x2;
export const MDIO_PHY_ID_LOW = 0x3;
/** Autonegotiation control: enable and restart. */
export const MDIO_AN_CONTROL = 0x0;
export const MDIO_AN_ENABLE = 0x1000;
export const MDIO_AN_RESTART = 0x0200;
/** 100BASE-TX advertisement (the base page). */
export const MDIO_AN_ADVERTISE = 0x10;
export const MDIO_AN_ADVERTISE_100M = 0x0100;
/** 10GBASE-T advertisement. */
export const MDIO_AN_10GBASE_T_CONTROL = 0x20;
export const MDIO_AN_ADVERTISE_10G = 0x1000;
/** 1000BASE-T advertisement, in the vendor provisioning register (`IXGBE_MII_AUTONEG_VENDOR_PROVISION_1_REG`). */
export const MDIO_AN_VENDOR_PROVISION_1 = 0xc400;
export const MDIO_AN_ADVERTISE_1G = 0x8000;
/** Vendor-specific 1 control: low-power mode. */
export const MDIO_VS1_CONTROL = 0x0;
export const MDIO_VS1_LOW_POWER = 0x0800;

/** MDIO addresses a PHY may answer at. */
const MDIO_ADDRESSES = 32;
/** Polls of MSCA.MDI_COMMAND, 10 us apart (DPDK's `IXGBE_MDIO_COMMAND_TIMEOUT`). */
const COMMAND_POLLS = 100;
const COMMAND_POLL_MS = 0.01;
/** What a read returns where no PHY answers. */
const NO_PHY = 0xffff;
const ID_SHIFT = 16;

/** The speeds a copper link may advertise. */
export interface CopperSpeeds {
  readonly m100: boolean;
  readonly g1: boolean;
  readonly g10: boolean;
}

/** A PHY found on the MDIO bus. */
export interface Phy {
  readonly address: number;
  /** The 32-bit identifier (PMA/PMD registers 2 and 3). */
  readonly id: number;
}

function command(hw: IntelHw, target: number, op: number): void {
  hw.write(MSCA, (target | op | MSCA_NEW_PROTOCOL | MSCA_MDI_COMMAND) >>> 0);
  hw.poll(MSCA, (v) => (v & MSCA_MDI_COMMAND) === 0, COMMAND_POLLS, COMMAND_POLL_MS, 'MDIO command (MSCA.MDI_COMMAND)');
}

function target(phy: number, mmd: number, reg: number): number {
  return ((reg & MSCA_NP_ADDR_MASK) | (mmd << MSCA_DEV_TYPE_SHIFT) | (phy << MSCA_PHY_ADDR_SHIFT)) >>> 0;
}

/** Reads register `reg` of MMD `mmd` of the PHY at MDIO address `phy`: an address cycle, then a read cycle. */
export function mdioRead(hw: IntelHw, phy: number, mmd: number, reg: number): number {
  const t = target(phy, mmd, reg);
  command(hw, t, MSCA_ADDR_CYCLE);
  command(hw, t, MSCA_READ);
  return hw.read(MSRWD) >>> MSRWD_READ_DATA_SHIFT;
}

/** Writes `value` to register `reg` of MMD `mmd` of the PHY at `phy`: the data into MSRWD, an address cycle, a write cycle. */
export function mdioWrite(hw: IntelHw, phy: number, mmd: number, reg: number, value: number): void {
  const t = target(phy, mmd, reg);
  hw.write(MSRWD, value & NO_PHY);
  command(hw, t, MSCA_ADDR_CYCLE);
  command(hw, t, MSCA_WRITE);
}

/** The first MDIO address whose PMA/PMD identifier reads as neither all ones nor zero, with the identifier; undefined when none answers. */
export function findPhy(hw: IntelHw): Phy | undefined {
  for (let address = 0; address < MDIO_ADDRESSES; address++) {
    const high = mdioRead(hw, address, MDIO_MMD_PMA_PMD, MDIO_PHY_ID_HIGH);
    if (high === NO_PHY || high === 0) continue;
    const low = mdioRead(hw, address, MDIO_MMD_PMA_PMD, MDIO_PHY_ID_LOW);
    return { address, id: ((high << ID_SHIFT) | low) >>> 0 };
  }
  return undefined;
}

function setBit(hw: IntelHw, phy: number, mmd: number, reg: number, bit: number, on: boolean): void {
  const old = mdioRead(hw, phy, mmd, reg);
  mdioWrite(hw, phy, mmd, reg, on ? old | bit : old & ~bit);
}

/** Takes the PHY out of (`on`) or into low-power mode, which drops the link at both ends. */
export function phyPower(hw: IntelHw, phy: number, on: boolean): void {
  setBit(hw, phy, MDIO_MMD_VENDOR_1, MDIO_VS1_CONTROL, MDIO_VS1_LOW_POWER, !on);
}

/** Advertises `speeds` and restarts autonegotiation: the link comes up at the fastest both ends advertise. */
export function setupCopperLink(hw: IntelHw, phy: number, speeds: CopperSpeeds): void {
  setBit(hw, phy, MDIO_MMD_AUTO_NEG, MDIO_AN_10GBASE_T_CONTROL, MDIO_AN_ADVERTISE_10G, speeds.g10);
  setBit(hw, phy, MDIO_MMD_AUTO_NEG, MDIO_AN_VENDOR_PROVISION_1, MDIO_AN_ADVERTISE_1G, speeds.g1);
  setBit(hw, phy, MDIO_MMD_AUTO_NEG, MDIO_AN_ADVERTISE, MDIO_AN_ADVERTISE_100M, speeds.m100);
  setBit(hw, phy, MDIO_MMD_AUTO_NEG, MDIO_AN_CONTROL, MDIO_AN_ENABLE | MDIO_AN_RESTART, true);
}
