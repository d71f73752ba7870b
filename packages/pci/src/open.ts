/**
 * Opening devices for userspace I/O on one bus instance: picks the UIO/sysfs or VFIO path
 * and owns the VFIO container those devices share.
 */
import { pciBackends } from './backend.js';
import { openSysfsResources } from './map-uio.js';
import { NicError } from '@nic/native';
import { vfioDmaContainer } from './dma-container.js';
import { openVfioResources, VfioContainer, type DmaWindow } from './map-vfio.js';
import type { PciMapMethod, PciResources } from './resources.js';
import type { PciDeviceRecord } from './scan.js';

/** How {@link PciResourceOpener.open} opens a device. */
export interface PciOpenOptions {
  /** Write-combining resource files (UIO path). */
  readonly wc: boolean;
  /**
   * Into a container of the device's own rather than the bus's (the result then has
   * `dma`); only the VFIO path has containers.
   */
  readonly privateContainer?: boolean;
}

/** Opens devices for BAR mapping; one per bus instance. */
export interface PciResourceOpener {
  /** Opens `record` by `method`; `wc` asks for write-combining resource files (UIO path). */
  open(record: PciDeviceRecord, method: PciMapMethod, options: PciOpenOptions): PciResources;
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

  open(record: PciDeviceRecord, method: PciMapMethod, options: PciOpenOptions): PciResources {
    const privateContainer = options.privateContainer === true;
    for (const backend of pciBackends()) {
      const opened = backend.open(record, method, { privateContainer });
      if (opened) return opened;
    }
    if (method !== 'vfio') {
      if (privateContainer) throw new NicError('NIC_ENOTSUP', `${record.name}: a private DMA container needs the device bound to vfio-pci, not ${method} mapping`);
      return openSysfsResources(record, method, options);
    }
    return privateContainer ? openPrivateVfio(record) : openVfioResources(record, this.#vfio);
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

/**
 * Opens a vfio-pci device into a fresh container of its own: the group joins it (so it
 * must not be in the bus's container already), and closing the device closes the container.
 */
function openPrivateVfio(record: PciDeviceRecord): PciResources {
  const container = new VfioContainer();
  let opened: PciResources;
  try {
    opened = openVfioResources(record, container);
  } catch (e) {
    container.close();
    throw e;
  }
  const group = record.iommuGroup ?? -1;
  return {
    ...opened,
    dma: vfioDmaContainer(container, group),
    mapBar: (bar) => opened.mapBar(bar),
    unmapBar: (mapping) => opened.unmapBar(mapping),
    close(): void {
      for (const w of [...container.windows]) container.dmaUnmap(w.iova);
      try {
        opened.close();
      } finally {
        container.close();
      }
    },
  };
}
