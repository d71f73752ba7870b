/**
 * The IFC VF's live-migration block at BAR4 offset 0 (DPDK's `base/ifcvf.h`): dirty-logging
 * control and range, the ring state of each queue, the enabled queue count. Only on parts
 * with Intel's subsystem ids: on QEMU's virtio-net-pci BAR4 holds the common configuration.
 */

/** BAR holding the block. */
export const IFCVF_LM_BAR = 4;
export const IFCVF_LM_LOGGING_CTRL = 0x00;
export const IFCVF_LM_BASE_ADDR_LOW = 0x10;
export const IFCVF_LM_BASE_ADDR_HIGH = 0x14;
export const IFCVF_LM_END_ADDR_LOW = 0x18;
export const IFCVF_LM_END_ADDR_HIGH = 0x1c;
export const IFCVF_LM_RING_STATE_OFFSET = 0x20;
export const IFCVF_LM_CFG_SIZE = 0x40;
export const IFCVF_MQ_OFFSET = 0x28;
export const IFCVF_LM_DISABLE = 0x0;
export const IFCVF_LM_ENABLE_VF = 0x1;
/** `last_used` sits in the upper half of a ring-state word. */
export const IFCVF_RING_STATE_USED_SHIFT = 16;
