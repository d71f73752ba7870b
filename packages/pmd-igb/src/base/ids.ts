/**
 * The devices this driver serves: 82576 and I350 functions, whose queue, interrupt,
 * filter and statistics registers are the ones in `regs.ts`. (DPDK's igb also serves the
 * 82575, 82580, I210/I211, I354 and DH89xx; their PHY access, queue counts or interrupt
 * routing differ, so they are not claimed here.)
 */

/** Intel's PCI vendor id. */
export const INTEL_VENDOR_ID = 0x8086;

/** Device ids, by datasheet name. */
export const IGB_DEVICE_IDS = {
  E1000_DEV_ID_82576: 0x10c9,
  E1000_DEV_ID_82576_FIBER: 0x10e6,
  E1000_DEV_ID_82576_SERDES: 0x10e7,
  E1000_DEV_ID_82576_QUAD_COPPER: 0x10e8,
  E1000_DEV_ID_82576_QUAD_COPPER_ET2: 0x1526,
  E1000_DEV_ID_82576_NS: 0x150a,
  E1000_DEV_ID_82576_NS_SERDES: 0x1518,
  E1000_DEV_ID_82576_SERDES_QUAD: 0x150d,
  E1000_DEV_ID_I350_COPPER: 0x1521,
  E1000_DEV_ID_I350_FIBER: 0x1522,
  E1000_DEV_ID_I350_SERDES: 0x1523,
  E1000_DEV_ID_I350_SGMII: 0x1524,
  E1000_DEV_ID_I350_DA4: 0x1546,
} as const;

/** The I350's device ids (8 queues each way instead of the 82576's 16). */
export const I350_DEVICE_IDS: ReadonlySet<number> = new Set([
  IGB_DEVICE_IDS.E1000_DEV_ID_I350_COPPER,
  IGB_DEVICE_IDS.E1000_DEV_ID_I350_FIBER,
  IGB_DEVICE_IDS.E1000_DEV_ID_I350_SERDES,
  IGB_DEVICE_IDS.E1000_DEV_ID_I350_SGMII,
  IGB_DEVICE_IDS.E1000_DEV_ID_I350_DA4,
]);

/** Queues each way on the 82576. */
export const QUEUES_82576 = 16;
/** Queues each way on the I350. */
export const QUEUES_I350 = 8;
