/**
 * Both modelled chips behind one adapter, for the tests of what they share: how to make a
 * port and a bench, their register modules, and how to switch their receive and transmit
 * paths on, pad short frames and choose the TPID of inserted tags.
 */
import { enableRx as igbEnableRx, enableTx as igbEnableTx } from '../../igb/__fixtures__/rings.js';
import { IgbModelBench } from '../../igb/bench.js';
import { IgbModel } from '../../igb/model.js';
import * as igbRegs from '../../igb/regs.js';
import { enableRx as ixgbeEnableRx, enableTx as ixgbeEnableTx } from '../../ixgbe/__fixtures__/rings.js';
import { IxgbeModelBench } from '../../ixgbe/bench.js';
import { IxgbeModel } from '../../ixgbe/model.js';
import * as ixgbeRegs from '../../ixgbe/regs.js';
import type { ModelBench } from '../bench.js';
import type { PortModel, PortModelOptions } from '../port.js';
import type { QueueRegs } from './rings.js';

/** A port of either chip. */
export type AnyPort = IgbModel | IxgbeModel;

/** One chip as the shared tests drive it. */
export interface Chip {
  readonly name: string;
  create(options?: PortModelOptions): AnyPort;
  bench(options: { ports?: number; wire?: boolean }): Promise<ModelBench<AnyPort>>;
  readonly R: QueueRegs;
  /** Receive on, broadcast and `promiscuous` unicast accepted, the FCS stripped. */
  enableRx(port: AnyPort, promiscuous?: boolean): void;
  /** Transmit on, short frames padded. */
  enableTx(port: AnyPort): void;
  /** Pads short frames (`true`) or sends them as they are. */
  setPadding(port: AnyPort, pad: boolean): void;
  /** The TPID of inserted VLAN tags. */
  setTxTpid(port: AnyPort, tpid: number): void;
  /** Strips the FCS of received frames (`true`) or keeps it. */
  setCrcStrip(port: AnyPort, strip: boolean): void;
  /** Stores bad frames (runts, errored ones) instead of dropping them. */
  setStoreBad(port: AnyPort, store: boolean): void;
  /** Enables the link-change interrupt (sent on vector 0 out of MSI-X mode). */
  enableLsc(port: AnyPort): void;
  /** Clears every pending interrupt cause, as a driver's handler does. */
  clearCauses(port: AnyPort): void;
  /** MSI-X vectors, and the BAR holding the MSI-X table. */
  readonly vectors: number;
  readonly msixBar: number;
  /** STATUS, a register drivers read at probe, and the bits it shows for a live port with its link up. */
  readonly status: number;
  readonly statusUp: number;
  /** A register with the link-up bit, and that bit. */
  readonly linkRegister: number;
  readonly linkUpBit: number;
  /** EERD. */
  readonly eerd: number;
  /** Whether GORC counts the FCS of frames whose FCS was stripped (82576 yes, 82599 no). */
  readonly gorcCountsStrippedFcs: boolean;
  /** A second counter of transmitted octets, FCS included (the 82576's TOTL), if the chip has one. */
  readonly totalTxOctets?: number;
}

function setBits(port: PortModel<string, string>, offset: number, bits: number, on: boolean): void {
  port.write32(offset, on ? port.read32(offset) | bits : port.read32(offset) & ~bits);
}

export const IGB: Chip = {
  name: '82576',
  create: (options) => new IgbModel(options),
  bench: (options) => IgbModelBench.create(options) as Promise<ModelBench<AnyPort>>,
  R: igbRegs,
  enableRx: (port, promiscuous = false) => igbEnableRx(port as IgbModel, promiscuous ? igbRegs.RCTL_UPE : 0),
  enableTx: (port) => igbEnableTx(port as IgbModel),
  setPadding: (port, pad) => setBits(port, igbRegs.TCTL, igbRegs.TCTL_PSP, pad),
  setTxTpid: (port, tpid) => port.write32(igbRegs.VET, tpid),
  setCrcStrip: (port, strip) => setBits(port, igbRegs.RCTL, igbRegs.RCTL_SECRC, strip),
  setStoreBad: (port, store) => setBits(port, igbRegs.RCTL, igbRegs.RCTL_SBP, store),
  enableLsc: (port) => port.write32(igbRegs.IMS, igbRegs.ICR_LSC),
  clearCauses: (port) => void port.read32(igbRegs.ICR),
  vectors: igbRegs.MSIX_VECTORS,
  msixBar: 3,
  status: igbRegs.STATUS,
  statusUp: igbRegs.STATUS_LU | igbRegs.STATUS_LAN_INIT_DONE,
  linkRegister: igbRegs.STATUS,
  linkUpBit: igbRegs.STATUS_LU,
  eerd: igbRegs.EERD,
  gorcCountsStrippedFcs: true,
  totalTxOctets: igbRegs.TOTL,
};

export const IXGBE: Chip = {
  name: '82599',
  create: (options) => new IxgbeModel(options),
  bench: (options) => IxgbeModelBench.create(options) as Promise<ModelBench<AnyPort>>,
  R: ixgbeRegs,
  enableRx: (port, promiscuous = false) => ixgbeEnableRx(port as IxgbeModel, promiscuous ? ixgbeRegs.FCTRL_UPE : 0),
  enableTx: (port) => ixgbeEnableTx(port as IxgbeModel),
  setPadding: (port, pad) => setBits(port, ixgbeRegs.HLREG0, ixgbeRegs.HLREG0_TXPADEN, pad),
  setTxTpid: (port, tpid) => port.write32(ixgbeRegs.DMATXCTL, ((tpid << ixgbeRegs.DMATXCTL_VT_SHIFT) | ixgbeRegs.DMATXCTL_TE) >>> 0),
  setCrcStrip: (port, strip) => setBits(port, ixgbeRegs.HLREG0, ixgbeRegs.HLREG0_RXCRCSTRP, strip),
  setStoreBad: (port, store) => setBits(port, ixgbeRegs.FCTRL, ixgbeRegs.FCTRL_SBP, store),
  enableLsc: (port) => port.write32(ixgbeRegs.EIMS, ixgbeRegs.EICR_LSC),
  clearCauses: (port) => port.write32(ixgbeRegs.EICR, 0xffffffff),
  vectors: ixgbeRegs.MSIX_VECTORS,
  msixBar: 4,
  status: ixgbeRegs.STATUS,
  statusUp: ixgbeRegs.STATUS_GIO,
  linkRegister: ixgbeRegs.LINKS,
  linkUpBit: ixgbeRegs.LINKS_UP,
  eerd: ixgbeRegs.EERD,
  gorcCountsStrippedFcs: false,
};

export const CHIPS: readonly Chip[] = [IGB, IXGBE];
