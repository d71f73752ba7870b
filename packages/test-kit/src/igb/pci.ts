/**
 * What an 82576 function looks like on the bus: vendor 0x8086, device 0x10C9, an Ethernet
 * controller with its registers in BAR0 (128 KiB) and the MSI-X table and PBA in BAR3
 * (16 KiB, PBA at 0x2000), MSI-X (10 vectors, as QEMU's igb), PCI Express and MSI (one
 * message, 64-bit, per-vector masking) capabilities, and INTx on pin A, as the card and
 * QEMU's igb have them.
 */
import { PCI_CAP_ID_EXP, PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX, PCI_INTERRUPT_PIN_INTA } from '@nic/pci/driver';
import { ConfigImageBuilder, le16, le32 } from '@nic/pci/testing';
import type { ModelPciSpec } from '../model/pci-model.js';
import { E82576_DEVICE_ID, INTEL_VENDOR_ID } from './eeprom.js';
import { BAR0_SIZE, BAR3_SIZE, MSIX_VECTORS } from './regs.js';

/** PCI class of an Ethernet controller. */
export const ETHERNET_CLASS = 0x020000;
const REGISTERS_BAR = 0;
const MSIX_BAR = 3;
/** MSI-X table at offset 0 of BAR3, pending-bit array at 0x2000 (as on the 82576). */
const MSIX_TABLE_OFFSET = 0;
const MSIX_PBA_OFFSET = 0x2000;
/** PCI Express capability register: version 2, endpoint. */
const PCIE_CAP_VERSION_2 = 0x0002;
/** Bytes of the PCIe capability after its id and next bytes (a version 2 structure). */
const PCIE_CAP_BODY = 0x3a;
/** MSI: 64-bit addresses, per-vector masking, one message. */
const MSI_FLAGS = 0x0180;
/** Bytes of that MSI capability after its id and next bytes (address, data, mask and pending bits). */
const MSI_CAP_BODY = 0x16;

/** The 82576's PCI identity and layout. */
export const IGB_PCI: ModelPciSpec = {
  vendorId: INTEL_VENDOR_ID,
  deviceId: E82576_DEVICE_ID,
  classId: ETHERNET_CLASS,
  bars: [
    { index: REGISTERS_BAR, size: BAR0_SIZE, is64: false, prefetchable: false, role: 'registers' },
    { index: MSIX_BAR, size: BAR3_SIZE, is64: false, prefetchable: false, role: 'msix' },
  ],
  msixVectors: MSIX_VECTORS,
  config(): Uint8Array {
    const b = new ConfigImageBuilder({ vendorId: INTEL_VENDOR_ID, deviceId: E82576_DEVICE_ID, classId: ETHERNET_CLASS, interruptPin: PCI_INTERRUPT_PIN_INTA, extended: true });
    b.addCap(PCI_CAP_ID_MSIX, [...le16(MSIX_VECTORS - 1), ...le32(MSIX_TABLE_OFFSET | MSIX_BAR), ...le32(MSIX_PBA_OFFSET | MSIX_BAR)]);
    b.addCap(PCI_CAP_ID_EXP, [...le16(PCIE_CAP_VERSION_2), ...new Array<number>(PCIE_CAP_BODY - 2).fill(0)]);
    b.addCap(PCI_CAP_ID_MSI, [...le16(MSI_FLAGS), ...new Array<number>(MSI_CAP_BODY - 2).fill(0)]);
    return b.bytes;
  },
};
