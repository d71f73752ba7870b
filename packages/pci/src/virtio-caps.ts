/**
 * Virtio 1.x configuration-structure capabilities (virtio spec §4.1.4): vendor-specific PCI
 * capabilities that say which BAR range holds the common, notify, ISR and device config.
 */
import type { VendorCapability } from './caps.js';

/** `cfg_type` of the common configuration structure. */
export const VIRTIO_PCI_CAP_COMMON_CFG = 1;
/** `cfg_type` of the notification area. */
export const VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
/** `cfg_type` of the ISR status byte. */
export const VIRTIO_PCI_CAP_ISR_CFG = 3;
/** `cfg_type` of the device-specific configuration. */
export const VIRTIO_PCI_CAP_DEVICE_CFG = 4;
/** `cfg_type` of the config-space access window. */
export const VIRTIO_PCI_CAP_PCI_CFG = 5;

/** Offset of `cfg_type` in the capability. */
const VIRTIO_CAP_CFG_TYPE = 3;
/** Offset of `bar`. */
const VIRTIO_CAP_BAR = 4;
/** Offset of `id` (virtio 1.2; 0 before). */
const VIRTIO_CAP_ID = 5;
/** Offset of the le32 `offset` within the BAR. */
const VIRTIO_CAP_OFFSET = 8;
/** Offset of the le32 `length`. */
const VIRTIO_CAP_LENGTH = 12;
/** Offset of the notify capability's le32 `notify_off_multiplier`. */
const VIRTIO_CAP_NOTIFY_MULTIPLIER = 16;
/** Bytes of `struct virtio_pci_cap`. */
const VIRTIO_CAP_SIZE = 16;
/** Bytes of `struct virtio_pci_notify_cap`. */
const VIRTIO_NOTIFY_CAP_SIZE = 20;

/** One decoded `virtio_pci_cap`. */
export interface VirtioPciCap {
  /** Offset of the capability in configuration space. */
  readonly capOffset: number;
  /** `VIRTIO_PCI_CAP_*`. */
  readonly cfgType: number;
  readonly bar: number;
  /** Distinguishes several capabilities of one type (virtio 1.2). */
  readonly id: number;
  /** Where the structure starts in the BAR. */
  readonly offset: number;
  readonly length: number;
  /** For the notify capability: queue notify address = offset + queue_notify_off * this. */
  readonly notifyOffMultiplier?: number;
}

/**
 * Decodes a vendor capability as a virtio structure capability, or returns undefined when
 * it is too short to be one (its length byte below 16, or 20 for a notify capability).
 */
export function decodeVirtioCap(cap: VendorCapability): VirtioPciCap | undefined {
  if (cap.length < VIRTIO_CAP_SIZE || cap.bytes.length < VIRTIO_CAP_SIZE) return undefined;
  const view = new DataView(cap.bytes.buffer, cap.bytes.byteOffset, cap.bytes.byteLength);
  const cfgType = view.getUint8(VIRTIO_CAP_CFG_TYPE);
  const decoded: VirtioPciCap = {
    capOffset: cap.offset,
    cfgType,
    bar: view.getUint8(VIRTIO_CAP_BAR),
    id: view.getUint8(VIRTIO_CAP_ID),
    offset: view.getUint32(VIRTIO_CAP_OFFSET, true),
    length: view.getUint32(VIRTIO_CAP_LENGTH, true),
  };
  if (cfgType !== VIRTIO_PCI_CAP_NOTIFY_CFG) return decoded;
  if (cap.length < VIRTIO_NOTIFY_CAP_SIZE || cap.bytes.length < VIRTIO_NOTIFY_CAP_SIZE) return undefined;
  return { ...decoded, notifyOffMultiplier: view.getUint32(VIRTIO_CAP_NOTIFY_MULTIPLIER, true) };
}
