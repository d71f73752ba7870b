/**
 * The contract between a device model of this kit and whatever serves it as a PCI
 * function: the in-process PCI backend ({@link ModelBackend}, a fake sysfs tree and VFIO
 * stand-ins) and a vfio-user server serving it to a QEMU guest. Both need the same facts:
 * the configuration space image, the BARs (which one holds the registers, which the MSI-X
 * table), 32-bit register access by offset, the DMA windows, and the interrupt eventfds.
 */
import type { PciRegisters } from '@nic/pci/driver';
import type { DmaSpace } from './dma.js';
import type { SetIrqsAction } from './vfio-irqs.js';

/** One memory BAR of a modelled function. */
export interface ModelBar {
  /** BAR number (0-5); a 64-bit BAR also takes the next number. */
  readonly index: number;
  /** Bytes (a power of two). */
  readonly size: number;
  readonly is64: boolean;
  readonly prefetchable: boolean;
  /** `registers`: {@link PciModel.read32}/{@link PciModel.write32}; `msix`: the MSI-X table and PBA, plain memory. */
  readonly role: 'registers' | 'msix';
}

/** The PCI identity and layout of a modelled function. */
export interface ModelPciSpec {
  readonly vendorId: number;
  readonly deviceId: number;
  /** Subsystem ids; the vendor and device ids when absent. */
  readonly subsystemVendorId?: number;
  readonly subsystemDeviceId?: number;
  /** 24-bit class code. */
  readonly classId: number;
  readonly bars: readonly ModelBar[];
  /** MSI-X vectors (the table size). */
  readonly msixVectors: number;
  /**
   * A fresh configuration space image (4096 bytes): header, capabilities (MSI-X pointing
   * into the `msix` BAR, PCI Express), BAR registers holding only their type bits (the
   * server or backend fills in addresses).
   */
  config(): Uint8Array;
}

/** A device model a backend or a vfio-user server can serve. */
export interface PciModel extends PciRegisters {
  /** Name in messages. */
  readonly name: string;
  readonly pci: ModelPciSpec;
  /** The register BAR's storage (plain reads have no side effects). */
  readonly buffer: SharedArrayBuffer;
  readonly u32: Uint32Array;
  /** What the device reaches by DMA: map guest or process memory windows into it. */
  readonly dma: DmaSpace;
  /** Whether the device was surprise-removed (registers read all ones). */
  readonly removed: boolean;
  /** A function-level reset: registers to their power-on values; eventfd bindings stay. */
  reset(): void;
  /** `VFIO_DEVICE_SET_IRQS` for MSI-X vectors and the removal request. */
  setIrqs(index: number, start: number, how: SetIrqsAction): void;
  /**
   * Whether the function's INTx line is asserted (PCI Status.Interrupt); a model without it
   * never asserts INTx.
   */
  readonly intxAsserted?: boolean;
  /**
   * For a model with more than one `registers` BAR: the access to BAR `index`. Without it
   * the model itself is the only register BAR.
   */
  barAccess?(index: number): ModelBarAccess | undefined;
}

/** One register BAR of a model with several. */
export interface ModelBarAccess {
  /** Register access with side effects (8/16-bit too where the device needs it). */
  readonly regs: PciRegisters;
  /** The BAR's storage. */
  readonly buffer: SharedArrayBuffer;
  readonly u32: Uint32Array;
}
