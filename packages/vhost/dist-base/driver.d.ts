import { VhostDevice } from './index.js';
export { ADDR_AVAIL, ADDR_DESC, ADDR_FLAGS, ADDR_INDEX, ADDR_LOG, ADDR_SIZE, ADDR_USED, BackendChannel, BackendRequest, DEFAULT_QUEUE_PAIRS, ETHERTYPE_RARP, FLAG_NEED_REPLY, FLAG_REPLY, FLAG_VERSION, FLAG_VERSION_MASK, Feature, HDR_FLAGS, HDR_REQUEST, HDR_SIZE, HEADER_SIZE, HostNotifierArea, KICK_INTERRUPT_SIZE, KickInterrupt, KickInterruptLocation, KickWaiter, LOG_PAGE, LOG_SIZE, MAX_FDS, MAX_MEM_REGIONS, MAX_PAYLOAD, MAX_QUEUE_SIZE, MAX_VRINGS, MEM_HEADER_SIZE, MEM_REGION_SIZE, ProtocolFeature, RARP_FRAME_LEN, REGION_GPA, REGION_MMAP_OFFSET, REGION_SIZE, REGION_UVA, REPLY_FLAGS, Reply, Request, STATE_SIZE, STATUS_DRIVER_OK, SUPPORTED_FEATURES, SUPPORTED_PROTOCOL_FEATURES, U64_SIZE, VRING_AREA_SIZE, VRING_F_LOG, VRING_IDX_MASK, VRING_NOFD_MASK, VhostDeviceConfig, VhostDeviceOps, VhostUserSocket, VhostUserSocketOptions, bit, writeRarpFrame, writeRarpMbuf } from './index.js';
import { R as RegionDescription } from './virtqueue-CV07lKJ4.js';
export { D as DESC_F_INDIRECT, a as DESC_F_NEXT, b as DESC_F_WRITE, c as DESC_SIZE, G as GuestMemory, S as S_RARP, d as S_RUNNING, V as VhostSharedState, e as VhostStateLocation, f as Virtqueue, g as VringAddresses, h as VringFeatures, v as vhostStateSize } from './virtqueue-CV07lKJ4.js';
import { NicError } from '@nic/native';
import '@nic/eal';

/**
 * One packet copied between guest buffers and arena mbufs, one descriptor buffer at a time,
 * for either ring format. The reader skips the net header (which may span any number of
 * buffers: CVE-2022-2132) and fills the packet's mbuf, chaining further mbufs from the pool
 * when one is full; the writer puts a zeroed net header and then the packet (of one segment
 * or a chain) into writable buffers, logging what it wrote, and remembers where the header's
 * `num_buffers` bytes went. Nothing here allocates on the JavaScript heap.
 */

/** The virtio-net header: 12 bytes with VERSION_1 or MRG_RXBUF, 10 without. */
declare const NET_HDR_SIZE = 12;

/** Bytes of the avail ring of `num` entries (with used_event). */
declare function availSize(num: number): number;
/** Bytes of the used ring of `num` entries (with avail_event). */
declare function usedSize(num: number): number;

/** The checked header of a message. */
interface MessageHeader {
    readonly request: number;
    readonly flags: number;
    readonly size: number;
}
/**
 * Checks a header as soon as its 12 bytes are in: known request, version 1, a payload no
 * larger than {@link MAX_PAYLOAD}, at most {@link MAX_FDS} fds.
 * @throws NicError `NIC_EINVAL` naming the request and what is wrong.
 */
declare function checkHeader(header: MessageHeader, fdCount: number): void;
/**
 * Checks a whole message (header, payload bytes and the number of fds that came with it)
 * against its request's shape and stateless rules.
 * @throws NicError `NIC_EINVAL` (or `NIC_ENOTSUP` for an unknown request) naming the problem.
 */
declare function checkMessage(header: MessageHeader, payload: DataView, fdCount: number): void;
/**
 * The regions of a SET_MEM_TABLE payload, each with a non-zero size and every end
 * (`gpa + size`, `uva + size`, `mmap_offset + size`) representable without overflow.
 * @throws NicError `NIC_EINVAL` naming the region.
 */
declare function memTableRegions(payload: DataView): RegionDescription[];
/** The name of a request id, for messages. */
declare function requestName(request: number): string;

/**
 * One frontend connection: reads messages off the non-blocking socket (the header with up
 * to {@link MAX_FDS} fds, then the payload, which may arrive in pieces), checks them, hands
 * them to the {@link VhostDevice} and writes the replies with exactly the flags QEMU
 * accepts. A message that fails its checks has every fd it carried closed; the connection
 * then answers a NEED_REPLY with a non-zero ack when REPLY_ACK was negotiated, and
 * otherwise closes, as DPDK does.
 */

declare class VhostConnection {
    #private;
    readonly fd: number;
    readonly device: VhostDevice;
    /** Why the connection closed, when a message was refused. */
    error: NicError | undefined;
    constructor(fd: number, device: VhostDevice, onClose: (connection: VhostConnection) => void);
    get closed(): boolean;
    /** Closes the socket and releases the device's resources. */
    close(error?: NicError): void;
}

export { type MessageHeader, NET_HDR_SIZE, RegionDescription, VhostConnection, VhostDevice, availSize, checkHeader, checkMessage, memTableRegions, requestName, usedSize };
