/**
 * The vfio-user wire format (QEMU's `docs/interop/vfio-user.rst`), as far as a server of
 * this kit's models needs it: the 16-byte header, the command numbers, the flag bits of the
 * header and of each command's payload, and the VFIO region and interrupt indexes. Every
 * field is little-endian.
 */

/** Bytes of the header: u16 id, u16 command, u32 size (the whole message), u32 flags, u32 error. */
export const HEADER_SIZE = 16;
export const HEADER_ID = 0;
export const HEADER_COMMAND = 2;
export const HEADER_MESSAGE_SIZE = 4;
export const HEADER_FLAGS = 8;
export const HEADER_ERROR = 12;

/** Header flags: the message type in bits 0-3, then NO_REPLY and ERROR. */
export const FLAG_TYPE_MASK = 0xf;
export const FLAG_TYPE_COMMAND = 0;
export const FLAG_TYPE_REPLY = 1;
export const FLAG_NO_REPLY = 0x10;
export const FLAG_ERROR = 0x20;

/** Command numbers. */
export const Command = {
  VERSION: 1,
  DMA_MAP: 2,
  DMA_UNMAP: 3,
  DEVICE_GET_INFO: 4,
  DEVICE_GET_REGION_INFO: 5,
  DEVICE_GET_REGION_IO_FDS: 6,
  DEVICE_GET_IRQ_INFO: 7,
  DEVICE_SET_IRQS: 8,
  REGION_READ: 9,
  REGION_WRITE: 10,
  DMA_READ: 11,
  DMA_WRITE: 12,
  DEVICE_RESET: 13,
  REGION_WRITE_MULTI: 15,
} as const;

/**
 * The largest data transfer (REGION_READ/WRITE) the server accepts and advertises: QEMU
 * splits larger accesses, and a reply this size fits a unix socket's default send buffer.
 */
export const MAX_DATA_XFER = 1 << 16;
/** The most fds one message may carry (QEMU's own limit for the server's `max_msg_fds`). */
export const MAX_MSG_FDS = 16;
/** The largest message accepted: a header, a region access's 16 bytes and its data. */
export const MAX_MESSAGE = HEADER_SIZE + 16 + MAX_DATA_XFER;

/** VERSION payload: u16 major, u16 minor, then a NUL-terminated JSON object. */
export const VERSION_MAJOR = 0;
export const VERSION_MINOR = 0;
export const VERSION_FIXED = 4;

/** DMA_MAP payload: u32 argsz, u32 flags, u64 offset, u64 iova, u64 size. */
export const DMA_MAP_SIZE = 32;
export const DMA_MAP_READ = 1;
export const DMA_MAP_WRITE = 2;
/** DMA_UNMAP payload: u32 argsz, u32 flags, u64 iova, u64 size. */
export const DMA_UNMAP_SIZE = 24;
export const DMA_UNMAP_DIRTY_BITMAP = 1;
export const DMA_UNMAP_ALL = 2;

/** DEVICE_GET_INFO payload: u32 argsz, flags, num_regions, num_irqs. */
export const DEVICE_INFO_SIZE = 16;
export const DEVICE_FLAGS_RESET = 1;
export const DEVICE_FLAGS_PCI = 2;

/** GET_REGION_INFO payload: u32 argsz, flags, index, cap_offset; u64 size, offset. */
export const REGION_INFO_SIZE = 32;
export const REGION_FLAG_READ = 1;
export const REGION_FLAG_WRITE = 2;

/** GET_IRQ_INFO payload: u32 argsz, flags, index, count. */
export const IRQ_INFO_SIZE = 16;
export const IRQ_INFO_EVENTFD = 1;
export const IRQ_INFO_MASKABLE = 2;
export const IRQ_INFO_AUTOMASKED = 4;

/** SET_IRQS payload: u32 argsz, flags, index, start, count. */
export const SET_IRQS_SIZE = 20;
export const IRQ_DATA_NONE = 1;
export const IRQ_DATA_BOOL = 2;
export const IRQ_DATA_EVENTFD = 4;
export const IRQ_DATA_MASK = IRQ_DATA_NONE | IRQ_DATA_BOOL | IRQ_DATA_EVENTFD;
export const IRQ_ACTION_MASK = 8;
export const IRQ_ACTION_UNMASK = 16;
export const IRQ_ACTION_TRIGGER = 32;
export const IRQ_ACTION_ALL = IRQ_ACTION_MASK | IRQ_ACTION_UNMASK | IRQ_ACTION_TRIGGER;

/** REGION_READ/WRITE payload: u64 offset, u32 region, u32 count, then (write, read reply) the data. */
export const REGION_ACCESS_SIZE = 16;

/** VFIO region indexes of a PCI function: BARs 0-5, the ROM, config space, VGA. */
export const BAR_REGIONS = 6;
export const ROM_REGION = 6;
export const CONFIG_REGION = 7;
export const NUM_REGIONS = 9;
/** Bytes of the config region (PCI Express config space). */
export const CONFIG_SIZE = 4096;

/** VFIO interrupt indexes of a PCI function. */
export const INTX_IRQ = 0;
export const MSI_IRQ = 1;
export const MSIX_IRQ = 2;
export const ERR_IRQ = 3;
export const REQ_IRQ = 4;
export const NUM_IRQS = 5;

/** errno values of error replies. */
export const Errno = {
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  ENOMEM: 12,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  ENOTSUP: 95,
} as const;

/** The command's name in messages. */
export function commandName(command: number): string {
  const entry = Object.entries(Command).find(([, n]) => n === command);
  return entry ? entry[0] : `command ${command}`;
}
