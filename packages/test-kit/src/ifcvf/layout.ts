/**
 * Where an IFCVF function keeps things, from the virtio 1.0 spec (§4.1.4: the common
 * configuration, notify, ISR and device configuration structures) and from Intel's IFC VF
 * (the live-migration block at BAR4 offset 0, as DPDK's `drivers/vdpa/ifc/base/ifcvf.h`
 * uses it). The model's own copy, independent of the driver's.
 */

/** BAR0: the four virtio structures. */
export const VIRTIO_BAR = 0;
/** BAR2: the MSI-X table (offset 0) and pending-bit array. */
export const MSIX_BAR = 2;
/** BAR4: the live-migration block (IFC layout only). */
export const LM_BAR = 4;
export const VIRTIO_BAR_SIZE = 0x4000;
export const MSIX_BAR_SIZE = 0x1000;
export const LM_BAR_SIZE = 0x1000;
export const MSIX_PBA_OFFSET = 0x800;

/** Offsets of the structures in their BAR. */
export const COMMON_OFFSET = 0x0000;
export const COMMON_LENGTH = 0x38;
export const ISR_OFFSET = 0x1000;
export const ISR_LENGTH = 4;
export const DEVICE_OFFSET = 0x2000;
export const DEVICE_LENGTH = 0x40;
export const NOTIFY_OFFSET = 0x3000;
/** Bytes between two queues' doorbells. */
export const NOTIFY_MULTIPLIER = 4;

/** `virtio_pci_common_cfg` fields (offsets in the structure). */
export const COMMON_DFSELECT = 0x00;
export const COMMON_DF = 0x04;
export const COMMON_GFSELECT = 0x08;
export const COMMON_GF = 0x0c;
export const COMMON_MSIX = 0x10;
export const COMMON_NUMQ = 0x12;
export const COMMON_STATUS = 0x14;
export const COMMON_CFGGENERATION = 0x15;
export const COMMON_Q_SELECT = 0x16;
export const COMMON_Q_SIZE = 0x18;
export const COMMON_Q_MSIX = 0x1a;
export const COMMON_Q_ENABLE = 0x1c;
export const COMMON_Q_NOFF = 0x1e;
export const COMMON_Q_DESCLO = 0x20;
export const COMMON_Q_DESCHI = 0x24;
export const COMMON_Q_AVAILLO = 0x28;
export const COMMON_Q_AVAILHI = 0x2c;
export const COMMON_Q_USEDLO = 0x30;
export const COMMON_Q_USEDHI = 0x34;

/** Device status bits. */
export const STATUS_ACKNOWLEDGE = 0x01;
export const STATUS_DRIVER = 0x02;
export const STATUS_DRIVER_OK = 0x04;
export const STATUS_FEATURES_OK = 0x08;
export const STATUS_FAILED = 0x80;

/** A vector number meaning "none" (and what an out-of-range vector reads back as). */
export const NO_VECTOR = 0xffff;

/** Live-migration block: logging control, log base and end (IOVA), ring states, queue count. */
export const LM_LOGGING_CTRL = 0x00;
export const LM_BASE_ADDR_LOW = 0x10;
export const LM_BASE_ADDR_HIGH = 0x14;
export const LM_END_ADDR_LOW = 0x18;
export const LM_END_ADDR_HIGH = 0x1c;
export const LM_RING_STATE_OFFSET = 0x20;
export const LM_CFG_SIZE = 0x40;
export const LM_MQ_CFG = 0x28;
/** `LM_LOGGING_CTRL` value that turns hardware dirty logging on. */
export const LM_ENABLE_VF = 1;

/** Dirty pages are 4 KiB. */
export const LOG_PAGE_SHIFT = 12;

/** Virtio feature bits the model knows. */
export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_NET_F_CTRL_VQ = 17;
export const VIRTIO_NET_F_MQ = 22;
export const VIRTIO_BLK_F_GEOMETRY = 4;
export const VIRTIO_BLK_F_MQ = 12;
export const VIRTIO_F_VERSION_1 = 32;
export const VIRTIO_F_ACCESS_PLATFORM = 33;

/** virtio-net config: mac (6 bytes), status, max_virtqueue_pairs. */
export const NET_CFG_MAC = 0;
export const NET_CFG_STATUS = 6;
export const NET_CFG_MAX_PAIRS = 8;
/** `status` bit: link up. */
export const VIRTIO_NET_S_LINK_UP = 1;
/** virtio-blk config: capacity (u64 sectors), geometry (cylinders u16, heads u8, sectors u8), num_queues. */
export const BLK_CFG_CAPACITY = 0;
export const BLK_CFG_GEOMETRY = 16;
export const BLK_CFG_NUM_QUEUES = 34;

/** The `virtio_net_hdr` of a VERSION_1 device (num_buffers included). */
export const NET_HDR_SIZE = 12;
/** Offset of `num_buffers` in it. */
export const NET_HDR_NUM_BUFFERS = 10;
