/**
 * The `--status` report: per group, devices using a userspace-compatible driver, devices
 * using a kernel driver, and the others, in dpdk-devbind's text layout, or as JSON.
 */
import { USERSPACE_DRIVERS } from '@nic/pci/driver';
import { DEVICE_GROUPS, type DeviceGroup } from './classes.js';
import type { Inventory, InventoryDevice } from './inventory.js';

/** The three ways a device of a group can stand. */
export interface GroupStatus {
  readonly group: DeviceGroup;
  readonly userspace: readonly InventoryDevice[];
  readonly kernel: readonly InventoryDevice[];
  readonly other: readonly InventoryDevice[];
}

/** Splits the inventory's devices of each group in `keys` (report order kept). */
export function groupStatus(inventory: Inventory, keys: readonly string[]): GroupStatus[] {
  return DEVICE_GROUPS.filter((g) => keys.includes(g.key)).map((g) => {
    const members = inventory.devices.filter((d) => d.groups.includes(g.key));
    return {
      group: g,
      userspace: members.filter((d) => d.driver !== undefined && USERSPACE_DRIVERS.includes(d.driver)),
      kernel: members.filter((d) => d.driver !== undefined && !USERSPACE_DRIVERS.includes(d.driver)),
      other: members.filter((d) => d.driver === undefined),
    };
  });
}

const HEX = 16;
const ID_DIGITS = 4;

function identity(d: InventoryDevice): string {
  return `${d.slot} '${d.name} ${d.record.id.deviceId.toString(HEX).padStart(ID_DIGITS, '0')}'`;
}

function section(title: string, lines: string[]): string {
  return `\n${title}\n${'='.repeat(title.length)}\n${lines.sort().join('\n')}\n`;
}

function groupText(status: GroupStatus): string {
  const { group, userspace, kernel, other } = status;
  if (userspace.length + kernel.length + other.length === 0) {
    const msg = `No '${group.title}' devices detected`;
    return `\n${msg}\n${'='.repeat(msg.length)}\n`;
  }
  const unused = (d: InventoryDevice) => `unused=${d.unused.join(',')}`;
  let text = '';
  if (userspace.length > 0) {
    text += section(`${group.title} devices using DPDK-compatible driver`, userspace.map((d) => `${identity(d)} drv=${d.driver} ${unused(d)}`));
  }
  if (kernel.length > 0) {
    const ifText = (d: InventoryDevice) => (group.showInterfaces ? `if=${d.interfaces.join(',')} ` : '');
    text += section(
      `${group.title} devices using kernel driver`,
      kernel.map((d) => `${identity(d)} ${ifText(d)}drv=${d.driver} ${unused(d)} ${d.routed ? '*Active*' : ''}`),
    );
  }
  if (other.length > 0) text += section(`Other ${group.title} devices`, other.map((d) => `${identity(d)} ${unused(d)}`));
  return text;
}

/** The report as dpdk-devbind prints it. */
export function statusText(groups: readonly GroupStatus[]): string {
  return groups.map(groupText).join('');
}

/** One device in the JSON report. */
export interface DeviceJson {
  readonly slot: string;
  readonly vendorId: string;
  readonly deviceId: string;
  readonly name: string;
  readonly vendor: string | null;
  readonly driver: string | null;
  readonly unused: readonly string[];
  readonly interfaces: readonly string[];
  readonly active: boolean;
  readonly up: boolean;
  readonly numaNode: number;
  readonly iommuGroup: number | null;
}

function deviceJson(d: InventoryDevice): DeviceJson {
  const hex = (n: number) => n.toString(HEX).padStart(ID_DIGITS, '0');
  return {
    slot: d.slot,
    vendorId: hex(d.record.id.vendorId),
    deviceId: hex(d.record.id.deviceId),
    name: d.name,
    vendor: d.vendor ?? null,
    driver: d.driver ?? null,
    unused: d.unused,
    interfaces: d.interfaces,
    active: d.routed,
    up: d.up,
    numaNode: d.record.numaNode,
    iommuGroup: d.record.iommuGroup ?? null,
  };
}

/** The JSON report: `{ groups: [{ key, title, userspace, kernel, other }] }`. */
export function statusJson(groups: readonly GroupStatus[]): { groups: unknown[] } {
  const json = groups.map((g) => ({
    key: g.group.key,
    title: g.group.title,
    userspace: g.userspace.map(deviceJson),
    kernel: g.kernel.map(deviceJson),
    other: g.other.map(deviceJson),
  }));
  return { groups: json };
}
