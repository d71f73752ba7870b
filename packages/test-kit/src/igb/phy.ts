/**
 * The 82576's internal copper PHY (an IGP03-class PHY, id 0x02A80390 revision 1, at MDIO
 * address 1), reached through MDIC: the IEEE 802.3 clause 22 registers and the IGP
 * registers e1000 drivers touch. Autonegotiation completes at once when the cable is
 * connected and the PHY is powered; there is no timer.
 */

/** MDIO address of the internal PHY. */
export const PHY_ADDRESS = 1;

/** Basic Mode Control. */
export const PHY_BMCR = 0x00;
/** Basic Mode Status. */
export const PHY_BMSR = 0x01;
export const PHY_ID1 = 0x02;
export const PHY_ID2 = 0x03;
/** Autonegotiation advertisement. */
export const PHY_ANAR = 0x04;
/** Link partner ability. */
export const PHY_ANLPAR = 0x05;
/** Autonegotiation expansion. */
export const PHY_ANER = 0x06;
/** Next page transmit. */
export const PHY_ANNP = 0x07;
/** Link partner next page. */
export const PHY_ANLPRNP = 0x08;
/** 1000BASE-T control. */
export const PHY_CTRL1000 = 0x09;
/** 1000BASE-T status. */
export const PHY_STAT1000 = 0x0a;
/** Extended status. */
export const PHY_EXTSTAT = 0x0f;
export const IGP_PORT_CONFIG = 0x10;
export const IGP_PORT_STATUS = 0x11;
export const IGP_PORT_CTRL = 0x12;
export const IGP_LINK_HEALTH = 0x13;
export const IGP_POWER_MGMT = 0x19;
/** Page select (write-only). */
export const IGP_PAGE_SELECT = 0x1f;
/** Registers the 5-bit MDIO address reaches. */
export const PHY_REGISTERS = 32;

export const BMCR_SPEED1000 = 0x0040;
export const BMCR_FD = 0x0100;
/** Restart autonegotiation (self-clearing). */
export const BMCR_ANRESTART = 0x0200;
/** Power down. */
export const BMCR_PDOWN = 0x0800;
/** Autonegotiation enable. */
export const BMCR_AUTOEN = 0x1000;
/** PHY reset (self-clearing). */
export const BMCR_RESET = 0x8000;
export const BMSR_EXTCAP = 0x0001;
export const BMSR_LINK_ST = 0x0004;
export const BMSR_AUTONEG = 0x0008;
export const BMSR_AN_COMP = 0x0020;
export const BMSR_MFPS = 0x0040;
export const BMSR_EXTSTAT = 0x0100;
export const BMSR_10T_HD = 0x0800;
export const BMSR_10T_FD = 0x1000;
export const BMSR_100TX_HD = 0x2000;
export const BMSR_100TX_FD = 0x4000;
/** Link partner acknowledged our advertisement. */
export const ANLPAR_ACK = 0x4000;
/** The PHY identifier (ID1 is the high half; ID2 bits 3:0 the revision). */
export const IGP03E1000_E_PHY_ID = 0x02a80390;
const PHY_REVISION = 1;
const ID_SHIFT = 16;
const ID_LOW_MASK = 0xfff0;

/** Power-on values (from QEMU's igb PHY). */
const DEFAULTS: ReadonlyArray<readonly [number, number]> = [
  [PHY_BMCR, BMCR_SPEED1000 | BMCR_FD | BMCR_AUTOEN],
  [PHY_BMSR, BMSR_EXTCAP | BMSR_AUTONEG | BMSR_MFPS | BMSR_EXTSTAT | BMSR_10T_HD | BMSR_10T_FD | BMSR_100TX_HD | BMSR_100TX_FD],
  [PHY_ID1, IGP03E1000_E_PHY_ID >>> ID_SHIFT],
  [PHY_ID2, (IGP03E1000_E_PHY_ID & ID_LOW_MASK) | PHY_REVISION],
  // 802.3 selector, 10/100 half and full, symmetric and asymmetric pause.
  [PHY_ANAR, 0x0de1],
  // 10/100 half and full, 100BASE-T4, pause.
  [PHY_ANLPAR, 0x05e0],
  // Next page able, link partner autonegotiation able.
  [PHY_ANER, 0x0005],
  [PHY_ANNP, 0x2001],
  // Advertise 1000 half and full, multi-port, manual master.
  [PHY_CTRL1000, 0x0f00],
  // Partner 1000 half and full, local and remote receiver OK.
  [PHY_STAT1000, 0x3c00],
  // 1000BASE-T half and full.
  [PHY_EXTSTAT, 0x3000],
  [IGP_PORT_CONFIG, 0x0120],
  // Speed 1000.
  [IGP_PORT_STATUS, 0xc000],
  // D3 low-power link up, smart speed.
  [IGP_POWER_MGMT, 0x008d],
];

const READABLE = new Set([
  PHY_BMCR, PHY_BMSR, PHY_ID1, PHY_ID2, PHY_ANAR, PHY_ANLPAR, PHY_ANER, PHY_ANNP, PHY_ANLPRNP,
  PHY_CTRL1000, PHY_STAT1000, PHY_EXTSTAT, IGP_PORT_CONFIG, IGP_PORT_STATUS, IGP_PORT_CTRL, IGP_LINK_HEALTH, IGP_POWER_MGMT,
]);
const WRITABLE = new Set([PHY_BMCR, PHY_ANAR, PHY_ANNP, PHY_CTRL1000, IGP_PORT_CONFIG, IGP_PORT_CTRL, IGP_POWER_MGMT, IGP_PAGE_SELECT]);
const SELF_CLEARING = BMCR_RESET | BMCR_ANRESTART;
const REG_MASK = 0xffff;

/** The PHY register file. */
export class IgbPhy {
  readonly #regs = new Uint16Array(PHY_REGISTERS);

  constructor() {
    this.reset();
  }

  /** Back to power-on values (BMCR.RESET, CTRL.PHY_RST, device reset). Link bits clear. */
  reset(): void {
    this.#regs.fill(0);
    for (const [reg, value] of DEFAULTS) this.#regs[reg] = value;
  }

  /** Whether BMCR.PDOWN is set. */
  get poweredDown(): boolean {
    return (this.#regs[PHY_BMCR] & BMCR_PDOWN) !== 0;
  }

  /** Whether BMCR.AUTOEN is set. */
  get autonegEnabled(): boolean {
    return (this.#regs[PHY_BMCR] & BMCR_AUTOEN) !== 0;
  }

  /** Register `reg`, or undefined when it cannot be read (MDIC.ERROR). */
  read(reg: number): number | undefined {
    return READABLE.has(reg) ? this.#regs[reg] : undefined;
  }

  /**
   * Writes register `reg`; false when it cannot be written (MDIC.ERROR). BMCR.RESET resets
   * the PHY; RESET and ANRESTART read back as 0.
   */
  write(reg: number, value: number): boolean {
    if (!WRITABLE.has(reg)) return false;
    if (reg === PHY_BMCR && (value & BMCR_RESET) !== 0) this.reset();
    else this.#regs[reg] = reg === PHY_BMCR ? value & REG_MASK & ~SELF_CLEARING : value & REG_MASK;
    return true;
  }

  /** Shows link `up` (and, with autonegotiation on, its completion) in BMSR and ANLPAR. */
  showLink(up: boolean): void {
    const done = up && this.autonegEnabled;
    this.#regs[PHY_BMSR] = (this.#regs[PHY_BMSR] & ~(BMSR_LINK_ST | BMSR_AN_COMP)) | (up ? BMSR_LINK_ST : 0) | (done ? BMSR_AN_COMP : 0);
    this.#regs[PHY_ANLPAR] = (this.#regs[PHY_ANLPAR] & ~ANLPAR_ACK) | (done ? ANLPAR_ACK : 0);
  }
}
