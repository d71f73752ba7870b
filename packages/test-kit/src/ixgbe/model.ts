/**
 * A register-level model of one Intel 82599ES SFP+ port (X520), or of an X540-T port where
 * the X540 differs cheaply (its id, and a 10GBASE-T PHY over MDIO instead of the SFP+
 * cage): BAR0 with side effects (reset, EEPROM, SFP+ module over bit-banged I2C, link,
 * interrupts, receive and transmit by DMA, statistics), its 64 MSI-X vectors as eventfds
 * bound the way VFIO binds them, a cable to carry frames, and fault injection. Everything happens synchronously inside the
 * call that causes it: a TDT write transmits before it returns; a frame offered to
 * {@link IxgbeModel.receiveFrame} is in host memory, written back and signalled when it
 * returns. Register accesses are plain method calls, so a vfio-user server loop can
 * serve them as well as an in-process driver.
 */
import { NicError } from '@nic/native';
import { FCS_LEN } from '../model/crc.js';
import { destinationKind, MAX_FRAME, TPID_8021Q } from '../model/frame.js';
import { RAH_AV } from '../model/filters.js';
import { macToRar } from '../model/mac.js';
import type { ModelPciSpec } from '../model/pci-model.js';
import { PortModel, type PortModelOptions } from '../model/port.js';
import { defineRingRegisters } from '../model/rings.js';
import { TxRingEngine } from '../model/tx-ring.js';
import { EEPROM_SIZE_FIELD, IxgbeEeprom } from './eeprom.js';
import { I2cBus } from './i2c.js';
import { MdioBus } from './mdio.js';
import { PHY_ADDRESS, X540Phy, type PhySpeed } from './phy.js';
import { IxgbeInterrupts } from './interrupts.js';
import { E82599_SFP_DEVICE_ID, ixgbePciSpec, X540T_DEVICE_ID } from './pci.js';
import * as R from './regs.js';
import { IxgbeReceiver, type IxgbeRxError, type IxgbeRxOutcome } from './rx.js';
import { SFP_DIAG_ADDRESS, SFP_ID_ADDRESS, SfpModule, type SfpKind } from './sfp.js';
import { IxgbeStats } from './stats.js';

/** Which part: the 82599ES SFP+ (8086:10FB) or the X540-T (8086:1528, 10GBASE-T copper). */
export type IxgbeDevice = '82599' | 'x540';

/** Options of {@link IxgbeModel}. */
export interface IxgbeModelOptions extends PortModelOptions {
  /** The part modelled; default `'82599'`. */
  readonly device?: IxgbeDevice;
  /** The SFP+ module plugged at power-on (`false`: none); default a 10GBASE-SR module on an 82599, none on an X540 (which has no cage). */
  readonly sfp?: SfpKind | false;
}

const I2C_ADDRESS_SHIFT = 1;
const HEX = 16;
const RAR_STRIDE = 8;
const SRRCTL_ALIAS_STRIDE = 4;
/** Second byte of default MAC addresses (02:99:00:00:..). */
const MAC_FAMILY = 0x99;
/** Reset values (82599 datasheet). */
const HLREG0_DEFAULT = R.HLREG0_TXCRCEN | R.HLREG0_RXCRCSTRP | R.HLREG0_TXPADEN | R.HLREG0_RXLNGTHERREN;
const MAXFRS_DEFAULT = (MAX_FRAME + FCS_LEN) << R.MAXFRS_MFS_SHIFT;
const SRRCTL_DEFAULT = 0x00000402;
const RXPBSIZE_0_DEFAULT = 0x00080000;
const TXPBSIZE_0_DEFAULT = 0x00028000;
const AUTOC_DEFAULT = R.AUTOC_LMS_10G_SERIAL << R.AUTOC_LMS_SHIFT;
/** ANLP1.AN_STATE once autonegotiation has restarted (any non-zero state). */
const ANLP1_AN_RUNNING = 0x00010000;
/** Link modes (AUTOC.LMS) that can carry 10 Gb/s; the others are 1 Gb/s only, which the module cannot do. */
const LMS_10G = new Set([R.AUTOC_LMS_10G_LINK_NO_AN, R.AUTOC_LMS_10G_SERIAL, R.AUTOC_LMS_KX4_KX_KR, R.AUTOC_LMS_KX4_KX_KR_1G_AN, R.AUTOC_LMS_KX4_KX_KR_SGMII]);
const LINKS_UP_10G = (R.LINKS_UP | R.LINKS_SPEED_10G_82599 | R.LINKS_10G_ALIGN | R.LINKS_10G_LANE_SYNC) >>> 0;
/** LINKS of an X540 link at each speed. */
const LINKS_BY_SPEED: Record<PhySpeed, number> = {
  0: 0,
  100: (R.LINKS_UP | R.LINKS_SPEED_100_82599) >>> 0,
  1000: (R.LINKS_UP | R.LINKS_SPEED_1G_82599) >>> 0,
  10000: LINKS_UP_10G,
};

const RX_ERRORS: readonly IxgbeRxError[] = ['crc', 'length'];

/** The register offset an access at `offset` reaches: the 82598 windows of RAR 0-15 and SRRCTL 0-15 folded. */
function canonical(offset: number): number {
  const rar = offset - R.RAR_ALIAS;
  if (rar >= 0 && rar < R.RAR_ALIAS_ENTRIES * RAR_STRIDE) return R.RAL(0) + rar;
  const srrctl = offset - R.SRRCTL_ALIAS;
  if (srrctl >= 0 && srrctl < R.SRRCTL_ALIAS_QUEUES * SRRCTL_ALIAS_STRIDE && srrctl % SRRCTL_ALIAS_STRIDE === 0) return R.SRRCTL(srrctl / SRRCTL_ALIAS_STRIDE);
  return offset;
}

/** One modelled 82599 (or X540) port. Its BAR0 registers are {@link read32} / {@link write32}. */
export class IxgbeModel extends PortModel<IxgbeRxOutcome, IxgbeRxError> {
  /** The part modelled. */
  readonly device: IxgbeDevice;
  /** Its PCI identity and BAR layout. */
  readonly pci: ModelPciSpec;
  protected readonly nvm: IxgbeEeprom;
  readonly #i2c = new I2cBus();
  readonly #mdio = new MdioBus();
  /** The X540's copper PHY; undefined on an 82599. */
  readonly #phy: X540Phy | undefined;
  readonly #stats: IxgbeStats;
  readonly #intr: IxgbeInterrupts;
  readonly #rx: IxgbeReceiver;
  protected readonly tx: TxRingEngine;
  #module: SfpModule | undefined;

  constructor(options: IxgbeModelOptions = {}) {
    super({ kind: 'ixgbe', macFamily: MAC_FAMILY, registerBarSize: R.BAR0_SIZE, msixVectors: R.MSIX_VECTORS, canonical, rxErrors: RX_ERRORS }, options);
    if (options.device !== undefined && options.device !== '82599' && options.device !== 'x540') {
      throw new NicError('NIC_EINVAL', `IxgbeModel: unknown device "${String(options.device)}" (82599 or x540)`);
    }
    this.device = options.device ?? '82599';
    this.pci = ixgbePciSpec(this.mac, this.device === 'x540' ? X540T_DEVICE_ID : E82599_SFP_DEVICE_ID);
    if (this.device === 'x540' && options.sfp !== undefined && options.sfp !== false) throw new NicError('NIC_EINVAL', 'IxgbeModel: an X540 has no SFP+ cage');
    this.#module = this.#moduleOf(this.device === 'x540' ? false : (options.sfp ?? 'sr'));
    this.#phy = this.device === 'x540' ? new X540Phy() : undefined;
    this.#mdio.attach(PHY_ADDRESS, this.#phy);
    this.nvm = new IxgbeEeprom(this.mac);
    this.#stats = new IxgbeStats(this.u32);
    this.regs.useCounters(this.#stats);
    this.#intr = new IxgbeInterrupts(this.u32, (v) => this.signal(v));
    this.#rx = new IxgbeReceiver(this.u32, this.dma, this.#stats, this.#intr, (q) => this.#rxQueueEnabled(q));
    this.tx = new TxRingEngine(this.u32, this.dma, R.TX_RING, R.NUM_QUEUES, {
      queueEnabled: (q) => this.#txQueueEnabled(q),
      padShort: () => (this.regs.get(R.HLREG0) & R.HLREG0_TXPADEN) !== 0,
      tpid: () => this.regs.get(R.DMATXCTL) >>> R.DMATXCTL_VT_SHIFT,
      send: (frame, q) => {
        this.#stats.sent(q, frame.length, destinationKind(frame));
        this.send(frame);
      },
      wroteBack: (q) => this.#intr.queueCause(q, true),
    });
    this.#attachModule();
    this.#defineRegisters();
    this.reset();
  }

  /**
   * Power-on reset (also CTRL.RST and CTRL.LNK_RST, which then read back clear): every
   * register to its default, EEC showing the EEPROM present and auto-read done, the LAN
   * core 0 MAC in RAL0/RAH0 with AV, STATUS.GIO set, the link as the cable and module
   * allow. Interrupt bindings (VFIO state), the cable and the module stay.
   */
  reset(): void {
    if (this.regs.removed) return;
    this.u32.fill(0);
    this.#intr.reset();
    this.#rx.reset();
    this.tx.reset();
    this.#i2c.reset();
    const r = this.regs;
    r.set(R.STATUS, R.STATUS_GIO);
    // Valid firmware in no manageability mode (FWSM.MODE 0: the driver owns the link and laser).
    r.set(R.FWSM, R.FWSM_FW_VAL);
    r.set(R.EEC, R.EEC_PRES | R.EEC_ARD | R.EEC_ADDR_SIZE | (EEPROM_SIZE_FIELD << R.EEC_SIZE_SHIFT));
    r.set(R.HLREG0, HLREG0_DEFAULT);
    r.set(R.MAXFRS, MAXFRS_DEFAULT);
    r.set(R.VLNCTRL, TPID_8021Q);
    r.set(R.DMATXCTL, (TPID_8021Q << R.DMATXCTL_VT_SHIFT) >>> 0);
    r.set(R.AUTOC, AUTOC_DEFAULT);
    r.set(R.AUTOC2, R.AUTOC2_10G_SFI);
    r.set(R.RDRXCTL, R.RDRXCTL_DMAIDONE);
    r.set(R.SECRXSTAT, R.SECRXSTAT_SECRX_RDY);
    r.set(R.SECTXSTAT, R.SECTXSTAT_SECTX_RDY);
    r.set(R.RXPBSIZE(0), RXPBSIZE_0_DEFAULT);
    r.set(R.TXPBSIZE(0), TXPBSIZE_0_DEFAULT);
    r.set(R.I2CCTL, R.I2C_CLK_OUT | R.I2C_DATA_OUT);
    for (let q = 0; q < R.NUM_QUEUES; q++) r.set(R.SRRCTL(q), SRRCTL_DEFAULT);
    const [ral, rah] = macToRar(this.nvm.mac(0));
    r.set(R.RAL(0), ral);
    r.set(R.RAH(0), (rah | RAH_AV) >>> 0);
    this.#showModule();
    this.updateLink(false);
  }

  /** The SFP+ module plugged in, undefined when none (fault injection: {@link setModule}). */
  get module(): SfpModule | undefined {
    return this.#module;
  }

  /**
   * Whether the link is up (LINKS.LINK_UP). 82599: cable and module in, link enabled in
   * AUTOC2, a 10 Gb/s link mode in AUTOC. X540: cable in, the PHY powered, autonegotiating
   * and advertising a speed (the link runs at the fastest one).
   */
  get linkUp(): boolean {
    return (this.regs.get(R.LINKS) & R.LINKS_UP) !== 0 && !this.regs.removed;
  }

  /**
   * Fault injection: plugs an SFP+ module of `kind` in, or pulls it (`false`). The module's
   * I2C addresses answer or go silent, ESDP.SDP2 (cage full) follows, EICR.GPI_SDP2 is raised
   * when GPIE.SDP2_GPIEN enables it, and the link follows with EICR.LSC.
   */
  setModule(kind: SfpKind | false): void {
    if (this.device === 'x540') throw new NicError('NIC_ENOTSUP', `${this.name}: an X540 has no SFP+ cage`);
    if (kind !== false && kind !== 'sr' && kind !== 'lr' && kind !== 'da') throw new NicError('NIC_EINVAL', `${this.name}: unknown SFP+ module "${String(kind)}" (sr, lr, da or false)`);
    const had = this.#module !== undefined;
    this.#module = this.#moduleOf(kind);
    this.#attachModule();
    if (this.regs.removed) return;
    this.#showModule();
    if (had !== (this.#module !== undefined) && (this.regs.get(R.GPIE) & R.GPIE_SDP2_GPIEN) !== 0) this.#intr.cause(R.EICR_GPI_SDP2);
    this.updateLink(true);
  }

  /** The receive path, while bus mastering (STATUS.GIO) lets the device DMA. */
  protected receive(frame: Uint8Array): IxgbeRxOutcome {
    if ((this.regs.get(R.STATUS) & R.STATUS_GIO) === 0) return 'rx-disabled';
    return this.#rx.receive(frame);
  }

  protected injectError(kind: IxgbeRxError): void {
    this.#rx.injectError(kind);
  }

  /** Puts `frame` on the cable, or back into the port with HLREG0.LPBK. */
  protected override send(frame: Uint8Array): void {
    if (this.linkUp && (this.regs.get(R.HLREG0) & R.HLREG0_LPBK) !== 0) this.receive(frame);
    else super.send(frame);
  }

  /** RXDCTL.ENABLE as it reads back: set, and the queue has a ring. */
  #rxQueueEnabled(q: number): boolean {
    return (this.regs.get(R.RXDCTL(q)) & R.RXDCTL_ENABLE) !== 0 && this.regs.get(R.RDLEN(q)) !== 0;
  }

  /** TXDCTL.ENABLE as it reads back: set, the queue has a ring, and DMATXCTL.TE is set. */
  #txQueueEnabled(q: number): boolean {
    const r = this.regs;
    return (r.get(R.TXDCTL(q)) & R.TXDCTL_ENABLE) !== 0 && r.get(R.TDLEN(q)) !== 0 && (r.get(R.DMATXCTL) & R.DMATXCTL_TE) !== 0 && (r.get(R.STATUS) & R.STATUS_GIO) !== 0;
  }

  /** A module of `kind` (none for `false`), its serial number the MAC address in hex. */
  #moduleOf(kind: SfpKind | false): SfpModule | undefined {
    return kind === false ? undefined : new SfpModule(kind, Array.from(this.mac, (b) => b.toString(HEX).padStart(2, '0')).join('').toUpperCase());
  }

  #attachModule(): void {
    const module = this.#module;
    this.#i2c.attach(SFP_ID_ADDRESS >>> I2C_ADDRESS_SHIFT, module?.idTarget);
    this.#i2c.attach(SFP_DIAG_ADDRESS >>> I2C_ADDRESS_SHIFT, module?.diagTarget);
  }

  /** ESDP.SDP2 reads 1 while a module is plugged (the cage's presence line). */
  #showModule(): void {
    const esdp = this.regs.get(R.ESDP) & ~R.ESDP_SDP2;
    this.regs.set(R.ESDP, (esdp | (this.#module ? R.ESDP_SDP2 : 0)) >>> 0);
  }

  /** LINKS follows the link; a change raises EICR.LSC. */
  protected updateLink(raise: boolean): void {
    const r = this.regs;
    const enabled = this.cable && (r.get(R.AUTOC2) & R.AUTOC2_LINK_DISABLE_MASK) === 0;
    let links: number;
    if (this.#phy) {
      // X540: the copper PHY's autonegotiation decides, at the fastest speed advertised.
      const speed = enabled ? this.#phy.speed : 0;
      this.#phy.showLink(speed);
      links = LINKS_BY_SPEED[speed];
    } else {
      const lms = (r.get(R.AUTOC) & R.AUTOC_LMS_MASK) >>> R.AUTOC_LMS_SHIFT;
      links = enabled && this.#module !== undefined && LMS_10G.has(lms) ? LINKS_UP_10G : 0;
    }
    const was = (r.get(R.LINKS) & R.LINKS_UP) !== 0;
    r.set(R.LINKS, links);
    if (raise && (links !== 0) !== was) this.#intr.cause(R.EICR_LSC);
  }

  #writeMsca(value: number): void {
    const [msca, msrwd] = this.#mdio.command(value, this.regs.get(R.MSRWD));
    this.regs.set(R.MSCA, msca);
    this.regs.set(R.MSRWD, msrwd);
    if (this.#phy) this.updateLink(true);
  }

  #writeCtrl(value: number): void {
    if ((value & R.CTRL_RST_MASK) !== 0) {
      this.reset();
      return;
    }
    this.regs.set(R.CTRL, value);
    const status = this.regs.get(R.STATUS) & ~R.STATUS_GIO;
    this.regs.set(R.STATUS, ((value & R.CTRL_GIO_DIS) !== 0 ? status : status | R.STATUS_GIO) >>> 0);
  }

  #writeAutoc(value: number): void {
    const r = this.regs;
    if ((value & R.AUTOC_AN_RESTART) !== 0) r.set(R.ANLP1, (r.get(R.ANLP1) & ~R.ANLP1_AN_STATE_MASK) | ANLP1_AN_RUNNING);
    r.set(R.AUTOC, (value & ~R.AUTOC_AN_RESTART) >>> 0);
    this.updateLink(true);
  }

  #writeI2c(value: number): void {
    this.regs.set(R.I2CCTL, value & ~(R.I2C_CLK_IN | R.I2C_DATA_IN));
    this.#i2c.drive((value & R.I2C_CLK_OUT) !== 0, (value & R.I2C_DATA_OUT) !== 0);
  }

  #readI2c(): number {
    return (this.regs.get(R.I2CCTL) | (this.#i2c.clock ? R.I2C_CLK_IN : 0) | (this.#i2c.data ? R.I2C_DATA_IN : 0)) >>> 0;
  }

  #defineRegisters(): void {
    const r = this.regs;
    const intr = this.#intr;
    const readOnly = (): void => undefined;
    r.onWrite(R.CTRL, (v) => this.#writeCtrl(v));
    for (const ro of [R.STATUS, R.LINKS, R.ANLP1, R.FWSM, R.SECRXSTAT, R.SECTXSTAT]) r.onWrite(ro, readOnly);
    r.onWrite(R.EEC, (v) => {
      const rw = v & ~R.EEC_RO_BITS;
      r.set(R.EEC, ((r.get(R.EEC) & R.EEC_RO_BITS & ~R.EEC_GNT) | rw | ((rw & R.EEC_REQ) !== 0 ? R.EEC_GNT : 0)) >>> 0);
    });
    r.onWrite(R.EERD, (v) => r.set(R.EERD, this.nvm.eerdWrite(v)));
    r.setOnRead(R.SWSM, R.SWSM_SMBI);
    r.onWrite(R.I2CCTL, (v) => this.#writeI2c(v));
    r.onRead(R.I2CCTL, () => this.#readI2c());
    r.onWrite(R.ESDP, (v) => {
      r.set(R.ESDP, v);
      this.#showModule();
    });
    r.onWrite(R.AUTOC, (v) => this.#writeAutoc(v));
    r.onWrite(R.MSCA, (v) => this.#writeMsca(v));
    r.onWrite(R.AUTOC2, (v) => {
      r.set(R.AUTOC2, v);
      this.updateLink(true);
    });
    r.onWrite(R.RDRXCTL, (v) => r.set(R.RDRXCTL, (v | R.RDRXCTL_DMAIDONE) >>> 0));
    // Flow Director is not modelled, but its table initialises and its commands complete, as drivers poll for both.
    r.onWrite(R.FDIRCTRL, (v) => r.set(R.FDIRCTRL, (v | R.FDIRCTRL_INIT_DONE) >>> 0));
    r.onWrite(R.FDIRCMD, (v) => r.set(R.FDIRCMD, (v & ~R.FDIRCMD_CMD_MASK) >>> 0));
    r.onRead(R.EICR, () => intr.readEicr());
    r.onWrite(R.EICR, (v) => intr.writeEicr(v));
    r.onWrite(R.EICS, (v) => intr.writeEics(v));
    r.onRead(R.EICS, () => r.get(R.EICR));
    r.onWrite(R.EIMS, (v) => intr.writeEims(v));
    r.onWrite(R.EIMC, (v) => intr.writeEimc(v));
    r.onWrite(R.EIAM, (v) => intr.writeEiam(v));
    for (let n = 0; n < R.EX_REGISTERS; n++) {
      r.onWrite(R.EICS_EX(n), (v) => intr.writeEicsEx(n, v));
      r.onWrite(R.EIMS_EX(n), (v) => intr.writeEimsEx(n, v));
      r.onWrite(R.EIMC_EX(n), (v) => intr.writeEimcEx(n, v));
      r.onWrite(R.EIAM_EX(n), (v) => intr.writeEiamEx(n, v));
    }
    for (let q = 0; q < R.NUM_QUEUES; q++) this.#defineQueue(q);
  }

  #defineQueue(q: number): void {
    const r = this.regs;
    defineRingRegisters(r, R.RX_RING, R.TX_RING, q, (n) => this.tx.kick(n));
    const rxdctl = R.RXDCTL(q);
    r.onRead(rxdctl, () => (this.#rxQueueEnabled(q) ? r.get(rxdctl) : r.get(rxdctl) & ~R.RXDCTL_ENABLE));
    const txdctl = R.TXDCTL(q);
    r.onWrite(txdctl, (v) => {
      if ((v & R.TXDCTL_ENABLE) === 0) this.tx.resetQueue(q);
      r.set(txdctl, (v & ~R.TXDCTL_SWFLSH) >>> 0);
    });
    r.onRead(txdctl, () => (this.#txQueueEnabled(q) ? r.get(txdctl) : r.get(txdctl) & ~R.TXDCTL_ENABLE));
  }
}
