/**
 * Opening devices for userspace I/O on one bus instance: picks the UIO/sysfs or VFIO path
 * and owns the VFIO container those devices share.
 */
import { pciBackends } from './backend.js';
import { openSysfsResources } from './map-uio.js';
import { openVfioResources, VfioContainer, type DmaWindow } from './map-vfio.js';
import type { PciMapMethod, PciResources } from './resources.js';
import type { PciDeviceRecord } from './scan.js';

/** Opens devices for BAR mapping; one per bus instance. */
export interface PciResourceOpener {
  /** Opens `record` by `method`; `wc` asks for write-combining resource files (UIO path). */
  open(record: PciDeviceRecord, method: PciMapMethod, options: { wc: boolean }): PciResources;
  /** Records a DMA window and maps it into the VFIO container when there is one. */
  dmaMap(window: DmaWindow): void;
  /** Forgets the DMA window at `iova`; returns whether there was one. */
  dmaUnmap(iova: number): boolean;
  /** Closes what the opener holds (the VFIO container) once every device is closed. */
  close(): void;
}

/**
 * The opener of real devices (sysfs resource files, UIO and VFIO), after the registered
 * device backends.
 */
export class SysfsResourceOpener implements PciResourceOpener {
  readonly #vfio = new VfioContainer();

  open(record: PciDeviceRecord, method: PciMapMethod, options: { wc: boolean }): PciResources {
    for (const backend of pciBackends()) {
      const opened = backend.open(record, method);
      if (opened) return opened;
    }
    return method === 'vfio' ? openVfioResources(record, this.#vfio) : openSysfsResources(record, method, options);
  }

  dmaMap(window: DmaWindow): void {
    this.#vfio.dmaMap(window);
    for (const backend of pciBackends()) backend.dmaMap?.(window);
  }

  dmaUnmap(iova: number): boolean {
    for (const backend of pciBackends()) backend.dmaUnmap?.(iova);
    return this.#vfio.dmaUnmap(iova);
  }

  close(): void {
    this.#vfio.close();
  }
}
