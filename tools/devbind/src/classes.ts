/**
 * The device groups `dpdk-devbind.py --status` reports (Debian's DPDK 22.11 lists): each
 * group is a list of rules on the base class and, optionally, vendor/device/subsystem ids.
 */

/** One rule: the base class, and id lists that must contain the device's ids when given. */
export interface ClassRule {
  /** Base class, the top byte of the 24-bit class code (0x02 = network). */
  readonly baseClass: number;
  readonly vendors?: readonly number[];
  readonly devices?: readonly number[];
}

/** A `--status-dev` group. */
export interface DeviceGroup {
  /** The `--status-dev` value: `net`, `crypto` ... */
  readonly key: string;
  /** The title word in the report: `Network`, `Misc (rawdev)` ... */
  readonly title: string;
  readonly rules: readonly ClassRule[];
  /** Whether report lines show `if=` (network devices only). */
  readonly showInterfaces: boolean;
}

const NETWORK = 0x02;
const ACCELERATION = 0x12;
const ENCRYPTION = 0x10;
const PROCESSOR = 0x0b;
const SYSTEM = 0x08;
const BRIDGE = 0x06;
const COMMUNICATION = 0x05;
const STORAGE = 0x01;
const INTEL = 0x8086;
const CAVIUM = 0x177d;
const HISILICON = 0x19e5;
const REDHAT = 0x1af4;

const rule = (baseClass: number, vendor?: number, devices?: readonly number[]): ClassRule => ({
  baseClass,
  ...(vendor === undefined ? {} : { vendors: [vendor] }),
  ...(devices === undefined ? {} : { devices }),
});

/** The groups in report order. */
export const DEVICE_GROUPS: readonly DeviceGroup[] = [
  {
    key: 'net',
    title: 'Network',
    showInterfaces: true,
    rules: [rule(NETWORK), rule(SYSTEM, CAVIUM, [0xa0dd, 0xa049]), rule(COMMUNICATION, REDHAT, [0x1110]), rule(ACCELERATION, INTEL, [0x0b30])],
  },
  { key: 'baseband', title: 'Baseband', showInterfaces: false, rules: [rule(ACCELERATION)] },
  { key: 'crypto', title: 'Crypto', showInterfaces: false, rules: [rule(ENCRYPTION), rule(PROCESSOR, INTEL)] },
  {
    key: 'dma',
    title: 'DMA',
    showInterfaces: false,
    rules: [
      rule(SYSTEM, CAVIUM, [0xa081]),
      rule(SYSTEM, HISILICON, [0xa122]),
      rule(SYSTEM, INTEL, [0x0b25]),
      rule(SYSTEM, INTEL, [0x6f20, 0x6f21, 0x6f22, 0x6f23, 0x6f24, 0x6f25, 0x6f26, 0x6f27, 0x6f2e, 0x6f2f]),
      rule(SYSTEM, INTEL, [0x0b00]),
      rule(SYSTEM, INTEL, [0x2021]),
    ],
  },
  {
    key: 'event',
    title: 'Eventdev',
    showInterfaces: false,
    rules: [rule(SYSTEM, CAVIUM, [0xa04b, 0xa04d]), rule(SYSTEM, CAVIUM, [0xa051]), rule(PROCESSOR, INTEL, [0x270b, 0x2710, 0x2714]), rule(SYSTEM, CAVIUM, [0xa0f9, 0xa0fa])],
  },
  { key: 'mempool', title: 'Mempool', showInterfaces: false, rules: [rule(SYSTEM, CAVIUM, [0xa053]), rule(SYSTEM, CAVIUM, [0xa0fb, 0xa0fc])] },
  { key: 'compress', title: 'Compress', showInterfaces: false, rules: [rule(ACCELERATION, CAVIUM, [0xa037])] },
  {
    key: 'misc',
    title: 'Misc (rawdev)',
    showInterfaces: false,
    rules: [
      rule(SYSTEM, CAVIUM, [0xa089]),
      rule(SYSTEM, CAVIUM, [0xa059, 0xa060]),
      rule(SYSTEM, CAVIUM, [0xa0f0, 0xa0f1]),
      rule(BRIDGE, INTEL, [0x201c]),
      rule(BRIDGE, INTEL, [0x347e]),
      rule(STORAGE, REDHAT, [0x1001, 0x1042]),
    ],
  },
  { key: 'regex', title: 'Regex', showInterfaces: false, rules: [rule(SYSTEM, CAVIUM, [0xa0f4])] },
];

/** The `--status-dev` values, in report order. */
export const GROUP_KEYS: readonly string[] = DEVICE_GROUPS.map((g) => g.key);

const BASE_CLASS_SHIFT = 16;

/** Whether a device with this class code and ids falls under `group`. */
export function inGroup(group: DeviceGroup, classId: number, vendorId: number, deviceId: number): boolean {
  return group.rules.some(
    (r) =>
      r.baseClass === classId >>> BASE_CLASS_SHIFT &&
      (r.vendors === undefined || r.vendors.includes(vendorId)) &&
      (r.devices === undefined || r.devices.includes(deviceId)),
  );
}
