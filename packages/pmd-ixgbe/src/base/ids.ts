/**
 * The devices this driver serves: the 82599 family and the X540, whose queue, interrupt
 * (MSI-X through IVAR/IVAR_MISC, EIMS_EX), filter, RSS and statistics registers are the
 * ones in `regs.ts`, with 128 rx and 128 tx queues and 128 receive addresses.
 *
 * Left out, though DPDK's ixgbe serves them: the 82598 (its IVAR packs entries differently,
 * it has no DMATXCTL, RDRXCTL.CRCSTRIP or EIMS_EX, and 64 queues), the X550 family (more
 * RETA entries through ERETA, a different I2C and EEPROM/flash access, firmware-managed
 * PHYs), the E610 (admin-queue firmware), and every virtual function (a mailbox driver).
 * Within the 82599 family, the bypass and the QSFP/SF_QP boards need board logic (the bypass
 * watchdog, a QSFP's paged I2C) that is not here.
 */

/** Intel's PCI vendor id. */
export const INTEL_VENDOR_ID = 0x8086;

/** Device ids, by datasheet name. */
export const IXGBE_DEVICE_IDS = {
  IXGBE_DEV_ID_82599_KX4: 0x10f7,
  IXGBE_DEV_ID_82599_KX4_MEZZ: 0x1514,
  IXGBE_DEV_ID_82599_KR: 0x1517,
  IXGBE_DEV_ID_82599_COMBO_BACKPLANE: 0x10f8,
  IXGBE_DEV_ID_82599_CX4: 0x10f9,
  IXGBE_DEV_ID_82599_SFP: 0x10fb,
  IXGBE_DEV_ID_82599_BACKPLANE_FCOE: 0x152a,
  IXGBE_DEV_ID_82599_SFP_FCOE: 0x1529,
  IXGBE_DEV_ID_82599_SFP_EM: 0x1507,
  IXGBE_DEV_ID_82599_SFP_SF2: 0x154d,
  IXGBE_DEV_ID_82599EN_SFP: 0x1557,
  IXGBE_DEV_ID_82599_XAUI_LOM: 0x10fc,
  IXGBE_DEV_ID_82599_T3_LOM: 0x151c,
  IXGBE_DEV_ID_82599_LS: 0x154f,
  IXGBE_DEV_ID_X540T: 0x1528,
  IXGBE_DEV_ID_X540T1: 0x1560,
} as const;

/** How a device's link is made, which decides link setup. */
export type MediaType = 'sfp' | 'backplane' | 'copper' | 'cx4';

const SFP_IDS: ReadonlySet<number> = new Set([
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599_SFP,
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599_SFP_FCOE,
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599_SFP_EM,
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599_SFP_SF2,
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599EN_SFP,
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599_LS,
]);
const COPPER_IDS: ReadonlySet<number> = new Set([
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599_T3_LOM,
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_X540T,
  IXGBE_DEVICE_IDS.IXGBE_DEV_ID_X540T1,
]);
const X540_IDS: ReadonlySet<number> = new Set([IXGBE_DEVICE_IDS.IXGBE_DEV_ID_X540T, IXGBE_DEVICE_IDS.IXGBE_DEV_ID_X540T1]);

/** The media of device `deviceId` (DPDK's `ixgbe_get_media_type_82599` by id). */
export function mediaType(deviceId: number): MediaType {
  if (SFP_IDS.has(deviceId)) return 'sfp';
  if (COPPER_IDS.has(deviceId)) return 'copper';
  if (deviceId === IXGBE_DEVICE_IDS.IXGBE_DEV_ID_82599_CX4) return 'cx4';
  return 'backplane';
}

/** Whether `deviceId` is an X540 (its EEPROM checksum skips two more sections). */
export function isX540(deviceId: number): boolean {
  return X540_IDS.has(deviceId);
}

/** Queues each way. */
export const MAX_QUEUES = 128;
/** MSI-X vectors of a function. */
export const MSIX_VECTORS = 64;
