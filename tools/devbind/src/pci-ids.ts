/**
 * Device names from the PCI id database (`pci.ids`, shipped by pciutils/hwdata), the names
 * `lspci` prints.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Where distributions install `pci.ids`, in the order looked at. */
export const PCI_IDS_PATHS: readonly string[] = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids'];

/** What lspci prints for a device the database does not know. */
export const UNKNOWN_DEVICE_NAME = 'Device';

// A vendor line: four hex digits, two spaces, the name. A device line: the same after a tab.
const VENDOR_RE = /^([0-9a-f]{4}) {2}(.+)$/;
const DEVICE_RE = /^\t([0-9a-f]{4}) {2}(.+)$/;
// The class section (`C 02  Network controller`) ends the vendor list.
const CLASS_SECTION = 'C ';
const HEX = 16;

/** Vendor and device names by id. */
export class PciIdNames {
  readonly #devices = new Map<number, Map<number, string>>();
  readonly #vendors = new Map<number, string>();

  /** Parses the text of a `pci.ids` file. */
  constructor(text = '') {
    let current: Map<number, string> | undefined;
    for (const line of text.split('\n')) {
      if (line.startsWith(CLASS_SECTION)) break;
      const vendor = VENDOR_RE.exec(line);
      if (vendor) {
        current = new Map();
        const id = Number.parseInt(vendor[1], HEX);
        this.#vendors.set(id, vendor[2]);
        this.#devices.set(id, current);
        continue;
      }
      const device = DEVICE_RE.exec(line);
      if (device && current) current.set(Number.parseInt(device[1], HEX), device[2]);
    }
  }

  /** The first `pci.ids` found in `paths`, or an empty database. */
  static load(paths: readonly string[] = PCI_IDS_PATHS): PciIdNames {
    const path = paths.find((p) => existsSync(p));
    return new PciIdNames(path === undefined ? '' : readFileSync(path, 'utf8'));
  }

  /** The device's name, or `Device` as lspci says for an unknown one. */
  deviceName(vendorId: number, deviceId: number): string {
    return this.#devices.get(vendorId)?.get(deviceId) ?? UNKNOWN_DEVICE_NAME;
  }

  /** The vendor's name, if known. */
  vendorName(vendorId: number): string | undefined {
    return this.#vendors.get(vendorId);
  }
}
