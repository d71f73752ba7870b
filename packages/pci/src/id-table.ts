/**
 * PCI ids and driver id tables: which devices a driver serves, with DPDK's wildcards.
 */

/** Wildcard for the vendor, device and subsystem fields of an id-table entry. */
export const PCI_ANY_ID = 0xffff;
/** Wildcard for the class field of an id-table entry (24 bits: class, subclass, prog-if). */
export const PCI_CLASS_ANY_ID = 0xffffff;

const U16_MAX = 0xffff;
const CLASS_MAX = 0xffffff;

/**
 * The identity of a PCI function, and the shape of one id-table entry (DPDK's `rte_pci_id`).
 * In a table, {@link PCI_ANY_ID} / {@link PCI_CLASS_ANY_ID} match any value, and an entry
 * whose `vendorId` is 0 ends the table.
 */
export interface PciId {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly subsystemVendorId: number;
  readonly subsystemDeviceId: number;
  /** The 24-bit class code: base class, subclass, programming interface (`0x020000` = Ethernet). */
  readonly classId: number;
}

/** An entry matching one vendor/device pair, any subsystem and class (DPDK's `RTE_PCI_DEVICE`). */
export function pciDevice(vendorId: number, deviceId: number): PciId {
  return {
    vendorId,
    deviceId,
    subsystemVendorId: PCI_ANY_ID,
    subsystemDeviceId: PCI_ANY_ID,
    classId: PCI_CLASS_ANY_ID,
  };
}

/** An entry matching every function of a class code (e.g. `0x020000`), whatever its ids. */
export function pciClass(classId: number): PciId {
  return {
    vendorId: PCI_ANY_ID,
    deviceId: PCI_ANY_ID,
    subsystemVendorId: PCI_ANY_ID,
    subsystemDeviceId: PCI_ANY_ID,
    classId,
  };
}

/** Whether one table entry matches a device's id: each field equal, or the entry's wildcard. */
export function idMatches(entry: PciId, id: PciId): boolean {
  const field = (want: number, have: number) => want === PCI_ANY_ID || want === have;
  return (
    field(entry.vendorId, id.vendorId) &&
    field(entry.deviceId, id.deviceId) &&
    field(entry.subsystemVendorId, id.subsystemVendorId) &&
    field(entry.subsystemDeviceId, id.subsystemDeviceId) &&
    (entry.classId === PCI_CLASS_ANY_ID || entry.classId === id.classId)
  );
}

/**
 * The first entry of `table` that matches `id`, or undefined. Entries after one whose
 * `vendorId` is 0 are not looked at (DPDK's table terminator).
 */
export function matchId(table: readonly PciId[], id: PciId): PciId | undefined {
  for (const entry of table) {
    if (entry.vendorId === 0) return undefined;
    if (idMatches(entry, id)) return entry;
  }
  return undefined;
}

/**
 * Checks that every entry of a driver's table has integer fields in range (16 bits, 24 for
 * the class). A bad table is a `TypeError` naming the driver and the entry.
 */
export function checkIdTable(driverName: string, table: readonly PciId[]): void {
  if (!Array.isArray(table)) throw new TypeError(`PCI driver ${driverName}: idTable must be an array`);
  table.forEach((entry, i) => {
    const ok =
      typeof entry === 'object' &&
      entry !== null &&
      [entry.vendorId, entry.deviceId, entry.subsystemVendorId, entry.subsystemDeviceId].every((v) => inRange(v, U16_MAX)) &&
      inRange(entry.classId, CLASS_MAX);
    if (!ok) throw new TypeError(`PCI driver ${driverName}: idTable[${i}] needs 16-bit vendor/device/subsystem ids and a 24-bit classId`);
  });
}

function inRange(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

/** `vendor:device` in lowercase hex, as lspci prints it (`8086:10c9`). */
export function formatVendorDevice(id: Pick<PciId, 'vendorId' | 'deviceId'>): string {
  const hex4 = (n: number) => n.toString(16).padStart(4, '0');
  return `${hex4(id.vendorId)}:${hex4(id.deviceId)}`;
}
