/**
 * The interrupts of one port: link-status changes on the misc vector (DPDK's
 * `eth_igb_interrupt_handler`: mask, read the read-to-clear ICR, re-enable and ack, then
 * update the link and raise `INTR_LSC` if it changed), the VFIO removal request raising
 * `INTR_RMV`, and the rx-queue vectors of the NAPI-style loop.
 */
import type { Eal } from '@nic/eal';
import { processEvent, type EthDev } from '@nic/ethdev/driver';
import { DevEvent, efdDisable, efdEnable, intr, type IntrHandle } from '@nic/intr/driver';
import type { IntelHw } from '@nic/intel-common';
import { rxQueueSetIntr } from '@nic/intel-common/driver';
import { pciIntrHandle, pciReqHandle, type PciDevice } from '@nic/pci/driver';
import { intrDisableAll, miscIntrEnable, msixEnable, msixMapRxQueue, RX_VECTOR_BASE } from './base/msix.js';
import { ICR, ICR_LSC } from './base/regs.js';
import type { IgbOps } from './ethdev.js';
import { rxRecord } from './layout.js';

/** The interrupt side of one port, on the thread that probed it. */
export class IgbInterrupts {
  readonly #eal: Eal;
  readonly #hw: IntelHw;
  readonly #ops: IgbOps;
  readonly #handle: IntrHandle | undefined;
  readonly #req: IntrHandle | undefined;
  #dev: EthDev | undefined;
  #lsc = false;

  constructor(eal: Eal, pciDev: PciDevice, hw: IntelHw, ops: IgbOps) {
    this.#eal = eal;
    this.#hw = hw;
    this.#ops = ops;
    this.#handle = pciIntrHandle(pciDev);
    this.#req = pciReqHandle(pciDev);
  }

  /** Whether the device can signal removal. */
  get canSignalRemoval(): boolean {
    return this.#req !== undefined;
  }

  /** Whether the device can signal link changes. */
  get canSignalLink(): boolean {
    return this.#handle !== undefined;
  }

  /** Hooks the handlers up for port `dev` (at probe) and lets vector 0 through. */
  attach(dev: EthDev): void {
    this.#dev = dev;
    const thread = intr(this.#eal);
    if (this.#handle) {
      thread.register(this.#handle, onMisc, this);
      this.#handle.enable();
    }
    if (this.#req) {
      thread.register(this.#req, onRemovalRequest, this);
      this.#req.enable();
    }
  }

  /** Unhooks everything (at close). */
  detach(): void {
    const thread = intr(this.#eal);
    for (const handle of [this.#handle, this.#req]) {
      if (!handle) continue;
      thread.unregisterAll(handle);
      handle.disable();
    }
    if (this.#handle) efdDisable(this.#handle);
    this.#dev = undefined;
  }

  beforeStart(): void {
    intrDisableAll(this.#hw);
    this.#handle?.disable();
  }

  /** Programs MSI-X for the started port: link changes when asked for, and the queue vectors. */
  afterStart(dev: EthDev): void {
    const handle = this.#handle;
    if (!handle) return;
    const { lsc, rxq } = dev.conf.intrConf;
    const nbRx = dev.data.nbRxQueues;
    if (rxq) efdEnable(handle, nbRx);
    handle.enable();
    msixEnable(this.#hw);
    if (rxq) {
      for (let q = 0; q < nbRx; q++) {
        const vector = RX_VECTOR_BASE + q;
        msixMapRxQueue(this.#hw, q, vector);
        rxQueueSetIntr(dev.eal.arena, rxRecord(dev.data.privOffset, q), vector, handle.efds[q]);
      }
    }
    this.#lsc = lsc;
    if (lsc) miscIntrEnable(this.#hw, ICR_LSC);
  }

  beforeStop(): void {
    intrDisableAll(this.#hw);
    this.#lsc = false;
  }

  afterStop(): void {
    const handle = this.#handle;
    if (!handle || handle.nbEfd === 0) return;
    // The eventfds close below: no queue record may keep naming one.
    const dev = this.#dev;
    for (let q = 0; dev && q < handle.nbEfd; q++) rxQueueSetIntr(dev.eal.arena, rxRecord(dev.data.privOffset, q), 0, -1);
    handle.disable();
    efdDisable(handle);
    handle.enable();
  }

  /** Vector 0 fired. */
  misc(): void {
    const dev = this.#dev;
    if (!dev) return;
    intrDisableAll(this.#hw);
    const icr = this.#hw.read(ICR);
    if (this.#lsc) miscIntrEnable(this.#hw, ICR_LSC);
    this.#handle?.ack();
    if ((icr & ICR_LSC) !== 0 && this.#ops.linkChanged(dev)) processEvent(dev.port, DevEvent.INTR_LSC);
  }

  /** The kernel (or the model) wants the device back. */
  removalRequested(): void {
    const dev = this.#dev;
    if (dev) processEvent(dev.port, DevEvent.INTR_RMV);
  }
}

function onMisc(self: IgbInterrupts): void {
  self.misc();
}

function onRemovalRequest(self: IgbInterrupts): void {
  self.removalRequested();
}
