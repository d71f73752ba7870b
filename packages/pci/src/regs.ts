/**
 * PCI configuration-space layout: header offsets, command and status bits, capability ids and
 * the fields of the capabilities this package decodes (PCI Local Bus 3.0, PCIe Base 4.0).
 */

/** Bytes of the conventional configuration space. */
export const PCI_CFG_SPACE_SIZE = 256;
/** Bytes of the PCIe extended configuration space. */
export const PCI_CFG_SPACE_EXP_SIZE = 4096;
/** Bytes of the standard type-0 header; capabilities live after it. */
export const PCI_STD_HEADER_SIZE = 64;

/** Vendor id (u16). */
export const PCI_VENDOR_ID = 0x00;
/** Device id (u16). */
export const PCI_DEVICE_ID = 0x02;
/** Command register (u16). */
export const PCI_COMMAND = 0x04;
/** Status register (u16). */
export const PCI_STATUS = 0x06;
/** Revision id (u8). */
export const PCI_REVISION_ID = 0x08;
/** Class code: prog-if at 0x09, subclass at 0x0a, base class at 0x0b. */
export const PCI_CLASS_PROG = 0x09;
/** Subsystem vendor id (u16). */
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
/** Subsystem id (u16). */
export const PCI_SUBSYSTEM_ID = 0x2e;
/** Pointer to the first capability (u8). */
export const PCI_CAPABILITY_LIST = 0x34;
/** Interrupt Pin (u8): 0 none, 1-4 INTA-INTD. */
export const PCI_INTERRUPT_PIN = 0x3d;
/** Interrupt Pin value of a function that signals on INTA. */
export const PCI_INTERRUPT_PIN_INTA = 1;

/** Command: respond to memory-space accesses. */
export const PCI_COMMAND_MEMORY = 0x0002;
/** Command: the function may master the bus (DMA). */
export const PCI_COMMAND_MASTER = 0x0004;
/** Command: INTx emulation disabled (uio_pci_generic interrupts are re-enabled by clearing it). */
export const PCI_COMMAND_INTX_DISABLE = 0x0400;

/** Status: INTx is asserted (how an INTx handler knows the interrupt is this function's). */
export const PCI_STATUS_INTERRUPT = 0x0008;
/** Status: the capability list at {@link PCI_CAPABILITY_LIST} is valid. */
export const PCI_STATUS_CAP_LIST = 0x0010;

/** Bytes of a capability header: id (u8), next pointer (u8). */
export const PCI_CAP_HEADER_SIZE = 4;
/** Offset of the next-capability pointer inside a capability. */
export const PCI_CAP_NEXT = 1;
/** Low bits of a capability pointer the specification reserves (pointers are dword aligned). */
export const PCI_CAP_PTR_MASK = 0xfc;
/** Capability id of a list terminator some devices present. */
export const PCI_CAP_ID_INVALID = 0xff;

/** Capability id: power management. */
export const PCI_CAP_ID_PM = 0x01;
/** Capability id: MSI. */
export const PCI_CAP_ID_MSI = 0x05;
/** Capability id: vendor specific (virtio's configuration structures). */
export const PCI_CAP_ID_VNDR = 0x09;
/** Capability id: PCI Express. */
export const PCI_CAP_ID_EXP = 0x10;
/** Capability id: MSI-X. */
export const PCI_CAP_ID_MSIX = 0x11;

/** Offset of a vendor capability's length byte (the byte after the next pointer). */
export const PCI_CAP_VNDR_LEN = 2;

/** MSI: message control (u16). */
export const PCI_MSI_FLAGS = 0x02;
/** MSI control: enabled. */
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
/** MSI control: log2 of the vectors the function can ask for (3 bits). */
export const PCI_MSI_FLAGS_QMASK = 0x000e;
/** Shift of {@link PCI_MSI_FLAGS_QMASK}. */
export const PCI_MSI_FLAGS_QSHIFT = 1;
/** MSI control: log2 of the vectors software granted (3 bits). */
export const PCI_MSI_FLAGS_QSIZE = 0x0070;
/** Shift of {@link PCI_MSI_FLAGS_QSIZE}. */
export const PCI_MSI_FLAGS_QSIZE_SHIFT = 4;
/** MSI control: 64-bit message address. */
export const PCI_MSI_FLAGS_64BIT = 0x0080;
/** MSI control: per-vector masking. */
export const PCI_MSI_FLAGS_MASKBIT = 0x0100;

/** MSI-X: message control (u16). */
export const PCI_MSIX_FLAGS = 0x02;
/** MSI-X control: table size minus one (11 bits). */
export const PCI_MSIX_FLAGS_QSIZE = 0x07ff;
/** MSI-X control: all vectors masked. */
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;
/** MSI-X control: enabled. */
export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
/** MSI-X: table offset and BAR indicator (u32). */
export const PCI_MSIX_TABLE = 0x04;
/** MSI-X: pending-bit array offset and BAR indicator (u32). */
export const PCI_MSIX_PBA = 0x08;
/** BAR indicator bits of {@link PCI_MSIX_TABLE} and {@link PCI_MSIX_PBA}. */
export const PCI_MSIX_BIR_MASK = 0x7;
/** Bytes of one MSI-X table entry. */
export const PCI_MSIX_ENTRY_SIZE = 16;

/** Where extended capabilities start. */
export const PCI_EXT_CAP_START = 0x100;
/** Bytes of an extended capability header. */
export const PCI_EXT_CAP_HEADER_SIZE = 4;
/** Extended header: capability id (low 16 bits). */
export const PCI_EXT_CAP_ID_MASK = 0xffff;
/** Extended header: shift of the 4-bit version. */
export const PCI_EXT_CAP_VER_SHIFT = 16;
/** Extended header: version mask after shifting. */
export const PCI_EXT_CAP_VER_MASK = 0xf;
/** Extended header: shift of the next pointer. */
export const PCI_EXT_CAP_NEXT_SHIFT = 20;
/** Extended header: next-pointer mask after shifting (dword aligned). */
export const PCI_EXT_CAP_NEXT_MASK = 0xffc;

/** Extended capability id: advanced error reporting. */
export const PCI_EXT_CAP_ID_ERR = 0x0001;
/** Extended capability id: device serial number. */
export const PCI_EXT_CAP_ID_DSN = 0x0003;
/** Extended capability id: alternative routing-id interpretation. */
export const PCI_EXT_CAP_ID_ARI = 0x000e;
/** Extended capability id: single-root I/O virtualisation. */
export const PCI_EXT_CAP_ID_SRIOV = 0x0010;

/** SR-IOV: total VFs (u16). */
export const PCI_SRIOV_TOTAL_VF = 0x0e;
/** SR-IOV: number of VFs enabled (u16). */
export const PCI_SRIOV_NUM_VF = 0x10;
/** SR-IOV: VF device id (u16). */
export const PCI_SRIOV_VF_DID = 0x1a;

/** Number of base address registers of a type-0 header (DPDK's `PCI_MAX_RESOURCE`). */
export const PCI_MAX_RESOURCE = 6;
