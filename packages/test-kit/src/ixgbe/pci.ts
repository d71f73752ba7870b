/**
 * What an 82599ES SFP+ function looks like on the bus: vendor 0x8086, device 0x10FB, an
 * Ethernet controller with its registers in a 64-bit BAR0 (128 KiB) and the MSI-X table
 * and PBA in a 64-bit BAR4 (16 KiB, PBA at 0x2000); capabilities at the offsets of the
 * real part, which drivers read directly (the ixgbe code reads the MSI-X table size at
 * 0x72 and the PCIe link status at 0xB2): power management at 0x40, MSI at 0x50, MSI-X
 * (64 vectors) at 0x70, PCI Express at 0xA0; AER at 0x100 and the serial number at 0x140;
 * INTx on pin A.
 * The I/O BAR (BAR2) and the expansion ROM are not modelled.
 */
import { PCI_CAP_ID_EXP, PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX, PCI_CAP_ID_PM, PCI_EXT_CAP_ID_DSN, PCI_EXT_CAP_ID_ERR, PCI_INTERRUPT_PIN_INTA } from '@nic/pci/driver';
import { ConfigImageBuilder, le16, le32 } from '@nic/pci/testing';
import type { ModelPciSpec } from '../model/pci-model.js';
import { BAR0_SIZE, BAR4_SIZE, MSIX_VECTORS } from './regs.js';

export const INTEL_VENDOR_ID = 0x8086;
/** 82599ES SFP+ (the X520 adapters). */
export const E82599_SFP_DEVICE_ID = 0x10fb;
/** X540-T (10GBASE-T). */
export const X540T_DEVICE_ID = 0x1528;
/** PCI class of an Ethernet controller. */
export const ETHERNET_CLASS = 0x020000;
const REVISION = 0x01;
const REGISTERS_BAR = 0;
const MSIX_BAR = 4;
const MSIX_TABLE_OFFSET = 0;
const MSIX_PBA_OFFSET = 0x2000;
/** Capability offsets of the real part, and where each one's body ends. */
const PM_AT = 0x40;
const MSI_AT = 0x50;
const MSIX_AT = 0x70;
const PCIE_AT = 0xa0;
const PCIE_END = 0xe0;
const CAP_HEADER = 2;
/** Power management version 3, D3cold PME; PMCSR in D0. */
const PM_CAPS = 0x4823;
/** MSI: 64-bit addresses, per-vector masking, one message. */
const MSI_FLAGS = 0x0180;
/** PCI Express: capability version 2, endpoint. */
const PCIE_CAP_VERSION_2 = 0x0002;
/** Device capabilities: 512-byte max payload, role-based error reporting. */
const PCIE_DEVCAP = 0x00008002;
/** Link capabilities and status: 5 GT/s, x8. */
const PCIE_LNKCAP = 0x00000082;
const PCIE_LNKSTA = 0x0082;
const PCIE_DEVCAP_AT = 0x04;
const PCIE_LNKCAP_AT = 0x0c;
const PCIE_LNKSTA_AT = 0x12;
/** AER (version 1) is 0x2C bytes; the next capability sits at 0x140 as on the part. */
const AER_BODY = 0x3c;
const EXT_CAP_VERSION_1 = 1;
const DSN_BYTES = 8;
const MAC_HIGH_BYTES = 3;
/** The 0xFFFE an EUI-64 serial number carries between the halves of the MAC address. */
const EUI64_FILL = [0xff, 0xfe] as const;

/** `bytes` followed by zeros up to `length`. */
function padded(bytes: readonly number[], length: number): number[] {
  return [...bytes, ...new Array<number>(length - bytes.length).fill(0)];
}

/**
 * The PCI identity and layout of an 82599 (or, with `deviceId` 0x1528, an X540, which has
 * the same layout); the serial number is derived from `mac`.
 */
export function ixgbePciSpec(mac: Uint8Array, deviceId = E82599_SFP_DEVICE_ID): ModelPciSpec {
  return {
    vendorId: INTEL_VENDOR_ID,
    deviceId,
    classId: ETHERNET_CLASS,
    bars: [
      { index: REGISTERS_BAR, size: BAR0_SIZE, is64: true, prefetchable: false, role: 'registers' },
      { index: MSIX_BAR, size: BAR4_SIZE, is64: true, prefetchable: false, role: 'msix' },
    ],
    msixVectors: MSIX_VECTORS,
    config(): Uint8Array {
      const b = new ConfigImageBuilder({ vendorId: INTEL_VENDOR_ID, deviceId, classId: ETHERNET_CLASS, revision: REVISION, interruptPin: PCI_INTERRUPT_PIN_INTA, extended: true });
      b.addCap(PCI_CAP_ID_PM, padded(le16(PM_CAPS), MSI_AT - PM_AT - CAP_HEADER));
      b.addCap(PCI_CAP_ID_MSI, padded(le16(MSI_FLAGS), MSIX_AT - MSI_AT - CAP_HEADER));
      b.addCap(PCI_CAP_ID_MSIX, padded([...le16(MSIX_VECTORS - 1), ...le32(MSIX_TABLE_OFFSET | MSIX_BAR), ...le32(MSIX_PBA_OFFSET | MSIX_BAR)], PCIE_AT - MSIX_AT - CAP_HEADER));
      const pcie = b.addCap(PCI_CAP_ID_EXP, padded(le16(PCIE_CAP_VERSION_2), PCIE_END - PCIE_AT - CAP_HEADER));
      b.setU32(pcie + PCIE_DEVCAP_AT, PCIE_DEVCAP).setU32(pcie + PCIE_LNKCAP_AT, PCIE_LNKCAP).setU16(pcie + PCIE_LNKSTA_AT, PCIE_LNKSTA);
      b.addExtCap(PCI_EXT_CAP_ID_ERR, EXT_CAP_VERSION_1, new Array<number>(AER_BODY).fill(0));
      // The EUI-64 of the MAC address (aa:bb:cc:ff:fe:dd:ee:ff), stored least significant byte first.
      const eui = [...mac.subarray(0, MAC_HIGH_BYTES), ...EUI64_FILL, ...mac.subarray(MAC_HIGH_BYTES)];
      b.addExtCap(PCI_EXT_CAP_ID_DSN, EXT_CAP_VERSION_1, eui.reverse().slice(0, DSN_BYTES));
      return b.bytes;
    },
  };
}
