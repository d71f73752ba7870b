/**
 * What an IFC VF looks like on the bus: virtio's vendor id 0x1AF4 with the modern net (0x1041)
 * or blk (0x1042) device id and Intel's subsystem ids (0x8086:0x001A net, 0x8086:0x0002 blk),
 * the virtio structures in BAR0, MSI-X in BAR2, the live-migration block in BAR4. With the
 * `qemu` layout: QEMU's modern virtio-net-pci (subsystem 0x1AF4:0x1100, MSI-X in BAR1, the
 * virtio structures in BAR4 where the IFC part has its LM block).
 */
import { PCI_CAP_ID_EXP, PCI_CAP_ID_MSIX, PCI_CAP_ID_VNDR } from '@nic/pci/driver';
import { ConfigImageBuilder, le16, le32 } from '@nic/pci/testing';
import type { ModelBar, ModelPciSpec } from '../model/pci-model.js';
import * as L from './layout.js';

/** Which device the model is. */
export type IfcvfLayout = 'ifcvf' | 'qemu';

export const VIRTIO_VENDOR_ID = 0x1af4;
export const VIRTIO_NET_MODERN_ID = 0x1041;
export const VIRTIO_BLK_MODERN_ID = 0x1042;
export const INTEL_SUBSYS_VENDOR_ID = 0x8086;
export const IFCVF_SUBSYS_NET_ID = 0x001a;
export const IFCVF_SUBSYS_BLK_ID = 0x0002;
/** QEMU's default subsystem ids of a modern virtio-pci function. */
export const QEMU_SUBSYS_VENDOR_ID = 0x1af4;
export const QEMU_SUBSYS_ID = 0x1100;
const NETWORK_CLASS = 0x020000;
const STORAGE_CLASS = 0x010000;
const QEMU_MSIX_BAR = 1;
/** Bytes the hostile capability claims past its BAR. */
const PAST_BAR = 0x10000;
/** `cap_len` of a virtio capability, and of the notify one (with its multiplier). */
const VIRTIO_CAP_LEN = 16;
const VIRTIO_NOTIFY_CAP_LEN = 20;
/** PCI Express capability version 2, an endpoint; its body after the 2-byte capabilities register. */
const PCIE_CAP_VERSION_2 = 0x0002;
const PCIE_CAP_BODY = 0x3a;

const CFG_TYPES = { common: 1, notify: 2, isr: 3, device: 4 } as const;

/** What {@link ifcvfPciSpec} builds from. */
export interface IfcvfPciOptions {
  readonly type: 'net' | 'blk';
  readonly layout: IfcvfLayout;
  /** Virtqueues (MSI-X has one vector more). */
  readonly queues: number;
  readonly capPastBar?: keyof typeof CFG_TYPES;
}

function virtioCap(type: keyof typeof CFG_TYPES, bar: number, offset: number, length: number, past: boolean): number[] {
  const len = type === 'notify' ? VIRTIO_NOTIFY_CAP_LEN : VIRTIO_CAP_LEN;
  const body = [len, CFG_TYPES[type], bar, 0, 0, 0, ...le32(offset), ...le32(length + (past ? PAST_BAR : 0))];
  return type === 'notify' ? [...body, ...le32(L.NOTIFY_MULTIPLIER)] : body;
}

/** The PCI identity, BARs and config space of one modelled function. */
export function ifcvfPciSpec(options: IfcvfPciOptions): ModelPciSpec {
  const net = options.type === 'net';
  const qemu = options.layout === 'qemu';
  const structures = qemu ? L.LM_BAR : L.VIRTIO_BAR;
  const msixBar = qemu ? QEMU_MSIX_BAR : L.MSIX_BAR;
  const bars: ModelBar[] = [
    { index: structures, size: L.VIRTIO_BAR_SIZE, is64: qemu, prefetchable: qemu, role: 'registers' },
    { index: msixBar, size: L.MSIX_BAR_SIZE, is64: false, prefetchable: false, role: 'msix' },
  ];
  if (!qemu) bars.push({ index: L.LM_BAR, size: L.LM_BAR_SIZE, is64: false, prefetchable: false, role: 'registers' });
  const deviceId = net ? VIRTIO_NET_MODERN_ID : VIRTIO_BLK_MODERN_ID;
  const subsystemVendorId = qemu ? QEMU_SUBSYS_VENDOR_ID : INTEL_SUBSYS_VENDOR_ID;
  const subsystemDeviceId = qemu ? QEMU_SUBSYS_ID : net ? IFCVF_SUBSYS_NET_ID : IFCVF_SUBSYS_BLK_ID;
  const msixVectors = options.queues + 1;
  return {
    vendorId: VIRTIO_VENDOR_ID,
    deviceId,
    subsystemVendorId,
    subsystemDeviceId,
    classId: net ? NETWORK_CLASS : STORAGE_CLASS,
    bars,
    msixVectors,
    config(): Uint8Array {
      const b = new ConfigImageBuilder({ vendorId: VIRTIO_VENDOR_ID, deviceId, classId: net ? NETWORK_CLASS : STORAGE_CLASS, subsystemVendorId, subsystemDeviceId, extended: true });
      b.addCap(PCI_CAP_ID_MSIX, [...le16(msixVectors - 1), ...le32(msixBar), ...le32(L.MSIX_PBA_OFFSET | msixBar)]);
      // A PCI Express endpoint, as the VF is (and as a guest sees it behind a pcie-root-port).
      b.addCap(PCI_CAP_ID_EXP, [...le16(PCIE_CAP_VERSION_2), ...new Array<number>(PCIE_CAP_BODY - 2).fill(0)]);
      const past = (t: keyof typeof CFG_TYPES): boolean => options.capPastBar === t;
      b.addCap(PCI_CAP_ID_VNDR, virtioCap('common', structures, L.COMMON_OFFSET, L.COMMON_LENGTH, past('common')));
      b.addCap(PCI_CAP_ID_VNDR, virtioCap('isr', structures, L.ISR_OFFSET, L.ISR_LENGTH, past('isr')));
      b.addCap(PCI_CAP_ID_VNDR, virtioCap('device', structures, L.DEVICE_OFFSET, L.DEVICE_LENGTH, past('device')));
      b.addCap(PCI_CAP_ID_VNDR, virtioCap('notify', structures, L.NOTIFY_OFFSET, Math.max(options.queues, 1) * L.NOTIFY_MULTIPLIER, past('notify')));
      return b.bytes;
    },
  };
}
