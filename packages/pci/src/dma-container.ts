/**
 * A device's own DMA domain (DPDK's `rte_vfio_container_create` + `rte_vfio_container_group_bind`):
 * a VFIO container holding only that device's IOMMU group, so what is mapped into it (a
 * vhost frontend's memory, say) is reachable by that device alone, and what the bus maps for
 * everyone (the arena) is not. vDPA drivers use one per function.
 */
import type { DmaWindow } from './map-vfio.js';
import type { VfioContainer } from './map-vfio.js';

/** The DMA domain of one device opened into a private container. */
export interface PciDmaContainer {
  /** The container fd; undefined for a modelled device. */
  readonly containerFd: number | undefined;
  /** The IOMMU group fd bound into the container; undefined for a modelled device. */
  readonly groupFd: number | undefined;
  /** Lets the device reach `window.length` bytes at `window.vaddr` through `window.iova`. */
  dmaMap(window: DmaWindow): void;
  /** Takes the window at `iova` away again; returns whether there was one. */
  dmaUnmap(iova: number): boolean;
  /** The windows mapped now, in mapping order. */
  readonly windows: readonly DmaWindow[];
}

/** The {@link PciDmaContainer} view of a private {@link VfioContainer} holding `group`. */
export function vfioDmaContainer(container: VfioContainer, group: number): PciDmaContainer {
  return {
    get containerFd() {
      return container.fd;
    },
    get groupFd() {
      return container.groupFd(group);
    },
    dmaMap: (window) => container.dmaMap(window),
    dmaUnmap: (iova) => container.dmaUnmap(iova),
    get windows() {
      return container.windows;
    },
  };
}
