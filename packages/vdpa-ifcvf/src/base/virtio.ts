/**
 * Virtio 1.0 over PCI as the IFC VF implements it (virtio spec §4.1.4.3, DPDK's
 * `drivers/vdpa/ifc/base/ifcvf.h`): the common configuration fields, the status bits and
 * the feature bits this driver names.
 */

/** `virtio_pci_common_cfg` field offsets. */
export const VIRTIO_PCI_COMMON_DFSELECT = 0x00;
export const VIRTIO_PCI_COMMON_DF = 0x04;
export const VIRTIO_PCI_COMMON_GFSELECT = 0x08;
export const VIRTIO_PCI_COMMON_GF = 0x0c;
export const VIRTIO_PCI_COMMON_MSIX = 0x10;
export const VIRTIO_PCI_COMMON_NUMQ = 0x12;
export const VIRTIO_PCI_COMMON_STATUS = 0x14;
export const VIRTIO_PCI_COMMON_Q_SELECT = 0x16;
export const VIRTIO_PCI_COMMON_Q_SIZE = 0x18;
export const VIRTIO_PCI_COMMON_Q_MSIX = 0x1a;
export const VIRTIO_PCI_COMMON_Q_ENABLE = 0x1c;
export const VIRTIO_PCI_COMMON_Q_NOFF = 0x1e;
export const VIRTIO_PCI_COMMON_Q_DESCLO = 0x20;
export const VIRTIO_PCI_COMMON_Q_DESCHI = 0x24;
export const VIRTIO_PCI_COMMON_Q_AVAILLO = 0x28;
export const VIRTIO_PCI_COMMON_Q_AVAILHI = 0x2c;
export const VIRTIO_PCI_COMMON_Q_USEDLO = 0x30;
export const VIRTIO_PCI_COMMON_Q_USEDHI = 0x34;
/** Bytes of the common configuration. */
export const VIRTIO_PCI_COMMON_CFG_SIZE = 0x38;

/** Device status bits. */
export const VIRTIO_CONFIG_STATUS_RESET = 0x00;
export const VIRTIO_CONFIG_STATUS_ACK = 0x01;
export const VIRTIO_CONFIG_STATUS_DRIVER = 0x02;
export const VIRTIO_CONFIG_STATUS_DRIVER_OK = 0x04;
export const VIRTIO_CONFIG_STATUS_FEATURES_OK = 0x08;

/** The MSI-X "no vector" value, also what a refused vector reads back as. */
export const VIRTIO_MSI_NO_VECTOR = 0xffff;

/** Feature bits. */
export const VIRTIO_NET_F_CTRL_VQ = 17;
export const VIRTIO_NET_F_GUEST_ANNOUNCE = 21;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_F_IOMMU_PLATFORM = 33;
export const VIRTIO_F_LOG_ALL = 26;

/** virtio-net config: max_virtqueue_pairs; virtio-blk config: capacity, geometry, num_queues. */
export const VIRTIO_BLK_CFG_CAPACITY = 0;
export const VIRTIO_BLK_CFG_GEOMETRY = 16;
export const VIRTIO_BLK_CFG_NUM_QUEUES = 34;
/** Bytes of `virtio_blk_config` up to and including num_queues. */
export const VIRTIO_BLK_CFG_SIZE = 36;
