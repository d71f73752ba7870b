/**
 * Device backends: stand-ins that open PCI devices in place of the kernel (a register-level
 * device model in @nic/test-kit, for one). The bus asks every registered backend first and
 * falls back to sysfs, UIO and VFIO; DMA windows the bus creates reach every backend too,
 * so a modelled device can read and write the arena by IOVA as a real one would.
 *
 * The list is process-wide (under a `Symbol.for` key, so duplicate package copies share it).
 */
import type { DmaWindow } from './map-vfio.js';
import type { PciMapMethod, PciResources } from './resources.js';
import type { PciDeviceRecord } from './scan.js';

export type { DmaWindow } from './map-vfio.js';

/** Something that can open some PCI devices without the kernel. */
export interface PciDeviceBackend {
  /** For messages: `igb model`. */
  readonly name: string;
  /**
   * Opens `record` if this backend serves it (usually decided by `record.path`), else
   * returns undefined so the next backend, and finally the kernel, is asked. `method` is
   * what the device's binding implies (`vfio` for a device bound to vfio-pci). With
   * `privateContainer` the device gets a DMA domain of its own (`dma` of the result) that
   * windows of the bus no longer reach; a backend that cannot do that throws `NIC_ENOTSUP`.
   */
  open(record: PciDeviceRecord, method: PciMapMethod, options?: { readonly privateContainer?: boolean }): PciResources | undefined;
  /** A window of process memory devices may now reach at `window.iova`. */
  dmaMap?(window: DmaWindow): void;
  /** The window at `iova` is gone. */
  dmaUnmap?(iova: number): void;
}

const KEY = Symbol.for('nic.pci.backends');

function backends(): PciDeviceBackend[] {
  const g = globalThis as { [KEY]?: PciDeviceBackend[] };
  g[KEY] ??= [];
  return g[KEY];
}

/**
 * Adds `backend` in front of the kernel for every PCI bus of this process. Returns the
 * function that removes it again. Registering the same object twice is a no-op.
 */
export function registerPciBackend(backend: PciDeviceBackend): () => void {
  const list = backends();
  if (!list.includes(backend)) list.push(backend);
  return () => {
    const at = list.indexOf(backend);
    if (at >= 0) list.splice(at, 1);
  };
}

/** The registered backends, in registration order. */
export function pciBackends(): readonly PciDeviceBackend[] {
  return backends();
}
