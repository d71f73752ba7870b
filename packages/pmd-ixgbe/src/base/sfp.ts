/**
 * SFP+ module identification from its serial ID EEPROM (SFF-8472, bytes 0, 3, 6 and 8), as
 * DPDK's `ixgbe_identify_sfp_module_generic` classifies modules.
 */
import { HwError, type IntelHw } from '@nic/intel-common';
import { readI2cByte, SFP_EEPROM_ADDR } from './i2c.js';

/** Byte 0: the module's form; 0x03 is SFP/SFP+. */
export const SFF_IDENTIFIER = 0x00;
export const SFF_IDENTIFIER_SFP = 0x03;
/** Byte 3: 10 GbE compliance codes. */
export const SFF_10GBE_COMP_CODES = 0x03;
export const SFF_10GBASESR_CAPABLE = 0x10;
export const SFF_10GBASELR_CAPABLE = 0x20;
/** Byte 6: 1 GbE compliance codes. */
export const SFF_1GBE_COMP_CODES = 0x06;
export const SFF_1GBASESX_CAPABLE = 0x01;
export const SFF_1GBASELX_CAPABLE = 0x02;
export const SFF_1GBASET_CAPABLE = 0x08;
/** Byte 8: cable technology. */
export const SFF_CABLE_TECHNOLOGY = 0x08;
export const SFF_DA_PASSIVE_CABLE = 0x04;
export const SFF_DA_ACTIVE_CABLE = 0x08;

/** What is plugged into the cage. */
export type SfpModule = 'not-present' | 'da-passive' | 'da-active' | 'sr' | 'lr' | '1g-sx' | '1g-lx' | '1g-t' | 'unknown';

/** Whether `module` runs at 10 Gb/s (the others at 1 Gb/s, or not at all). */
export function is10G(module: SfpModule): boolean {
  return module === 'da-passive' || module === 'da-active' || module === 'sr' || module === 'lr' || module === 'unknown';
}

/**
 * Reads the module's identity. No acknowledgement on the bus means no module
 * (`not-present`); a module that is not SFP, or one whose codes name nothing known, is
 * `unknown` (DPDK allows unsupported modules on its PMD, and so does this driver).
 */
export function identifySfp(hw: IntelHw): SfpModule {
  let identifier: number;
  try {
    identifier = readI2cByte(hw, SFP_EEPROM_ADDR, SFF_IDENTIFIER);
  } catch (e) {
    if (e instanceof HwError && e.kind === 'timeout') return 'not-present';
    throw e;
  }
  if (identifier !== SFF_IDENTIFIER_SFP) return 'unknown';
  const cable = readI2cByte(hw, SFP_EEPROM_ADDR, SFF_CABLE_TECHNOLOGY);
  if ((cable & SFF_DA_PASSIVE_CABLE) !== 0) return 'da-passive';
  if ((cable & SFF_DA_ACTIVE_CABLE) !== 0) return 'da-active';
  const comp10g = readI2cByte(hw, SFP_EEPROM_ADDR, SFF_10GBE_COMP_CODES);
  if ((comp10g & SFF_10GBASESR_CAPABLE) !== 0) return 'sr';
  if ((comp10g & SFF_10GBASELR_CAPABLE) !== 0) return 'lr';
  const comp1g = readI2cByte(hw, SFP_EEPROM_ADDR, SFF_1GBE_COMP_CODES);
  if ((comp1g & SFF_1GBASESX_CAPABLE) !== 0) return '1g-sx';
  if ((comp1g & SFF_1GBASELX_CAPABLE) !== 0) return '1g-lx';
  if ((comp1g & SFF_1GBASET_CAPABLE) !== 0) return '1g-t';
  return 'unknown';
}
