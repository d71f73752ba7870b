/**
 * A register-level model of one Intel 82576 port: BAR0 with side effects (reset, EEPROM,
 * PHY, link, interrupts, receive and transmit by DMA, statistics), its MSI-X vectors as
 * eventfds bound the way VFIO binds them, a cable to carry frames, and fault injection.
 * Everything happens synchronously inside the call that causes it: a TDT write transmits
 * before it returns; a frame offered to {@link IgbModel.receiveFrame} is in host memory,
 * written back and signalled when it returns.
 */
import { eventfdWrite, NicError, VFIO } from '@nic/native';
import type { PciRegisters } from '@nic/pci/driver';
import { DmaSpace } from './dma.js';
import { EEPROM_SIZE_EX, EEPROM_WORDS, IgbEeprom } from './eeprom.js';
import { IgbInterrupts } from './interrupts.js';
import { IgbPhy, PHY_ADDRESS, PHY_BMCR } from './phy.js';
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
  RAL,
  RDBAL,
  RDH,
  RDLEN,
  RDT,
  RING_ALIGN,
  RING_INDEX_MASK,
  RING_LEN_MASK,
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
  TCTL_PSP,
  TDBAL,
  TDH,
  TDLEN,
  TDT,
  TX_QUEUE_ALIAS,
  TXDCTL,
  TXDCTL_ENABLE,
  VET,
  VET_DEFAULT,
} from './regs.js';
import { IgbReceiver, type IgbRxError, type IgbRxOutcome } from './rx.js';
import { IgbStats } from './stats.js';
import { IgbTransmitter, type FrameSink } from './tx.js';

/** Options of {@link IgbModel}. */
export interface IgbModelOptions {
  /** Name in messages; default `igb<n>`. */
  readonly name?: string;
  /** The permanent MAC address (6 bytes or `aa:bb:cc:dd:ee:ff`); default a locally administered one. */
  readonly mac?: Uint8Array | string;
  /** The DMA space the port reaches; default a fresh one ({@link IgbModel.dma}). */
  readonly dma?: DmaSpace;
  /** Whether the cable is connected at power-on; default true. */
  readonly link?: boolean;
}

/** What `setIrqs` may do with an interrupt index (VFIO_DEVICE_SET_IRQS). */
export type IgbSetIrqsAction = readonly number[] | 'mask' | 'unmask' | 'disable';

/** Smallest and largest frame the cable carries (header to payload, no FCS). */
export const WIRE_MIN_FRAME = 14;
export const WIRE_MAX_FRAME = 16383;

const REG_SHIFT = 2;
const REG_ALIGN_MASK = 3;
const ALL_ONES = 0xffffffff;
const NO_FD = -1;
const MAC_LEN = 6;
const BITS_PER_BYTE = 8;
const RAL_BYTES = 4;
const LINK_STATUS_BITS = STATUS_LU | STATUS_FD | STATUS_SPEED_1000;
const RESET_BITS = CTRL_RST | CTRL_DEV_RST;
/** First bytes of default MAC addresses: locally administered, unicast. */
const DEFAULT_MAC_PREFIX = [0x02, 0x76, 0x00, 0x00] as const;
const HEX = 16;
const BYTE_MASK = 0xff;
/** Bytes of the MAC address held in RAH (the last two). */
const RAH_MAC_BYTES = 2;
/** RLPML after reset (QEMU's igb value). */
const DEFAULT_RLPML = 0x2600;

let instances = 0;

/** The register file offset where queue register `offset` lives (aliases folded). */
function canonical(offset: number): number {
  for (const [alias, first] of [[RX_QUEUE_ALIAS, RDBAL], [TX_QUEUE_ALIAS, TDBAL]] as const) {
    const rel = offset - alias;
    if (rel >= 0 && rel < LOW_QUEUES * QUEUE_ALIAS_STRIDE) return first(Math.floor(rel / QUEUE_ALIAS_STRIDE)) + (rel % QUEUE_ALIAS_STRIDE);
  }
  return offset;
}

function parseMac(mac: Uint8Array | string): Uint8Array {
  if (mac instanceof Uint8Array) {
    if (mac.length !== MAC_LEN) throw new NicError('NIC_EINVAL', `igb model: a MAC address has 6 bytes, not ${mac.length}`);
    return Uint8Array.from(mac);
  }
  if (typeof mac !== 'string') throw new TypeError('igb model: mac must be a Uint8Array or a string');
  const parts = mac.split(':');
  if (parts.length !== MAC_LEN || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new NicError('NIC_EINVAL', `igb model: "${mac}" is not a MAC address like 02:00:00:00:00:01`);
  }
  return Uint8Array.from(parts, (p) => Number.parseInt(p, HEX));
}

/** One modelled 82576 port. Its BAR0 registers are {@link read32} / {@link write32}. */
export class IgbModel implements PciRegisters {
  /** Name in messages. */
  readonly name: string;
  /** BAR0's register file; plain reads of it have no side effects. */
  readonly buffer: SharedArrayBuffer;
  /** {@link buffer} as 32-bit registers (`u32[offset >> 2]`). */
  readonly u32: Uint32Array;
  /** The memory this port reaches by DMA; its `faults` count DMA to unmapped IOVAs. */
  readonly dma: DmaSpace;
  /** The permanent MAC address (EEPROM words 0-2). */
  readonly mac: Uint8Array;
  readonly #eeprom: IgbEeprom;
  readonly #phy = new IgbPhy();
  readonly #stats: IgbStats;
  readonly #intr: IgbInterrupts;
  readonly #rx: IgbReceiver;
  readonly #tx: IgbTransmitter;
  readonly #reads = new Map<number, () => number>();
  readonly #writes = new Map<number, (value: number) => void>();
  readonly #listeners = new Set<FrameSink>();
  readonly #vectors = new Array<number>(MSIX_VECTORS).fill(NO_FD);
  #reqFd = NO_FD;
  #cable: boolean;
  #removed = false;

  constructor(options: IgbModelOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('IgbModel: options must be an object');
    if (options.dma !== undefined && !(options.dma instanceof DmaSpace)) throw new TypeError('IgbModel: dma must be a DmaSpace');
    const n = instances++;
    this.name = options.name ?? `igb${n}`;
    this.mac = options.mac === undefined ? Uint8Array.of(...DEFAULT_MAC_PREFIX, (n >>> BITS_PER_BYTE) & BYTE_MASK, n & BYTE_MASK) : parseMac(options.mac);
    this.dma = options.dma ?? new DmaSpace();
    this.#cable = options.link ?? true;
    this.buffer = new SharedArrayBuffer(BAR0_SIZE);
    this.u32 = new Uint32Array(this.buffer);
    this.#eeprom = new IgbEeprom(this.mac);
    this.#stats = new IgbStats(this.u32);
    this.#intr = new IgbInterrupts(this.u32, (v) => this.#signal(v));
    this.#rx = new IgbReceiver(this.u32, this.dma, this.#stats, this.#intr);
    this.#tx = new IgbTransmitter(this.u32, this.dma, this.#stats, this.#intr, (frame) => this.#send(frame));
    this.#defineRegisters();
    this.reset();
  }

  /** The register at byte `offset`, with the read's side effects; all ones once removed. */
  read32(offset: number): number {
    checkOffset(offset);
    if (this.#removed) return ALL_ONES;
    const at = canonical(offset);
    const special = this.#reads.get(at) ?? (IgbStats.has(at) ? () => this.#stats.read(at) : undefined);
    return special ? special() >>> 0 : this.u32[at >>> REG_SHIFT];
  }

  /** Writes the register at byte `offset`, with the write's side effects; ignored once removed. */
  write32(offset: number, value: number): void {
    checkOffset(offset);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${this.name}: write32 value must be a number`);
    if (this.#removed) return;
    const at = canonical(offset);
    const v = value >>> 0;
    const special = this.#writes.get(at);
    if (special) special(v);
    else if (!IgbStats.has(at)) this.u32[at >>> REG_SHIFT] = v;
  }

  /**
   * Power-on reset (also CTRL.RST and CTRL.DEV_RST): every register to its default, the
   * PHY reset, the EEPROM's MAC in RAL0/RAH0, EECD and STATUS showing the NVM loaded and
   * EEMNGCTL its configuration done; interrupt bindings (VFIO state) and the cable stay.
   */
  reset(): void {
    this.u32.fill(0);
    this.#phy.reset();
    this.#rx.reset();
    this.#tx.reset();
    this.#set(CTRL, CTRL_FD);
    this.#set(STATUS, STATUS_LAN_INIT_DONE | STATUS_GIO_MASTER_ENABLE);
    this.#set(EECD, EECD_PRES | EECD_AUTO_RD | (EEPROM_SIZE_EX << EECD_SIZE_EX_SHIFT));
    this.#set(EEMNGCTL, EEMNGCTL_CFG_DONE_PORT_0);
    this.#set(RXDCTL(0), RXDCTL_ENABLE);
    this.#set(TXDCTL(0), TXDCTL_ENABLE);
    this.#set(TCTL, TCTL_PSP);
    this.#set(VET, VET_DEFAULT);
    this.#set(RLPML, DEFAULT_RLPML);
    const mac = this.#eeprom.mac();
    let ral = 0;
    for (let i = 0; i < RAL_BYTES; i++) ral |= mac[i] << (BITS_PER_BYTE * i);
    let rah = RAH_AV;
    for (let i = 0; i < RAH_MAC_BYTES; i++) rah |= mac[RAL_BYTES + i] << (BITS_PER_BYTE * i);
    this.#set(RAL(0), ral >>> 0);
    this.#set(RAH(0), rah >>> 0);
    this.#updateLink(false);
  }

  /** Whether the cable is connected (fault injection: {@link setLink}). */
  get cable(): boolean {
    return this.#cable;
  }

  /** Whether the link is up: cable connected, PHY powered, and CTRL.SLU or autonegotiation. */
  get linkUp(): boolean {
    return (this.u32[STATUS >>> REG_SHIFT] & STATUS_LU) !== 0 && !this.#removed;
  }

  /**
   * Connects (`true`) or pulls (`false`) the cable. When the link changes, STATUS.LU and
   * PHY BMSR follow and ICR.LSC is raised (firing the "other" vector when enabled).
   */
  setLink(up: boolean): void {
    if (typeof up !== 'boolean') throw new TypeError(`${this.name}: setLink expects a boolean`);
    this.#cable = up;
    if (!this.#removed) this.#updateLink(true);
  }

  /**
   * A frame arriving from the cable (destination address first, no FCS, 14 to 16383
   * bytes). Returns what became of it.
   */
  receiveFrame(frame: Uint8Array): IgbRxOutcome {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`${this.name}: receiveFrame expects a Uint8Array`);
    if (frame.length < WIRE_MIN_FRAME || frame.length > WIRE_MAX_FRAME) {
      throw new NicError('NIC_EINVAL', `${this.name}: a frame on the wire has ${WIRE_MIN_FRAME} to ${WIRE_MAX_FRAME} bytes, not ${frame.length}`);
    }
    if (this.#removed) return 'removed';
    if (!this.linkUp) return 'no-link';
    return this.#rx.receive(frame);
  }

  /**
   * Calls `listener` with every frame this port puts on the cable (no FCS) while the link
   * is up. Returns the function that stops it. The frame is the listener's to keep.
   */
  onTransmit(listener: (frame: Uint8Array) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`${this.name}: onTransmit expects a function`);
    const own: FrameSink = (frame) => listener(frame);
    this.#listeners.add(own);
    return () => this.#listeners.delete(own);
  }

  /** Fault injection: the next frame reaching the receive path carries error `kind`. */
  injectRxError(kind: IgbRxError): void {
    if (kind !== 'crc' && kind !== 'data') throw new NicError('NIC_EINVAL', `${this.name}: unknown rx error "${String(kind)}" (crc or data)`);
    this.#rx.injectError(kind);
  }

  /** Fault injection: breaks (default) or repairs the EEPROM checksum. */
  corruptEepromChecksum(corrupt = true): void {
    if (typeof corrupt !== 'boolean') throw new TypeError(`${this.name}: corruptEepromChecksum expects a boolean`);
    this.#eeprom.corruptChecksum(corrupt);
  }

  /** EEPROM word `index`, as EERD would read it. */
  eepromWord(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= EEPROM_WORDS) {
      throw new NicError('NIC_EINVAL', `${this.name}: EEPROM word ${index} is not 0 to ${EEPROM_WORDS - 1}`);
    }
    return this.#eeprom.word(index);
  }

  /**
   * Fault injection: the device is gone. From now on every register reads all ones, writes
   * are ignored, no DMA happens, and the bound removal-request eventfd is signalled.
   */
  surpriseRemove(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.u32.fill(ALL_ONES);
    if (this.#reqFd !== NO_FD) eventfdWrite(this.#reqFd, 1);
  }

  /** Whether {@link surpriseRemove} happened. */
  get removed(): boolean {
    return this.#removed;
  }

  /**
   * `VFIO_DEVICE_SET_IRQS` for this device: binds eventfds (`-1` unbinds) to MSI-X vectors
   * `start ..` or to the removal request (`VFIO.VFIO_PCI_REQ_IRQ_INDEX`, vector 0), or
   * unbinds them all (`'disable'`). Other indexes, masking MSI-X and out-of-range vectors
   * are `NIC_EINVAL` (the kernel's EINVAL).
   */
  setIrqs(index: number, start: number, how: IgbSetIrqsAction): void {
    const table = this.#irqTable(index);
    if (!Number.isInteger(start) || start < 0) throw new TypeError(`${this.name}: setIrqs start must be a non-negative integer`);
    if (how === 'disable') {
      table.fill(NO_FD);
    } else if (how === 'mask' || how === 'unmask') {
      throw new NicError('NIC_EINVAL', `${this.name}: ${how} of interrupt index ${index} is not supported (VFIO cannot mask MSI-X or the request interrupt)`);
    } else {
      if (!Array.isArray(how) || how.some((fd) => !Number.isInteger(fd) || fd < NO_FD)) throw new TypeError(`${this.name}: setIrqs expects eventfds (-1 to unbind) or an action`);
      if (start + how.length > table.length) {
        throw new NicError('NIC_EINVAL', `${this.name}: vectors ${start}..${start + how.length - 1} of index ${index}; the device has ${table.length}`);
      }
      how.forEach((fd, i) => (table[start + i] = fd));
    }
    if (index === VFIO.VFIO_PCI_REQ_IRQ_INDEX) this.#reqFd = table[0];
    else this.#vectors.splice(0, MSIX_VECTORS, ...table);
  }

  #irqTable(index: number): number[] {
    if (index === VFIO.VFIO_PCI_MSIX_IRQ_INDEX) return [...this.#vectors];
    if (index === VFIO.VFIO_PCI_REQ_IRQ_INDEX) return [this.#reqFd];
    throw new NicError('NIC_EINVAL', `${this.name}: interrupt index ${index} is not modelled (only MSI-X and the removal request)`);
  }

  #signal(vector: number): void {
    const fd = this.#vectors[vector];
    if (fd !== NO_FD && !this.#removed) eventfdWrite(fd, 1);
  }

  #send(frame: Uint8Array): void {
    if (!this.linkUp) return;
    for (const listener of this.#listeners) listener(frame);
  }

  #updateLink(raise: boolean): void {
    const ctrl = this.u32[CTRL >>> REG_SHIFT];
    const up = this.#cable && !this.#phy.poweredDown && ((ctrl & CTRL_SLU) !== 0 || this.#phy.autonegEnabled);
    const status = this.u32[STATUS >>> REG_SHIFT];
    this.#phy.showLink(up);
    this.#set(STATUS, ((status & ~LINK_STATUS_BITS) | (up ? LINK_STATUS_BITS : 0)) >>> 0);
    if (raise && up !== ((status & STATUS_LU) !== 0)) this.#intr.raise(ICR_LSC);
  }

  #writeCtrl(value: number): void {
    if ((value & RESET_BITS) !== 0) {
      this.reset();
      return;
    }
    if ((value & CTRL_PHY_RST) !== 0) this.#phy.reset();
    this.#set(CTRL, value);
    const status = this.u32[STATUS >>> REG_SHIFT] & ~STATUS_GIO_MASTER_ENABLE;
    this.#set(STATUS, ((value & CTRL_GIO_MASTER_DISABLE) !== 0 ? status : status | STATUS_GIO_MASTER_ENABLE) >>> 0);
    this.#updateLink(true);
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
      else if (reg === PHY_BMCR) this.#updateLink(true);
    }
    this.#set(MDIC, (result | MDIC_READY) >>> 0);
  }

  #defineRegisters(): void {
    const w = this.#writes;
    const intr = this.#intr;
    w.set(CTRL, (v) => this.#writeCtrl(v));
    w.set(STATUS, () => undefined);
    w.set(EECD, (v) => this.#set(EECD, ((this.u32[EECD >>> REG_SHIFT] & EECD_RO_BITS) | (v & ~EECD_RO_BITS)) >>> 0));
    w.set(EERD, (v) => this.#set(EERD, this.#eeprom.eerdWrite(v)));
    w.set(MDIC, (v) => this.#writeMdic(v));
    w.set(ICR, (v) => intr.clearCauses(v));
    w.set(ICS, (v) => intr.raise(v));
    w.set(IMS, (v) => intr.setMask(v));
    w.set(IMC, (v) => intr.clearMask(v));
    w.set(EICR, (v) => intr.clearExtendedCauses(v));
    w.set(EICS, (v) => intr.raiseExtended(v));
    w.set(EIMS, (v) => intr.setExtendedMask(v));
    w.set(EIMC, (v) => intr.clearExtendedMask(v));
    for (let q = 0; q < NUM_QUEUES; q++) {
      for (const base of [RDBAL(q), TDBAL(q)]) w.set(base, (v) => this.#set(base, (v & ~(RING_ALIGN - 1)) >>> 0));
      for (const len of [RDLEN(q), TDLEN(q)]) w.set(len, (v) => this.#set(len, v & RING_LEN_MASK));
      for (const index of [RDH(q), RDT(q), TDH(q)]) w.set(index, (v) => this.#set(index, v & RING_INDEX_MASK));
      const tdt = TDT(q);
      w.set(tdt, (v) => {
        this.#set(tdt, v & RING_INDEX_MASK);
        this.#tx.kick(q);
      });
    }
    const r = this.#reads;
    r.set(ICR, () => intr.readCauses());
    r.set(EICR, () => intr.readExtendedCauses());
    r.set(SWSM, () => {
      const value = this.u32[SWSM >>> REG_SHIFT];
      this.#set(SWSM, (value | SWSM_SMBI) >>> 0);
      return value;
    });
  }

  #set(offset: number, value: number): void {
    this.u32[offset >>> REG_SHIFT] = value;
  }
}


function checkOffset(offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset >= BAR0_SIZE || (offset & REG_ALIGN_MASK) !== 0) {
    throw new TypeError(`igb model: register offset ${String(offset)} is not a 4-byte aligned offset inside the ${BAR0_SIZE}-byte BAR0`);
  }
}
