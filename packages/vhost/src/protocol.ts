/**
 * The vhost-user wire protocol (QEMU's docs/interop/vhost-user.rst): request ids, header
 * flags, feature bits and payload layouts. Integers are in the host's byte order.
 */

/** Bytes of the header: u32 request, u32 flags, u32 size. */
export const HEADER_SIZE = 12;
/** Header word offsets. */
export const HDR_REQUEST = 0;
export const HDR_FLAGS = 4;
export const HDR_SIZE = 8;

/** Protocol version carried in flags bits 0-1. */
export const FLAG_VERSION = 0x1;
/** Mask of the version bits. */
export const FLAG_VERSION_MASK = 0x3;
/** The message is a reply. */
export const FLAG_REPLY = 0x4;
/** The sender wants a u64 acknowledgement (with PROTOCOL_F_REPLY_ACK). */
export const FLAG_NEED_REPLY = 0x8;
/** Flags of every reply the backend sends: QEMU accepts exactly this. */
export const REPLY_FLAGS = FLAG_VERSION | FLAG_REPLY;

/** Most descriptors one message may carry (VHOST_MEMORY_BASELINE_NREGIONS). */
export const MAX_FDS = 8;
/** Most regions in SET_MEM_TABLE. */
export const MAX_MEM_REGIONS = 8;
/** Largest payload the backend accepts: the memory table (8 + 8 * 32 bytes). */
export const MAX_PAYLOAD = 8 + MAX_MEM_REGIONS * 32;

/** Frontend-to-backend requests. */
export const Request = {
  GET_FEATURES: 1,
  SET_FEATURES: 2,
  SET_OWNER: 3,
  RESET_OWNER: 4,
  SET_MEM_TABLE: 5,
  SET_LOG_BASE: 6,
  SET_LOG_FD: 7,
  SET_VRING_NUM: 8,
  SET_VRING_ADDR: 9,
  SET_VRING_BASE: 10,
  GET_VRING_BASE: 11,
  SET_VRING_KICK: 12,
  SET_VRING_CALL: 13,
  SET_VRING_ERR: 14,
  GET_PROTOCOL_FEATURES: 15,
  SET_PROTOCOL_FEATURES: 16,
  GET_QUEUE_NUM: 17,
  SET_VRING_ENABLE: 18,
  SEND_RARP: 19,
  NET_SET_MTU: 20,
  SET_BACKEND_REQ_FD: 21,
  IOTLB_MSG: 22,
  GET_MAX_MEM_SLOTS: 36,
  SET_STATUS: 39,
  GET_STATUS: 40,
} as const;

/** Virtio and vhost feature bits (bit numbers). */
export const Feature = {
  NET_F_MTU: 3,
  NET_F_MRG_RXBUF: 15,
  NET_F_GUEST_ANNOUNCE: 21,
  NET_F_MQ: 22,
  F_LOG_ALL: 26,
  RING_F_INDIRECT_DESC: 28,
  RING_F_EVENT_IDX: 29,
  USER_F_PROTOCOL_FEATURES: 30,
  F_VERSION_1: 32,
  F_RING_PACKED: 34,
  F_IN_ORDER: 35,
} as const;

/** Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
export const ProtocolFeature = {
  MQ: 0,
  LOG_SHMFD: 1,
  RARP: 2,
  REPLY_ACK: 3,
  NET_MTU: 4,
  BACKEND_REQ: 5,
  BACKEND_SEND_FD: 10,
  HOST_NOTIFIER: 11,
  STATUS: 16,
} as const;

/** `1n << bit` as a bigint mask. */
export function bit(n: number): bigint {
  return 1n << BigInt(n);
}

/**
 * Features this backend implements today (see the README for what is not done): split and
 * packed rings with indirect descriptors, mergeable rx buffers, event index, in order.
 */
export const SUPPORTED_FEATURES =
  bit(Feature.F_VERSION_1) |
  bit(Feature.F_RING_PACKED) |
  bit(Feature.NET_F_MRG_RXBUF) |
  bit(Feature.RING_F_INDIRECT_DESC) |
  bit(Feature.RING_F_EVENT_IDX) |
  bit(Feature.F_IN_ORDER) |
  bit(Feature.NET_F_MQ) |
  bit(Feature.F_LOG_ALL) |
  bit(Feature.USER_F_PROTOCOL_FEATURES);

/** Protocol features this backend implements today. */
export const SUPPORTED_PROTOCOL_FEATURES =
  bit(ProtocolFeature.MQ) |
  bit(ProtocolFeature.LOG_SHMFD) |
  bit(ProtocolFeature.RARP) |
  bit(ProtocolFeature.REPLY_ACK) |
  bit(ProtocolFeature.BACKEND_REQ) |
  bit(ProtocolFeature.BACKEND_SEND_FD) |
  bit(ProtocolFeature.HOST_NOTIFIER) |
  bit(ProtocolFeature.STATUS);

/** Payload of KICK/CALL/ERR: bits 0-7 the vring index, bit 8 "no fd" (poll). */
export const VRING_IDX_MASK = 0xff;
export const VRING_NOFD_MASK = 0x100;

/** vring state payload `{u32 index, u32 num}`. */
export const STATE_SIZE = 8;
/** vring address payload `{u32 index, u32 flags, u64 desc, used, avail, log}`. */
export const ADDR_SIZE = 40;
export const ADDR_INDEX = 0;
export const ADDR_FLAGS = 4;
export const ADDR_DESC = 8;
export const ADDR_USED = 16;
export const ADDR_AVAIL = 24;
export const ADDR_LOG = 32;
/** SET_VRING_ADDR flags bit 0: log used-ring writes. */
export const VRING_F_LOG = 0x1;
/** SET_LOG_BASE payload `{u64 mmap_size, u64 mmap_offset}`. */
export const LOG_SIZE = 16;
/** Dirty-log granularity: one bit per 4 KiB guest page. */
export const LOG_PAGE = 4096;
/** u64 payload. */
export const U64_SIZE = 8;
/** Memory table: `{u32 nregions, u32 pad}` then regions of 32 bytes. */
export const MEM_HEADER_SIZE = 8;
export const MEM_REGION_SIZE = 32;
export const REGION_GPA = 0;
export const REGION_SIZE = 8;
export const REGION_UVA = 16;
export const REGION_MMAP_OFFSET = 24;

/** Largest ring (virtio 1.x: Queue Size is at most 32768; a split ring's is a power of 2). */
export const MAX_QUEUE_SIZE = 32768;
/** Most vrings a device has (DPDK's VHOST_MAX_VRING: 128 queue pairs). */
export const MAX_VRINGS = 256;
/** Vrings this backend offers by default (GET_QUEUE_NUM reports pairs). */
export const DEFAULT_QUEUE_PAIRS = 8;
