/**
 * The X540's internal 10GBASE-T PHY as software reaches it over MDIO clause 45 (MSCA and
 * MSRWD): an address cycle latches a register address for a (PHY address, MMD) pair, a
 * write or read cycle then moves data through MSRWD. The PHY answers at MDIO address 0
 * (reads elsewhere return all ones, as an empty bus does); its MMDs are the PMA/PMD (1:
 * identifier 0x01540200, speed abilities), autonegotiation (7: control with restart,
 * status, the 100M/1G/10G advertisements, vendor status and the link-change alarm) and
 * vendor-specific 1 (0x1E: low-power control, link and speed status). Autonegotiation
 * completes at once; the link runs at the fastest speed advertised.
 */

/** MDIO address of the PHY. */
export const PHY_ADDRESS = 0;
/** MMDs. */
export const MMD_PMA_PMD = 0x1;
export const MMD_AUTO_NEG = 0x7;
export const MMD_VENDOR_1 = 0x1e;
/** PMA/PMD registers. */
export const PMA_STATUS = 0x1;
export const PHY_ID_HIGH = 0x2;
export const PHY_ID_LOW = 0x3;
export const PHY_SPEED_ABILITY = 0x4;
export const PHY_EXT_ABILITY = 0xb;
/** The X540's PHY identifier. */
export const X540_PHY_ID = 0x01540200;
/** Autonegotiation registers and bits. */
export const AN_CONTROL = 0x0;
export const AN_STATUS = 0x1;
export const AN_ADVERTISE = 0x10;
export const AN_10GBASE_T_CONTROL = 0x20;
export const AN_VENDOR_PROVISION_1 = 0xc400;
export const AN_VENDOR_STATUS = 0xc800;
export const AN_VENDOR_TX_ALARM = 0xcc00;
export const AN_ENABLE = 0x1000;
export const AN_RESTART = 0x0200;
export const AN_LINK_UP = 0x0004;
export const AN_COMPLETE = 0x0020;
export const ADVERTISE_100BASE_T = 0x0100;
export const ADVERTISE_1GBASE_T = 0x8000;
export const ADVERTISE_10GBASE_T = 0x1000;
export const VENDOR_STATUS_100M_FULL = 0x3;
export const VENDOR_STATUS_1GB_FULL = 0x5;
export const VENDOR_STATUS_10GB_FULL = 0x7;
export const VENDOR_TX_ALARM_LSC = 0x1;
/** Vendor-specific 1 registers and bits. */
export const VS1_CONTROL = 0x0;
export const VS1_STATUS = 0x1;
export const VS1_LOW_POWER = 0x0800;
export const VS1_LINK_UP = 0x0008;
/** Speed status: set at 1 Gb/s, clear at 10 Gb/s. */
export const VS1_SPEED_1G = 0x0010;
/** PMA/PMD status: receive link. */
export const PMA_LINK_UP = 0x0004;
/** Speed abilities: 10G, 1G, 100M; extended: 10GBASE-T, 1000BASE-T, 100BASE-TX. */
const SPEED_ABILITIES = 0x0031;
const EXT_ABILITIES = 0x00a4;
const REG_MASK = 0xffff;
const ID_SHIFT = 16;
/** What a read from an address no PHY answers returns. */
export const MDIO_NO_DEVICE = 0xffff;

/** Link speed in Mb/s, 0 when down. */
export type PhySpeed = 0 | 100 | 1000 | 10000;

const DEFAULTS: ReadonlyArray<readonly [mmd: number, reg: number, value: number]> = [
  [MMD_PMA_PMD, PHY_ID_HIGH, X540_PHY_ID >>> ID_SHIFT],
  [MMD_PMA_PMD, PHY_ID_LOW, X540_PHY_ID & REG_MASK],
  [MMD_PMA_PMD, PHY_SPEED_ABILITY, SPEED_ABILITIES],
  [MMD_PMA_PMD, PHY_EXT_ABILITY, EXT_ABILITIES],
  [MMD_AUTO_NEG, AN_CONTROL, AN_ENABLE],
  [MMD_AUTO_NEG, AN_ADVERTISE, ADVERTISE_100BASE_T],
  [MMD_AUTO_NEG, AN_10GBASE_T_CONTROL, ADVERTISE_10GBASE_T],
  [MMD_AUTO_NEG, AN_VENDOR_PROVISION_1, ADVERTISE_1GBASE_T],
];
/** Registers only the PHY sets (writes ignored); the alarm clears on read. */
const READ_ONLY = new Set([key(MMD_PMA_PMD, PMA_STATUS), key(MMD_PMA_PMD, PHY_ID_HIGH), key(MMD_PMA_PMD, PHY_ID_LOW), key(MMD_AUTO_NEG, AN_STATUS), key(MMD_AUTO_NEG, AN_VENDOR_STATUS), key(MMD_VENDOR_1, VS1_STATUS)]);

function key(mmd: number, reg: number): number {
  return (mmd << ID_SHIFT) | reg;
}

/** The register space of the PHY. */
export class X540Phy {
  readonly #regs = new Map<number, number>();

  constructor() {
    this.reset();
  }

  /** Back to power-on values, link bits clear. */
  reset(): void {
    this.#regs.clear();
    for (const [mmd, reg, value] of DEFAULTS) this.#regs.set(key(mmd, reg), value);
  }

  /** Register `reg` of `mmd` (0 where nothing was written; the alarm clears on read). */
  read(mmd: number, reg: number): number {
    const k = key(mmd, reg);
    const value = this.#regs.get(k) ?? 0;
    if (k === key(MMD_AUTO_NEG, AN_VENDOR_TX_ALARM)) this.#regs.set(k, 0);
    return value;
  }

  /** Writes register `reg` of `mmd`; restart self-clears, status registers ignore writes. */
  write(mmd: number, reg: number, value: number): void {
    const k = key(mmd, reg);
    if (READ_ONLY.has(k)) return;
    this.#regs.set(k, (k === key(MMD_AUTO_NEG, AN_CONTROL) ? value & ~AN_RESTART : value) & REG_MASK);
  }

  /** The speed the link would run at with a partner on the cable: the fastest advertised, 0 in low power or without autonegotiation. */
  get speed(): PhySpeed {
    if ((this.read(MMD_VENDOR_1, VS1_CONTROL) & VS1_LOW_POWER) !== 0) return 0;
    if ((this.read(MMD_AUTO_NEG, AN_CONTROL) & AN_ENABLE) === 0) return 0;
    if ((this.read(MMD_AUTO_NEG, AN_10GBASE_T_CONTROL) & ADVERTISE_10GBASE_T) !== 0) return 10000;
    if ((this.read(MMD_AUTO_NEG, AN_VENDOR_PROVISION_1) & ADVERTISE_1GBASE_T) !== 0) return 1000;
    return (this.read(MMD_AUTO_NEG, AN_ADVERTISE) & ADVERTISE_100BASE_T) !== 0 ? 100 : 0;
  }

  /** Shows a link at `speed` (0: down) in the status registers; a change sets the link-change alarm. */
  showLink(speed: PhySpeed): void {
    const up = speed !== 0;
    const was = (this.#regs.get(key(MMD_AUTO_NEG, AN_STATUS)) ?? 0) & AN_LINK_UP;
    this.#regs.set(key(MMD_PMA_PMD, PMA_STATUS), up ? PMA_LINK_UP : 0);
    this.#regs.set(key(MMD_AUTO_NEG, AN_STATUS), up ? AN_LINK_UP | AN_COMPLETE : 0);
    this.#regs.set(key(MMD_AUTO_NEG, AN_VENDOR_STATUS), speed === 10000 ? VENDOR_STATUS_10GB_FULL : speed === 1000 ? VENDOR_STATUS_1GB_FULL : speed === 100 ? VENDOR_STATUS_100M_FULL : 0);
    this.#regs.set(key(MMD_VENDOR_1, VS1_STATUS), up ? VS1_LINK_UP | (speed === 1000 ? VS1_SPEED_1G : 0) : 0);
    if ((was !== 0) !== up) this.#regs.set(key(MMD_AUTO_NEG, AN_VENDOR_TX_ALARM), VENDOR_TX_ALARM_LSC);
  }
}
