/**
 * A register-level model of one Intel 82576 port: BAR0 with side effects (reset, EEPROM,
 * PHY, link, interrupts, receive and transmit by DMA, statistics), its MSI-X vectors as
 * eventfds bound the way VFIO binds them, a cable to carry frames, and fault injection.
 * Everything happens synchronously inside the call that causes it: a TDT write transmits
 * before it returns; a frame offered to {@link IgbModel.receiveFrame} is in host memory,
 * written back and signalled when it returns.
 */
import { FCS_LEN } from '../model/crc.js';
import { destinationKind } from '../model/frame.js';
import { macToRar } from '../model/mac.js';
import { PortModel, type PortModelOptions } from '../model/port.js';
import { defineRingRegisters } from '../model/rings.js';
import { TxRingEngine } from '../model/tx-ring.js';
import type { SetIrqsAction } from '../model/vfio-irqs.js';
import { EEPROM_SIZE_EX, IgbEeprom } from './eeprom.js';
import { IgbInterrupts } from './interrupts.js';
import { BMCR_ANRESTART, IgbPhy, PHY_ADDRESS, PHY_BMCR } from './phy.js';
import {
  BAR0_SIZE,
  CTRL,
  CTRL_DEV_RST,
  CTRL_FD,
  CTRL_GIO_MASTER_DISABLE,
  CTRL_PHY_RST,
  CTRL_RST,
  CTRL_SLU,
  EECD,
  EECD_AUTO_RD,
  EECD_PRES,
  EECD_RO_BITS,
  EECD_SIZE_EX_SHIFT,
  EEMNGCTL,
  EEMNGCTL_CFG_DONE_PORT_0,
  EERD,
  EICR,
  EICS,
  EIMC,
  EIMS,
  ICR,
  ICR_LSC,
  ICR_TXDW,
  ICS,
  IMC,
  IMS,
  LOW_QUEUES,
  MDIC,
  MDIC_DATA_MASK,
  MDIC_ERROR,
  MDIC_OP_READ,
  MDIC_OP_WRITE,
  MDIC_PHY_MASK,
  MDIC_PHY_SHIFT,
  MDIC_READY,
  MDIC_REG_MASK,
  MDIC_REG_SHIFT,
  MSIX_VECTORS,
  NUM_QUEUES,
  QUEUE_ALIAS_STRIDE,
  RAH,
  RAH_AV,
  RX_RING,
  TX_RING,
  RAL,
  RDBAL,
  RLPML,
  RX_QUEUE_ALIAS,
  RXDCTL,
  RXDCTL_ENABLE,
  STATUS,
  STATUS_FD,
  STATUS_GIO_MASTER_ENABLE,
  STATUS_LAN_INIT_DONE,
  STATUS_LU,
  STATUS_SPEED_1000,
  SWSM,
  SWSM_SMBI,
  TCTL,
  TCTL_EN,
  TCTL_PSP,
  TDBAL,
  TX_QUEUE_ALIAS,
  TXDCTL,
  TXDCTL_ENABLE,
  VET,
  VET_DEFAULT,
  VET_TPID_MASK,
} from './regs.js';
import { IGB_PCI } from './pci.js';
import { IgbReceiver, type IgbRxError, type IgbRxOutcome } from './rx.js';
import { IgbStats } from './stats.js';

/** Options of {@link IgbModel}. */
export interface IgbModelOptions extends PortModelOptions {
  /**
   * Milliseconds a restart of autonegotiation (PHY BMCR.ANRESTART with autonegotiation on)
   * takes: the link drops at once, silently, and comes back up after this long with a
   * link-status-change interrupt, as on the card (QEMU's igb takes 500 ms), so a driver's
   * start sees its link come up by interrupt. 0 (the default, for in-process tests with no
   * timers): it completes at once, and the link never drops.
   */
  readonly autonegMs?: number;
}

/** What `setIrqs` may do with an interrupt index (VFIO_DEVICE_SET_IRQS). */
export type IgbSetIrqsAction = SetIrqsAction;

const LINK_STATUS_BITS = STATUS_LU | STATUS_FD | STATUS_SPEED_1000;
const RESET_BITS = CTRL_RST | CTRL_DEV_RST;
/** Second byte of default MAC addresses (02:76:00:00:..). */
const MAC_FAMILY = 0x76;
/** RLPML after reset (QEMU's igb value). */
const DEFAULT_RLPML = 0x2600;
const RX_ERRORS: readonly IgbRxError[] = ['crc', 'data'];

/** The register file offset where queue register `offset` lives (aliases folded). */
function canonical(offset: number): number {
  for (const [alias, first] of [[RX_QUEUE_ALIAS, RDBAL], [TX_QUEUE_ALIAS, TDBAL]] as const) {
    const rel = offset - alias;
    if (rel >= 0 && rel < LOW_QUEUES * QUEUE_ALIAS_STRIDE) return first(Math.floor(rel / QUEUE_ALIAS_STRIDE)) + (rel % QUEUE_ALIAS_STRIDE);
  }
  return offset;
}

/** One modelled 82576 port. Its BAR0 registers are {@link read32} / {@link write32}. */
export class IgbModel extends PortModel<IgbRxOutcome, IgbRxError> {
  /** Its PCI identity and BAR layout. */
  readonly pci = IGB_PCI;
  protected readonly nvm: IgbEeprom;
  readonly #phy = new IgbPhy();
  readonly #stats: IgbStats;
  readonly #intr: IgbInterrupts;
  readonly #rx: IgbReceiver;
  protected readonly tx: TxRingEngine;
  readonly #autonegMs: number;
  /** The restart of autonegotiation under way, if any: the link is down until it ends. */
  #negotiation: NodeJS.Timeout | undefined;

  constructor(options: IgbModelOptions = {}) {
    super({ kind: 'igb', macFamily: MAC_FAMILY, registerBarSize: BAR0_SIZE, msixVectors: MSIX_VECTORS, canonical, rxErrors: RX_ERRORS }, options);
    const autonegMs = options.autonegMs ?? 0;
    if (!Number.isFinite(autonegMs) || autonegMs < 0) throw new TypeError('IgbModel: autonegMs must be a non-negative number of milliseconds');
    this.#autonegMs = autonegMs;
    this.nvm = new IgbEeprom(this.mac);
    this.#stats = new IgbStats(this.u32);
    this.regs.useCounters(this.#stats);
    this.#intr = new IgbInterrupts(this.u32, (v) => this.signal(v));
    this.#rx = new IgbReceiver(this.u32, this.dma, this.#stats, this.#intr);
    this.tx = new TxRingEngine(this.u32, this.dma, TX_RING, NUM_QUEUES, {
      queueEnabled: (q) => (this.regs.get(TCTL) & TCTL_EN) !== 0 && (this.regs.get(TXDCTL(q)) & TXDCTL_ENABLE) !== 0,
      padShort: () => (this.regs.get(TCTL) & TCTL_PSP) !== 0,
      tpid: () => this.regs.get(VET) & VET_TPID_MASK,
      send: (frame) => {
        this.#stats.transmitted(frame.length + FCS_LEN, destinationKind(frame));
        this.send(frame);
      },
      wroteBack: (q) => {
        this.#intr.raiseExtended(this.#intr.txQueueBit(q));
        this.#intr.raise(ICR_TXDW);
      },
    });
    this.#defineRegisters();
    this.reset();
  }

  /**
   * Power-on reset (also CTRL.RST and CTRL.DEV_RST): every register to its default, the
   * PHY reset, the EEPROM's MAC in RAL0/RAH0, EECD and STATUS showing the NVM loaded and
   * EEMNGCTL its configuration done; interrupt bindings (VFIO state) and the cable stay.
   */
  reset(): void {
    if (this.regs.removed) return;
    clearTimeout(this.#negotiation);
    this.#negotiation = undefined;
    this.u32.fill(0);
    this.#phy.reset();
    this.#rx.reset();
    this.tx.reset();
    const r = this.regs;
    r.set(CTRL, CTRL_FD);
    r.set(STATUS, STATUS_LAN_INIT_DONE | STATUS_GIO_MASTER_ENABLE);
    r.set(EECD, EECD_PRES | EECD_AUTO_RD | (EEPROM_SIZE_EX << EECD_SIZE_EX_SHIFT));
    r.set(EEMNGCTL, EEMNGCTL_CFG_DONE_PORT_0);
    r.set(RXDCTL(0), RXDCTL_ENABLE);
    r.set(TXDCTL(0), TXDCTL_ENABLE);
    r.set(TCTL, TCTL_PSP);
    r.set(VET, VET_DEFAULT);
    r.set(RLPML, DEFAULT_RLPML);
    const [ral, rah] = macToRar(this.nvm.mac());
    r.set(RAL(0), ral);
    r.set(RAH(0), (rah | RAH_AV) >>> 0);
    this.updateLink(false);
  }

  /** Whether the link is up (STATUS.LU): cable connected, PHY powered, and CTRL.SLU or autonegotiation. */
  get linkUp(): boolean {
    return (this.regs.get(STATUS) & STATUS_LU) !== 0 && !this.regs.removed;
  }

  /**
   * STATUS.LU and PHY BMSR follow the link (down while autonegotiation restarts); a change
   * raises ICR.LSC (firing the "other" vector when enabled).
   */
  protected updateLink(raise: boolean): void {
    const ctrl = this.regs.get(CTRL);
    const up = this.cable && !this.#phy.poweredDown && this.#negotiation === undefined && ((ctrl & CTRL_SLU) !== 0 || this.#phy.autonegEnabled);
    const status = this.regs.get(STATUS);
    this.#phy.showLink(up);
    this.regs.set(STATUS, ((status & ~LINK_STATUS_BITS) | (up ? LINK_STATUS_BITS : 0)) >>> 0);
    if (raise && up !== ((status & STATUS_LU) !== 0)) this.#intr.raise(ICR_LSC);
  }

  protected receive(frame: Uint8Array): IgbRxOutcome {
    return this.#rx.receive(frame);
  }

  protected injectError(kind: IgbRxError): void {
    this.#rx.injectError(kind);
  }

  #writeCtrl(value: number): void {
    if ((value & RESET_BITS) !== 0) {
      this.reset();
      return;
    }
    if ((value & CTRL_PHY_RST) !== 0) this.#phy.reset();
    this.regs.set(CTRL, value);
    const status = this.regs.get(STATUS) & ~STATUS_GIO_MASTER_ENABLE;
    this.regs.set(STATUS, ((value & CTRL_GIO_MASTER_DISABLE) !== 0 ? status : status | STATUS_GIO_MASTER_ENABLE) >>> 0);
    this.updateLink(true);
  }

  #writeMdic(value: number): void {
    const reg = (value & MDIC_REG_MASK) >>> MDIC_REG_SHIFT;
    let result = value & ~(MDIC_READY | MDIC_ERROR);
    if ((value & MDIC_PHY_MASK) >>> MDIC_PHY_SHIFT !== PHY_ADDRESS) {
      result |= MDIC_ERROR;
    } else if ((value & MDIC_OP_READ) !== 0) {
      const data = this.#phy.read(reg);
      result = data === undefined ? result | MDIC_ERROR : (result & ~MDIC_DATA_MASK) | data;
    } else if ((value & MDIC_OP_WRITE) !== 0) {
      if (!this.#phy.write(reg, value & MDIC_DATA_MASK)) result |= MDIC_ERROR;
      else if (reg === PHY_BMCR) this.#bmcrWritten(value);
    }
    this.regs.set(MDIC, (result | MDIC_READY) >>> 0);
  }

  /** After a BMCR write: the link follows; a restart of autonegotiation with a duration drops it until the restart ends. */
  #bmcrWritten(value: number): void {
    if ((value & BMCR_ANRESTART) === 0 || this.#autonegMs === 0 || !this.#phy.autonegEnabled) {
      this.updateLink(true);
      return;
    }
    clearTimeout(this.#negotiation);
    this.#negotiation = setTimeout(() => {
      this.#negotiation = undefined;
      this.updateLink(true);
    }, this.#autonegMs);
    this.#negotiation.unref();
    this.updateLink(false);
  }

  #defineRegisters(): void {
    const r = this.regs;
    const intr = this.#intr;
    r.onWrite(CTRL, (v) => this.#writeCtrl(v));
    r.onWrite(STATUS, () => undefined);
    r.onWrite(EECD, (v) => r.set(EECD, ((r.get(EECD) & EECD_RO_BITS) | (v & ~EECD_RO_BITS)) >>> 0));
    r.onWrite(EERD, (v) => r.set(EERD, this.nvm.eerdWrite(v)));
    r.onWrite(MDIC, (v) => this.#writeMdic(v));
    r.onWrite(ICR, (v) => intr.clearCauses(v));
    r.onWrite(ICS, (v) => intr.raise(v));
    r.onWrite(IMS, (v) => intr.setMask(v));
    r.onWrite(IMC, (v) => intr.clearMask(v));
    r.onWrite(EICR, (v) => intr.clearExtendedCauses(v));
    r.onWrite(EICS, (v) => intr.raiseExtended(v));
    r.onWrite(EIMS, (v) => intr.setExtendedMask(v));
    r.onWrite(EIMC, (v) => intr.clearExtendedMask(v));
    for (let q = 0; q < NUM_QUEUES; q++) defineRingRegisters(r, RX_RING, TX_RING, q, (n) => this.tx.kick(n));
    r.onRead(ICR, () => intr.readCauses());
    r.onRead(EICR, () => intr.readExtendedCauses());
    r.setOnRead(SWSM, SWSM_SMBI);
  }
}
