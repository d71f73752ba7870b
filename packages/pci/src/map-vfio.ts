/**
 * BAR mapping through VFIO (DPDK's `rte_vfio_setup_device` + `pci_vfio_map_resource`): the
 * device's IOMMU group joins the bus's container, the device fd gives the config region, the
 * BAR regions (mmap) and the interrupts (an eventfd for MSI-X, else MSI, else INTx).
 */
import { join } from 'node:path';
import {
  closeFd,
  eventfd,
  mapFd,
  NicError,
  VFIO,
  vfioCheckExtension,
  vfioDeviceGetInfo,
  vfioDeviceGetIrqInfo,
  vfioDeviceGetRegionInfo,
  vfioDeviceReset,
  vfioGetApiVersion,
  vfioGroupGetDeviceFd,
  vfioGroupGetStatus,
  vfioGroupSetContainer,
  vfioGroupUnsetContainer,
  vfioIommuMapDma,
  vfioIommuUnmapDma,
  vfioOpenContainer,
  vfioOpenGroup,
  vfioSetIommu,
} from '@nic/native';
import { fdConfig } from './config.js';
import type { PciIntrInfo, PciIntrKind } from './intr-info.js';
import type { PciBar } from './resource.js';
import { BarMappings, type PciBarMapping, type PciResources } from './resources.js';
import type { PciDeviceRecord } from './scan.js';
import { devRootPath } from './sysfs.js';

const VFIO_DIR = 'vfio';
const CONTAINER_NODE = 'vfio';
const NOIOMMU_PREFIX = 'noiommu-';
const EINVAL = 22;

/** One DMA window requested through the bus: process memory at `vaddr` seen by devices at `iova`. */
export interface DmaWindow {
  readonly vaddr: number;
  readonly iova: number;
  readonly length: number;
}

interface GroupEntry {
  readonly fd: number;
  users: number;
}

function isCode(e: unknown, code: string): boolean {
  return e instanceof NicError && e.code === code;
}

/**
 * The VFIO container of one bus instance (DPDK's default container): opened with the first
 * VFIO device, its IOMMU model set when the first group joins, and every DMA window the bus
 * was asked for mapped into it.
 */
export class VfioContainer {
  #fd: number | undefined;
  #noiommu = false;
  readonly #groups = new Map<number, GroupEntry>();
  readonly #windows: DmaWindow[] = [];

  /** The container fd, once opened. */
  get fd(): number | undefined {
    return this.#fd;
  }

  /** The windows recorded, in mapping order. */
  get windows(): readonly DmaWindow[] {
    return this.#windows;
  }

  /** The fd of IOMMU group `group` if it is joined to this container. */
  groupFd(group: number): number | undefined {
    return this.#groups.get(group)?.fd;
  }

  /**
   * Lets devices reach `length` bytes at `vaddr` through `iova`. Recorded, and mapped now
   * when the container has its IOMMU; otherwise when the first VFIO device is opened.
   */
  dmaMap(window: DmaWindow): void {
    this.#windows.push(window);
    if (this.#iommuReady()) this.#map(window);
  }

  /** Undoes {@link dmaMap} for the window at `iova`; returns whether one was there. */
  dmaUnmap(iova: number): boolean {
    const at = this.#windows.findIndex((w) => w.iova === iova);
    if (at < 0) return false;
    const [window] = this.#windows.splice(at, 1);
    if (this.#iommuReady() && this.#fd !== undefined) vfioIommuUnmapDma(this.#fd, window.iova, window.length);
    return true;
  }

  /**
   * The group fd of IOMMU group `group`, joined to this container (opened on first use;
   * each call must be paired with {@link releaseGroup}).
   */
  acquireGroup(group: number, device: string): number {
    const known = this.#groups.get(group);
    if (known) {
      known.users++;
      return known.fd;
    }
    const { fd, noiommu } = openGroupNode(group, device);
    try {
      const status = vfioGroupGetStatus(fd);
      if (!status.viable) {
        throw new NicError('NIC_EBUSY', `${device}: IOMMU group ${group} is not viable; bind every device of the group to vfio-pci (see /sys/kernel/iommu_groups/${group}/devices)`);
      }
      const container = this.#open();
      if (!status.containerSet) vfioGroupSetContainer(fd, container);
      if (this.#groups.size === 0) this.#setIommu(container, noiommu);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    this.#groups.set(group, { fd, users: 1 });
    return fd;
  }

  /** Gives up one use of a group; the last one detaches and closes it. */
  releaseGroup(group: number): void {
    const entry = this.#groups.get(group);
    if (!entry || --entry.users > 0) return;
    this.#groups.delete(group);
    try {
      // A group whose last device left the bus under us (surprise removal) may already be
      // out of the container: the kernel then answers EINVAL, and there is nothing to undo.
      ignoringEinval(() => vfioGroupUnsetContainer(entry.fd));
    } finally {
      closeFd(entry.fd);
    }
  }

  /** Closes the container (after every group is released). */
  close(): void {
    if (this.#fd === undefined) return;
    closeFd(this.#fd);
    this.#fd = undefined;
  }

  #iommuReady(): boolean {
    return this.#fd !== undefined && this.#groups.size > 0 && !this.#noiommu;
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    const path = join(devRootPath(), VFIO_DIR, CONTAINER_NODE);
    let fd: number;
    try {
      fd = vfioOpenContainer(path);
    } catch (e) {
      if (!isCode(e, 'NIC_ENOENT')) throw e;
      throw new NicError('NIC_ENODEV', `the VFIO container ${path} does not exist: load the vfio-pci module (modprobe vfio-pci)`, { cause: e });
    }
    if (vfioGetApiVersion(fd) !== VFIO.VFIO_API_VERSION) {
      closeFd(fd);
      throw new NicError('NIC_ENOTSUP', `${path}: unsupported VFIO API version`);
    }
    this.#fd = fd;
    return fd;
  }

  #setIommu(container: number, noiommu: boolean): void {
    const types = noiommu ? [VFIO.VFIO_NOIOMMU_IOMMU] : [VFIO.VFIO_TYPE1v2_IOMMU, VFIO.VFIO_TYPE1_IOMMU];
    const type = types.find((t) => vfioCheckExtension(container, t) > 0);
    if (type === undefined) throw new NicError('NIC_ENOTSUP', `the VFIO container supports none of the IOMMU types nic uses (${noiommu ? 'no-IOMMU' : 'Type1'})`);
    vfioSetIommu(container, type);
    this.#noiommu = noiommu;
    if (!noiommu) for (const w of this.#windows) this.#map(w);
  }

  #map(window: DmaWindow): void {
    if (this.#fd !== undefined) vfioIommuMapDma(this.#fd, window.vaddr, window.iova, window.length);
  }
}

/** Opens `/dev/vfio/<group>`, else `/dev/vfio/noiommu-<group>`. */
function openGroupNode(group: number, device: string): { fd: number; noiommu: boolean } {
  const dir = join(devRootPath(), VFIO_DIR);
  try {
    return { fd: vfioOpenGroup(join(dir, String(group))), noiommu: false };
  } catch (e) {
    if (!isCode(e, 'NIC_ENOENT')) throw e;
  }
  try {
    return { fd: vfioOpenGroup(join(dir, `${NOIOMMU_PREFIX}${group}`)), noiommu: true };
  } catch (e) {
    if (!isCode(e, 'NIC_ENOENT')) throw e;
    throw new NicError(
      'NIC_ENODEV',
      `${device}: neither ${join(dir, String(group))} nor ${join(dir, NOIOMMU_PREFIX + group)} exists; bind the device to vfio-pci (nic-devbind --bind=vfio-pci ${device}) and load the module (modprobe vfio-pci)`,
      { cause: e },
    );
  }
}

const IRQ_CHOICES: readonly { readonly index: () => number; readonly kind: PciIntrKind }[] = [
  { index: () => VFIO.VFIO_PCI_MSIX_IRQ_INDEX, kind: 'vfio_msix' },
  { index: () => VFIO.VFIO_PCI_MSI_IRQ_INDEX, kind: 'vfio_msi' },
  { index: () => VFIO.VFIO_PCI_INTX_IRQ_INDEX, kind: 'vfio_legacy' },
];

/** The first interrupt kind the device offers with eventfd signalling, with a fresh eventfd. */
function setupInterrupts(deviceFd: number): PciIntrInfo | undefined {
  for (const choice of IRQ_CHOICES) {
    const irq = vfioDeviceGetIrqInfo(deviceFd, choice.index());
    if (!irq.eventfd || irq.count === 0) continue;
    const req = vfioDeviceGetIrqInfo(deviceFd, VFIO.VFIO_PCI_REQ_IRQ_INDEX);
    const reqFd = req.eventfd && req.count > 0 ? eventfd(0, { nonblock: true }) : undefined;
    return { kind: choice.kind, fd: eventfd(0, { nonblock: true }), deviceFd, nbVectors: irq.count, reqFd };
  }
  return undefined;
}

function closeIntr(intr: PciIntrInfo | undefined): void {
  if (!intr) return;
  closeFd(intr.fd);
  if (intr.reqFd !== undefined) closeFd(intr.reqFd);
}

/** `e` as a NicError whose message starts with the device's name. */
function withDevice(device: string, e: unknown): unknown {
  if (!(e instanceof NicError) || e.message.startsWith(device)) return e;
  return new NicError(e.code, `${device}: ${e.message}`, {
    cause: e,
    ...(e.errno === undefined ? {} : { errno: e.errno }),
    ...(e.syscall === undefined ? {} : { syscall: e.syscall }),
  });
}

/**
 * Opens a vfio-pci-bound device through `container`. Every failure is a NicError naming
 * the device; what was opened is closed again.
 */
export function openVfioResources(record: PciDeviceRecord, container: VfioContainer): PciResources {
  try {
    return openVfio(record, container);
  } catch (e) {
    throw withDevice(record.name, e);
  }
}

function openVfio(record: PciDeviceRecord, container: VfioContainer): PciResources {
  const group = record.iommuGroup;
  if (group === undefined) throw new NicError('NIC_ENODEV', `${record.name} is bound to vfio-pci but has no iommu_group link in ${record.path}`);
  const groupFd = container.acquireGroup(group, record.name);
  let deviceFd: number | undefined;
  let intr: PciIntrInfo | undefined;
  try {
    const fd = vfioGroupGetDeviceFd(groupFd, record.name);
    deviceFd = fd;
    const info = vfioDeviceGetInfo(deviceFd);
    const cfgRegion = vfioDeviceGetRegionInfo(deviceFd, VFIO.VFIO_PCI_CONFIG_REGION_INDEX);
    const config = fdConfig(deviceFd, cfgRegion.offset, cfgRegion.size, `${record.name} VFIO config region`);
    intr = setupInterrupts(deviceFd);
    if (info.reset) ignoringEinval(() => vfioDeviceReset(fd));
    return vfioResources(record, group, container, deviceFd, config, intr);
  } catch (e) {
    closeIntr(intr);
    if (deviceFd !== undefined) closeFd(deviceFd);
    container.releaseGroup(group);
    throw e;
  }
}

/** Runs `action`, taking an EINVAL answer from the kernel as success. */
function ignoringEinval(action: () => void): void {
  try {
    action();
  } catch (e) {
    if (!(e instanceof NicError && e.errno === EINVAL)) throw e;
  }
}

function vfioResources(
  record: PciDeviceRecord,
  group: number,
  container: VfioContainer,
  deviceFd: number,
  config: PciResources['config'],
  intr: PciIntrInfo | undefined,
): PciResources {
  const mappings = new BarMappings();
  return {
    method: 'vfio',
    intr,
    config,
    mapBar(bar: PciBar): PciBarMapping {
      const region = vfioDeviceGetRegionInfo(deviceFd, VFIO.VFIO_PCI_BAR0_REGION_INDEX + bar.index);
      if (!region.mappable || region.size === 0) {
        throw new NicError('NIC_ENOTSUP', `${record.name}: VFIO does not let BAR ${bar.index} be mapped`);
      }
      const memory = mapFd(deviceFd, { offset: region.offset, length: region.size, writable: true });
      return mappings.add(bar.index, memory, region.size, bar.start);
    },
    unmapBar(mapping: PciBarMapping): void {
      mappings.unmap(mapping);
    },
    close(): void {
      closeIntr(intr);
      closeFd(deviceFd);
      container.releaseGroup(group);
    },
  };
}
