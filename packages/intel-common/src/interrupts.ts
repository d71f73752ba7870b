/**
 * The interrupts of one igb or ixgbe port, on the thread that probed it: link-status changes
 * on the misc vector (read and clear the causes the family's way, re-enable, acknowledge,
 * then refresh the link and raise `INTR_LSC` if it changed), the VFIO removal request raising
 * `INTR_RMV`, and one vector per rx queue for the NAPI-style loop. The function runs in
 * MSI-X mode only when its interrupt is vfio-pci's MSI-X; on UIO (INTx) and on VFIO's INTx
 * or MSI it runs out of it, link changes raising its one interrupt, and rx-queue interrupts
 * are refused at start. What differs between the families is their {@link MsixRouting}.
 */
import { NicError, registerLogtype, type Eal, type Logger } from '@nic/eal';
import { processEvent, type EthDev } from '@nic/ethdev/driver';
import { DevEvent, efdDisable, efdEnable, intr, IntrHandleType, intrHandleTypeName, type IntrHandle } from '@nic/intr/driver';
import { pciIntrHandle, pciReqHandle, type PciDevice } from '@nic/pci/driver';
import type { IntelHw } from './hw.js';
import type { MsixRouting } from './msix.js';
import type { IntelPortOps } from './port-ops.js';
import { rxQueueSetIntr } from './queues.js';

/** The interrupt side of one port. */
export class IntelInterrupts {
  readonly #eal: Eal;
  readonly #hw: IntelHw;
  readonly #ops: IntelPortOps;
  readonly #msix: MsixRouting;
  readonly #handle: IntrHandle | undefined;
  readonly #req: IntrHandle | undefined;
  /** Whether the misc interrupt is MSI-X vector 0 (the function in MSI-X mode). */
  readonly #msixMode: boolean;
  readonly #log: Logger;
  #dev: EthDev | undefined;
  #lsc = false;

  constructor(eal: Eal, pciDev: PciDevice, ops: IntelPortOps, msix: MsixRouting) {
    this.#eal = eal;
    this.#hw = ops.hw;
    this.#ops = ops;
    this.#msix = msix;
    this.#handle = pciIntrHandle(pciDev);
    this.#req = pciReqHandle(pciDev);
    this.#msixMode = this.#handle?.type === IntrHandleType.VFIO_MSIX;
    this.#log = registerLogtype(`pmd.net.${ops.family.name}.intr`);
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

  /**
   * Masks everything before `dev` starts. Rx-queue interrupts on a function without MSI-X
   * (one interrupt for everything) are `NIC_ENOTSUP`, as in DPDK, which maps queue vectors
   * only on vfio-pci's MSI-X.
   */
  beforeStart(dev: EthDev): void {
    const handle = this.#handle;
    if (handle && dev.conf.intrConf.rxq && !this.#msixMode) {
      throw new NicError('NIC_ENOTSUP', `${dev.name}: rx queue interrupts need a vector per queue (MSI-X through vfio-pci); this function has one ${intrHandleTypeName(handle.type)} interrupt`);
    }
    this.#msix.disableAll(this.#hw);
    handle?.disable();
  }

  /** Programs the started port's interrupts: link changes when asked for, and the queue vectors (MSI-X). */
  afterStart(dev: EthDev): void {
    const handle = this.#handle;
    if (!handle) return;
    const msix = this.#msix;
    const { lsc, rxq } = dev.conf.intrConf;
    if (rxq) efdEnable(handle, dev.data.nbRxQueues);
    handle.enable();
    if (this.#msixMode) msix.msixEnable(this.#hw);
    else msix.legacyEnable(this.#hw);
    if (rxq) {
      const layout = this.#ops.family.layout;
      for (let q = 0; q < handle.nbEfd; q++) {
        const vector = msix.queueVectorBase + q;
        msix.mapQueue(this.#hw, q, vector);
        rxQueueSetIntr(dev.eal.arena, layout.rxRecord(dev.data.privOffset, q), vector, handle.efds[q]);
      }
    }
    this.#lsc = lsc;
    if (lsc) msix.lscEnable(this.#hw, this.#msixMode);
  }

  beforeStop(): void {
    if (!this.#hw.removed()) this.#msix.disableAll(this.#hw);
    this.#lsc = false;
  }

  afterStop(): void {
    const handle = this.#handle;
    if (!handle || handle.nbEfd === 0) return;
    // The eventfds close below: no queue record may keep naming one.
    const dev = this.#dev;
    const layout = this.#ops.family.layout;
    for (let q = 0; dev && q < handle.nbEfd; q++) rxQueueSetIntr(dev.eal.arena, layout.rxRecord(dev.data.privOffset, q), 0, -1);
    handle.disable();
    efdDisable(handle);
    handle.enable();
  }

  /** The misc interrupt fired (vector 0, or the function's one interrupt). */
  misc(): void {
    const dev = this.#dev;
    if (!dev || this.#hw.removed()) return;
    const linkCause = this.#msix.takeLinkCause(this.#hw);
    this.#log.debug(`${dev.name}: interrupt, ${linkCause ? 'link change' : 'no link change'}`);
    if (this.#lsc) this.#msix.lscEnable(this.#hw, this.#msixMode);
    this.#handle?.ack();
    if (linkCause && this.#ops.linkChanged(dev)) processEvent(dev.port, DevEvent.INTR_LSC);
  }

  /** The kernel (or the model) wants the device back. */
  removalRequested(): void {
    const dev = this.#dev;
    if (dev) processEvent(dev.port, DevEvent.INTR_RMV);
  }
}

function onMisc(self: IntelInterrupts): void {
  self.misc();
}

function onRemovalRequest(self: IntelInterrupts): void {
  self.removalRequested();
}
