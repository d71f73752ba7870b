/**
 * The interrupts of one port: link-status changes on the misc vector (Linux's
 * `ixgbe_msix_other`: read the causes from EICS, which does not clear them, write them back
 * to EICR to clear them, refresh the link and raise `INTR_LSC` if it changed, re-enable),
 * the VFIO removal request raising `INTR_RMV`, and one q_vector per rx/tx queue pair for
 * the NAPI-style loop.
 */
import type { Eal } from '@nic/eal';
import { processEvent, type EthDev } from '@nic/ethdev/driver';
import { DevEvent, efdDisable, efdEnable, intr, type IntrHandle } from '@nic/intr/driver';
import type { IntelHw } from '@nic/intel-common';
import { rxQueueSetIntr } from '@nic/intel-common/driver';
import { pciIntrHandle, pciReqHandle, type PciDevice } from '@nic/pci/driver';
import { intrDisableAll, lscIntrEnable, msixEnable, msixMapQueuePair, QUEUE_VECTOR_BASE } from './base/msix.js';
import { EICR, EICR_LSC, EICS } from './base/regs.js';
import type { IxgbeOps } from './ethdev.js';
import { IXGBE_LAYOUT } from './layout.js';

/** The other causes the misc vector clears (bits 30:16). */
const OTHER_CAUSES = 0x7fff0000;

/** The interrupt side of one port, on the thread that probed it. */
export class IxgbeInterrupts {
  readonly #eal: Eal;
  readonly #hw: IntelHw;
  readonly #ops: IxgbeOps;
  readonly #handle: IntrHandle | undefined;
  readonly #req: IntrHandle | undefined;
  #dev: EthDev | undefined;
  #lsc = false;

  constructor(eal: Eal, pciDev: PciDevice, hw: IntelHw, ops: IxgbeOps) {
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

  /** Hooks the handlers up for port `dev` (at probe). */
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

  /** Programs MSI-X for the started port: link changes when asked for, and one q_vector per queue pair. */
  afterStart(dev: EthDev): void {
    const handle = this.#handle;
    if (!handle) return;
    const { lsc, rxq } = dev.conf.intrConf;
    const nbRx = dev.data.nbRxQueues;
    if (rxq) efdEnable(handle, nbRx);
    handle.enable();
    msixEnable(this.#hw);
    if (rxq) {
      for (let q = 0; q < handle.nbEfd; q++) {
        const vector = QUEUE_VECTOR_BASE + q;
        msixMapQueuePair(this.#hw, q, vector);
        rxQueueSetIntr(dev.eal.arena, IXGBE_LAYOUT.rxRecord(dev.data.privOffset, q), vector, handle.efds[q]);
      }
    }
    this.#lsc = lsc;
    if (lsc) lscIntrEnable(this.#hw);
  }

  beforeStop(): void {
    if (!this.#hw.removed()) intrDisableAll(this.#hw);
    this.#lsc = false;
  }

  afterStop(): void {
    const handle = this.#handle;
    if (!handle || handle.nbEfd === 0) return;
    // The eventfds close below: no queue record may keep naming one.
    const dev = this.#dev;
    for (let q = 0; dev && q < handle.nbEfd; q++) rxQueueSetIntr(dev.eal.arena, IXGBE_LAYOUT.rxRecord(dev.data.privOffset, q), 0, -1);
    handle.disable();
    efdDisable(handle);
    handle.enable();
  }

  /** The misc vector fired. */
  misc(): void {
    const dev = this.#dev;
    if (!dev || this.#hw.removed()) return;
    const causes = this.#hw.read(EICS) & OTHER_CAUSES;
    if (causes !== 0) this.#hw.write(EICR, causes);
    this.#handle?.ack();
    if ((causes & EICR_LSC) !== 0 && this.#ops.linkChanged(dev)) processEvent(dev.port, DevEvent.INTR_LSC);
    if (this.#lsc) lscIntrEnable(this.#hw);
  }

  /** The kernel (or the model) wants the device back. */
  removalRequested(): void {
    const dev = this.#dev;
    if (dev) processEvent(dev.port, DevEvent.INTR_RMV);
  }
}

function onMisc(self: IxgbeInterrupts): void {
  self.misc();
}

function onRemovalRequest(self: IxgbeInterrupts): void {
  self.removalRequested();
}
