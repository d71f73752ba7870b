/**
 * An SFP+ module as SFF-8472 lays out its memory: the serial ID at I2C address 0xA0 (the
 * identifier, compliance codes, vendor name, OUI and part number, with their check codes)
 * and diagnostics at 0xA2 (thresholds, live values, and control bytes and a user area
 * software may write). The default is a 10GBASE-SR module with Intel's OUI, which the
 * ixgbe drivers accept without `allow_unsupported_sfp`.
 */
import type { I2cTarget } from './i2c.js';

/** What kind of module: short- or long-reach optics, or a passive direct-attach cable. */
export type SfpKind = 'sr' | 'lr' | 'da';

/** 8-bit I2C addresses of the serial ID and the diagnostics, as drivers name them. */
export const SFP_ID_ADDRESS = 0xa0;
export const SFP_DIAG_ADDRESS = 0xa2;
/** Serial ID bytes (SFF-8472 table 4-1). */
export const SFF_IDENTIFIER = 0;
export const SFF_IDENTIFIER_SFP = 0x03;
export const SFF_10GBE_COMP_CODES = 3;
export const SFF_1GBE_COMP_CODES = 6;
export const SFF_CABLE_TECHNOLOGY = 8;
export const SFF_VENDOR_NAME = 20;
export const SFF_VENDOR_OUI = 37;
export const SFF_VENDOR_PN = 40;
export const SFF_CC_BASE = 63;
export const SFF_VENDOR_SN = 68;
export const SFF_CC_EXT = 95;
export const SFF_10GBASESR_CAPABLE = 0x10;
export const SFF_10GBASELR_CAPABLE = 0x20;
export const SFF_DA_PASSIVE_CABLE = 0x04;
/** Intel's OUI. */
export const INTEL_OUI = [0x00, 0x1b, 0x21] as const;

const PAGE = 256;
const FIELD = 16;
const BITS_PER_BYTE = 8;
const BYTE_MASK = 0xff;
const EXT_ID_SERIAL = 0x04;
const CONNECTOR_LC = 0x07;
const CONNECTOR_COPPER_PIGTAIL = 0x21;
const ENCODING_64B66B = 0x06;
/** Nominal rate 10.3 Gb/s in units of 100 Mb/s. */
const BR_NOMINAL_10G = 0x67;
const LENGTH_OM2_10M = 16;
const LENGTH_OM1_10M = 17;
const LENGTH_COPPER_M = 18;
const LENGTH_OM3_10M = 19;
const LENGTH_SMF_KM = 14;
const LENGTH_SMF_100M = 15;
/** Reach by fibre or cable type: SR 80 m on OM2, 30 m on OM1, 300 m on OM3; LR 10 km; DA 3 m. */
const REACH: Record<SfpKind, ReadonlyArray<readonly [number, number]>> = {
  sr: [[LENGTH_OM2_10M, 8], [LENGTH_OM1_10M, 3], [LENGTH_OM3_10M, 30]],
  lr: [[LENGTH_SMF_KM, 10], [LENGTH_SMF_100M, 100]],
  da: [[LENGTH_COPPER_M, 3]],
};
const WAVELENGTH = 60;
const SR_WAVELENGTH_NM = 850;
const LR_WAVELENGTH_NM = 1310;
/** Passive cable compliance (SFF-8431 appendix E) in the wavelength bytes of a DA cable. */
const DA_PASSIVE_COMPLIANCE = 0x01;
const VENDOR_REV = 56;
const VENDOR_REV_LEN = 4;
const OPTIONS = 64;
/** RX_LOS, TX_FAULT and TX_DISABLE implemented. */
const OPTIONS_LOW = 0x1a;
const DATE_CODE = 84;
/** Manufacturing date, YYMMDD and a lot code. */
const DATE = '260101  ';
const DIAG_MONITORING = 92;
/** Digital diagnostics implemented, internally calibrated, average power. */
const DIAG_IMPLEMENTED = 0x68;
const ENHANCED_OPTIONS = 93;
/** Alarm/warning flags and soft TX_DISABLE, TX_FAULT, RX_LOS. */
const ENHANCED_SOFT = 0xf0;
const SFF_8472_COMPLIANCE = 94;
const SFF_8472_REV_10_2 = 0x03;
/** Diagnostics: live temperature (37.0 C) and supply (3.3 V) at bytes 96-99. */
const DIAG_TEMPERATURE = 96;
const DIAG_LIVE_VALUES = [0x25, 0x00, 0x80, 0xe8] as const;
/** Diagnostics bytes software may write: status/control, extended control, the user area. */
const DIAG_STATUS_CONTROL = 110;
const DIAG_EXTENDED_CONTROL = 118;
const DIAG_USER_FIRST = 128;
const DIAG_USER_LAST = 247;

const ascii = (text: string): number[] => Array.from(text.padEnd(FIELD, ' ').slice(0, FIELD), (c) => c.charCodeAt(0));

/** The two memories of one module. */
export class SfpModule {
  /** Which kind of module this is. */
  readonly kind: SfpKind;
  /** The serial ID (0xA0), read-only. */
  readonly id = new Uint8Array(PAGE);
  /** The diagnostics (0xA2). */
  readonly diag = new Uint8Array(PAGE);

  /** A module of `kind` with serial number `serial` (up to 16 characters). */
  constructor(kind: SfpKind = 'sr', serial = 'NICMODEL0001') {
    this.kind = kind;
    const id = this.id;
    id[SFF_IDENTIFIER] = SFF_IDENTIFIER_SFP;
    id[SFF_IDENTIFIER + 1] = EXT_ID_SERIAL;
    id[SFF_IDENTIFIER + 2] = kind === 'da' ? CONNECTOR_COPPER_PIGTAIL : CONNECTOR_LC;
    id[SFF_10GBE_COMP_CODES] = kind === 'sr' ? SFF_10GBASESR_CAPABLE : kind === 'lr' ? SFF_10GBASELR_CAPABLE : 0;
    id[SFF_CABLE_TECHNOLOGY] = kind === 'da' ? SFF_DA_PASSIVE_CABLE : 0;
    id[SFF_CABLE_TECHNOLOGY + 3] = ENCODING_64B66B;
    id[SFF_CABLE_TECHNOLOGY + 4] = BR_NOMINAL_10G;
    for (const [at, value] of REACH[kind]) id[at] = value;
    id.set(ascii('Intel Corp'), SFF_VENDOR_NAME);
    id.set(INTEL_OUI, SFF_VENDOR_OUI);
    id.set(ascii(`NIC-MODEL-${kind.toUpperCase()}`), SFF_VENDOR_PN);
    id.set(ascii('A').slice(0, VENDOR_REV_LEN), VENDOR_REV);
    const nm = kind === 'sr' ? SR_WAVELENGTH_NM : LR_WAVELENGTH_NM;
    if (kind === 'da') id[WAVELENGTH] = DA_PASSIVE_COMPLIANCE;
    else id.set([nm >>> BITS_PER_BYTE, nm & BYTE_MASK], WAVELENGTH);
    id[SFF_CC_BASE] = checkCode(id, 0, SFF_CC_BASE);
    id[OPTIONS + 1] = OPTIONS_LOW;
    id.set(ascii(serial), SFF_VENDOR_SN);
    id.set(ascii(DATE).slice(0, DATE.length), DATE_CODE);
    id[DIAG_MONITORING] = DIAG_IMPLEMENTED;
    id[ENHANCED_OPTIONS] = ENHANCED_SOFT;
    id[SFF_8472_COMPLIANCE] = SFF_8472_REV_10_2;
    id[SFF_CC_EXT] = checkCode(id, OPTIONS, SFF_CC_EXT);
    this.diag.set(DIAG_LIVE_VALUES, DIAG_TEMPERATURE);
  }

  /** The serial ID as an I2C target (writes are acknowledged and ignored). */
  get idTarget(): I2cTarget {
    return { read: (offset) => this.id[offset], write: () => undefined };
  }

  /** The diagnostics as an I2C target (control bytes and the user area are writable). */
  get diagTarget(): I2cTarget {
    return {
      read: (offset) => this.diag[offset],
      write: (offset, value) => {
        if (offset === DIAG_STATUS_CONTROL || offset === DIAG_EXTENDED_CONTROL || (offset >= DIAG_USER_FIRST && offset <= DIAG_USER_LAST)) this.diag[offset] = value;
      },
    };
  }
}

/** The low byte of the sum of `bytes[from .. to)` (an SFF-8472 check code). */
export function checkCode(bytes: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += bytes[i];
  return sum & BYTE_MASK;
}
