import { Arena } from '@nic/eal';
import { NicError } from '@nic/native';
import { V as VhostSharedState, e as VhostStateLocation, f as Virtqueue, G as GuestMemory } from './virtqueue-CV07lKJ4.js';
export { S as S_RARP, d as S_RUNNING, g as VringAddresses, h as VringFeatures, v as vhostStateSize } from './virtqueue-CV07lKJ4.js';

/**
 * The vhost-user wire protocol (QEMU's docs/interop/vhost-user.rst): request ids, header
 * flags, feature bits and payload layouts. Integers are in the host's byte order.
 */
/** Bytes of the header: u32 request, u32 flags, u32 size. */
declare const HEADER_SIZE = 12;
/** Header word offsets. */
declare const HDR_REQUEST = 0;
declare const HDR_FLAGS = 4;
declare const HDR_SIZE = 8;
/** Protocol version carried in flags bits 0-1. */
declare const FLAG_VERSION = 1;
/** Mask of the version bits. */
declare const FLAG_VERSION_MASK = 3;
/** The message is a reply. */
declare const FLAG_REPLY = 4;
/** The sender wants a u64 acknowledgement (with PROTOCOL_F_REPLY_ACK). */
declare const FLAG_NEED_REPLY = 8;
/** Flags of every reply the backend sends: QEMU accepts exactly this. */
declare const REPLY_FLAGS: number;
/** Most descriptors one message may carry (VHOST_MEMORY_BASELINE_NREGIONS). */
declare const MAX_FDS = 8;
/** Most regions in SET_MEM_TABLE. */
declare const MAX_MEM_REGIONS = 8;
/** Largest payload the backend accepts: the memory table (8 + 8 * 32 bytes). */
declare const MAX_PAYLOAD: number;
/** Frontend-to-backend requests. */
declare const Request: {
    readonly GET_FEATURES: 1;
    readonly SET_FEATURES: 2;
    readonly SET_OWNER: 3;
    readonly RESET_OWNER: 4;
    readonly SET_MEM_TABLE: 5;
    readonly SET_LOG_BASE: 6;
    readonly SET_LOG_FD: 7;
    readonly SET_VRING_NUM: 8;
    readonly SET_VRING_ADDR: 9;
    readonly SET_VRING_BASE: 10;
    readonly GET_VRING_BASE: 11;
    readonly SET_VRING_KICK: 12;
    readonly SET_VRING_CALL: 13;
    readonly SET_VRING_ERR: 14;
    readonly GET_PROTOCOL_FEATURES: 15;
    readonly SET_PROTOCOL_FEATURES: 16;
    readonly GET_QUEUE_NUM: 17;
    readonly SET_VRING_ENABLE: 18;
    readonly SEND_RARP: 19;
    readonly NET_SET_MTU: 20;
    readonly SET_BACKEND_REQ_FD: 21;
    readonly IOTLB_MSG: 22;
    readonly GET_MAX_MEM_SLOTS: 36;
    readonly SET_STATUS: 39;
    readonly GET_STATUS: 40;
};
/** Virtio and vhost feature bits (bit numbers). */
declare const Feature: {
    readonly NET_F_MTU: 3;
    readonly NET_F_MRG_RXBUF: 15;
    readonly NET_F_GUEST_ANNOUNCE: 21;
    readonly NET_F_MQ: 22;
    readonly F_LOG_ALL: 26;
    readonly RING_F_INDIRECT_DESC: 28;
    readonly RING_F_EVENT_IDX: 29;
    readonly USER_F_PROTOCOL_FEATURES: 30;
    readonly F_VERSION_1: 32;
    readonly F_RING_PACKED: 34;
    readonly F_IN_ORDER: 35;
};
/** Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
declare const ProtocolFeature: {
    readonly MQ: 0;
    readonly LOG_SHMFD: 1;
    readonly RARP: 2;
    readonly REPLY_ACK: 3;
    readonly NET_MTU: 4;
    readonly BACKEND_REQ: 5;
    readonly BACKEND_SEND_FD: 10;
    readonly HOST_NOTIFIER: 11;
    readonly STATUS: 16;
};
/** `1n << bit` as a bigint mask. */
declare function bit(n: number): bigint;
/**
 * Features this backend implements today (see the README for what is not done): split and
 * packed rings with indirect descriptors, mergeable rx buffers, event index, in order.
 */
declare const SUPPORTED_FEATURES: bigint;
/** Protocol features this backend implements today. */
declare const SUPPORTED_PROTOCOL_FEATURES: bigint;
/** Payload of KICK/CALL/ERR: bits 0-7 the vring index, bit 8 "no fd" (poll). */
declare const VRING_IDX_MASK = 255;
declare const VRING_NOFD_MASK = 256;
/** vring state payload `{u32 index, u32 num}`. */
declare const STATE_SIZE = 8;
/** vring address payload `{u32 index, u32 flags, u64 desc, used, avail, log}`. */
declare const ADDR_SIZE = 40;
declare const ADDR_INDEX = 0;
declare const ADDR_FLAGS = 4;
declare const ADDR_DESC = 8;
declare const ADDR_USED = 16;
declare const ADDR_AVAIL = 24;
declare const ADDR_LOG = 32;
/** SET_VRING_ADDR flags bit 0: log used-ring writes. */
declare const VRING_F_LOG = 1;
/** SET_LOG_BASE payload `{u64 mmap_size, u64 mmap_offset}`. */
declare const LOG_SIZE = 16;
/** Dirty-log granularity: one bit per 4 KiB guest page. */
declare const LOG_PAGE = 4096;
/** u64 payload. */
declare const U64_SIZE = 8;
/** Memory table: `{u32 nregions, u32 pad}` then regions of 32 bytes. */
declare const MEM_HEADER_SIZE = 8;
declare const MEM_REGION_SIZE = 32;
declare const REGION_GPA = 0;
declare const REGION_SIZE = 8;
declare const REGION_UVA = 16;
declare const REGION_MMAP_OFFSET = 24;
/** Largest ring (virtio 1.x: Queue Size is at most 32768; a split ring's is a power of 2). */
declare const MAX_QUEUE_SIZE = 32768;
/** Most vrings a device has (DPDK's VHOST_MAX_VRING: 128 queue pairs). */
declare const MAX_VRINGS = 256;
/** Vrings this backend offers by default (GET_QUEUE_NUM reports pairs). */
declare const DEFAULT_QUEUE_PAIRS = 8;

/**
 * The backend-to-frontend channel of vhost-user ("backend communication", SET_BACKEND_REQ_FD):
 * a socket the frontend hands over, on which the backend sends requests of its own. A config
 * change (the device configuration space moved), and a vring's host notifier: a page of an
 * fd (a vDPA device's doorbell, the VFIO device fd at the notify BAR's offset) that the
 * frontend maps over the vring's notify area, so its kicks reach the device without passing
 * through this process. With REPLY_ACK every request asks for an acknowledgement, which the
 * frontend sends when it has handled it; each request's promise settles with it.
 */

/** Backend-to-frontend requests (vhost-user.rst "Back-end message types"). */
declare const BackendRequest: {
    readonly IOTLB_MSG: 1;
    readonly CONFIG_CHANGE_MSG: 2;
    readonly VRING_HOST_NOTIFIER_MSG: 3;
};
/** VRING_HOST_NOTIFIER_MSG payload `{u64 index | no-fd bit, u64 size, u64 offset}` (a vring area). */
declare const VRING_AREA_SIZE = 24;
/** A doorbell page the frontend is to map over a vring's notify area. */
interface HostNotifierArea {
    /** The fd to map (a VFIO device fd, or any mappable file). It stays the caller's. */
    readonly fd: number;
    /** Where in `fd` the page starts: a multiple of the page size. */
    readonly offset: number;
    /** Bytes: a multiple of the page size (QEMU accepts exactly one page). */
    readonly size: number;
}
/** One frontend's channel, from SET_BACKEND_REQ_FD until the connection resets. */
declare class BackendChannel {
    #private;
    readonly fd: number;
    /** Why the channel closed, when it did not close with the connection. */
    error: NicError | undefined;
    /**
     * Takes over `fd` (the frontend's end of the channel); `protocolFeatures` reads what the
     * frontend negotiated, `vrings` bounds the vring indices.
     */
    constructor(fd: number, protocolFeatures: () => bigint, vrings: number);
    get closed(): boolean;
    /** Requests sent and not yet acknowledged. */
    get pending(): number;
    /**
     * Tells the frontend that the device configuration changed (CONFIG_CHANGE_MSG). QEMU's
     * vhost-user-net has no handler for it and acknowledges with a failure.
     * @returns settles when acknowledged (at once without REPLY_ACK); rejects with `NIC_EIO`
     *   when the frontend refused it or the channel closed first.
     */
    configChange(): Promise<void>;
    /**
     * Asks the frontend to map `area` over vring `vring`'s notify area, or with no area to
     * unmap what it mapped there (VRING_HOST_NOTIFIER_MSG). Needs HOST_NOTIFIER and
     * BACKEND_SEND_FD to have been negotiated.
     * @throws NicError `NIC_ENOTSUP` when they were not, `NIC_EINVAL` for a vring the device
     *   does not have or an area that is not whole pages, `NIC_EIO` when the channel is closed.
     * @returns as {@link configChange}.
     */
    hostNotifier(vring: number, area?: HostNotifierArea): Promise<void>;
    /** Closes the channel; requests still waiting for their acknowledgement fail with `error`. */
    close(error?: NicError): void;
}

/** Bytes of one vring's interrupt block (i32 slots: epoll fd, wake fd, kick fd, pad). */
declare const KICK_INTERRUPT_SIZE = 16;
/** Where a vring's interrupt block lies: 16 bytes at a 4-aligned `offset` of `buffer`. */
interface KickInterruptLocation {
    readonly buffer: SharedArrayBuffer;
    readonly offset: number;
}
/** The connection's side: owns the epoll and wake fds and follows the vring's kick eventfd. */
declare class KickInterrupt {
    #private;
    /** Makes the fds and writes them at `location`. */
    constructor(location: KickInterruptLocation);
    /** The fd a sleeper waits on (readable after a kick or a wake). */
    get fd(): number;
    /**
     * The vring's kick eventfd is now `fd` (-1: none). Called under the vring's lock, before
     * the previous one is closed: a registration outlives the fd in epoll while the frontend
     * keeps its copy of the eventfd open, so it is removed explicitly. Wakes a sleeper.
     */
    setKick(fd: number): void;
    /** Wakes a sleeper, which then re-arms on the ring as it is now (it was mapped again, enabled). */
    wake(): void;
    /** Closes the epoll and wake fds (the kick eventfd is the device's). */
    close(): void;
}
/**
 * A poller's side (any thread): the fd to sleep on and the clearing of what woke it. Built
 * over the block a {@link KickInterrupt} wrote and the device's shared state.
 */
declare class KickWaiter {
    #private;
    constructor(location: KickInterruptLocation, state: VhostSharedState, vring: number);
    /** The epoll fd to sleep on (an epoll set holds it with nothing to read: the waiter reads 0 bytes). */
    get fd(): number;
    /**
     * Clears what woke the sleeper: the wake eventfd and the kicks counted so far. Done under
     * the vring's access lock, so the connection's thread cannot close the kick eventfd (and
     * another file take its number) meanwhile; only fds that are readable are read, so a
     * frontend's blocking eventfd never blocks here.
     */
    clear(): void;
}

/**
 * A vhost-user device: the state one frontend connection negotiates (features, memory
 * table, vrings) and the handler of each request. Messages reach it already checked by
 * {@link checkMessage}; the rules here are the ones that need state (ring index below the
 * number of vrings, features within what was offered, rings inside guest memory).
 */

/** Device status bit DRIVER_OK (virtio 1.x). */
declare const STATUS_DRIVER_OK = 4;
/** Application callbacks (DPDK's `rte_vhost_device_ops`). */
interface VhostDeviceOps {
    /** The first queue pair is ready (and, with STATUS, the driver is OK): traffic may flow. */
    newDevice?(device: VhostDevice): void;
    /** The device stopped (rings stopped, frontend gone or reset). */
    destroyDevice?(device: VhostDevice): void;
    /** A vring was enabled or disabled. */
    vringStateChanged?(device: VhostDevice, vring: number, enabled: boolean): void;
    /** SET_FEATURES changed the negotiated features. */
    featuresChanged?(device: VhostDevice, features: bigint): void;
}
/** What a device offers. */
interface VhostDeviceConfig {
    readonly features: bigint;
    readonly protocolFeatures: bigint;
    /** Queue pairs offered (GET_QUEUE_NUM); 2 vrings each. */
    readonly queuePairs: number;
    /** A device (vDPA) serves the rings: they are mapped, never written (see the socket option). */
    readonly deviceRings?: boolean;
    /**
     * Where to keep the state pollers on other threads read ({@link vhostStateSize} bytes of
     * shared memory, such as the arena); by default memory of the device's own.
     */
    readonly state?: VhostStateLocation;
    /**
     * Per vring index, the kick interrupt a poller sleeps on (net_vhost's rx interrupts): the
     * device hands it each kick eventfd the frontend gives and wakes it when the ring is set
     * up again.
     */
    readonly kickInterrupts?: readonly (KickInterrupt | undefined)[];
    /**
     * The arena the data path moves packets to and from: the guest's regions are mapped as
     * windows of its WebAssembly memory, so that split rings run the WebAssembly kernel. When
     * absent, or when the memory cannot hold the regions, they are mapped apart (the reason is
     * `memory.apart`, and logged at NOTICE) and bursts run in TypeScript.
     */
    readonly arena?: Arena;
}
/** A reply payload: a u64, or raw bytes. */
type Reply = bigint | Uint8Array;
declare class VhostDevice {
    #private;
    readonly config: VhostDeviceConfig;
    readonly vrings: Virtqueue[];
    features: bigint;
    protocolFeatures: bigint;
    status: number;
    mtu: number;
    memory: GuestMemory | undefined;
    /** The dirty log (SET_LOG_BASE), as a byte view of its mapping. */
    log: Uint8Array | undefined;
    /** Where the dirty log's first byte lies in this process, while one is mapped (for a device's DMA). */
    get logAddress(): number | undefined;
    /** Whether {@link VhostDeviceOps.newDevice} has been called and not yet undone. */
    running: boolean;
    /** The state pollers follow ({@link Virtqueue.attach}). */
    readonly shared: VhostSharedState;
    constructor(config: VhostDeviceConfig, ops?: VhostDeviceOps);
    /** The backend-to-frontend channel while it is open (see {@link backendChannel}). */
    get backend(): BackendChannel | undefined;
    /**
     * The backend-to-frontend channel the frontend gave (SET_BACKEND_REQ_FD), for requests to
     * it: config change, host notifiers.
     * @throws NicError `NIC_ENOTSUP` when the frontend did not negotiate BACKEND_REQ or gave no
     *   channel, `NIC_EIO` when it closed the channel.
     */
    backendChannel(): BackendChannel;
    /** Whether the frontend acked feature `n`. */
    has(n: number): boolean;
    /**
     * Handles one checked message; `fds` are owned from here on (kept or closed). Returns the
     * reply payload for requests that have one, or undefined.
     * @throws NicError for a request the device refuses; the fds are closed.
     */
    handle(request: number, payload: DataView, fds: number[]): Reply | undefined;
    /** Stops the device and releases everything the frontend gave it (fds, mappings). */
    reset(): void;
}

/** Options of {@link VhostUserSocket}. */
interface VhostUserSocketOptions {
    /** Connect to the path instead of listening on it (DPDK's `client=1`). */
    readonly client?: boolean;
    /** In client mode: retry every `reconnectMs` until connected, and after the frontend goes. Default true. */
    readonly reconnect?: boolean;
    /** Retry period in client mode. Default 1000. */
    readonly reconnectMs?: number;
    /** Queue pairs offered. Default {@link DEFAULT_QUEUE_PAIRS}. */
    readonly queuePairs?: number;
    /** Features to withhold from the supported set (DPDK's `rte_vhost_driver_disable_features`). */
    readonly disableFeatures?: bigint;
    /** Device lifecycle callbacks. */
    readonly ops?: VhostDeviceOps;
    /**
     * The features to offer instead of the software path's set (a vDPA device offers its
     * own); `disableFeatures` still applies.
     */
    readonly features?: bigint;
    /** The protocol features to offer, ANDed with what this library implements. */
    readonly protocolFeatures?: bigint;
    /**
     * A device serves the rings (vDPA): the library maps them for address translation but
     * never writes to them; in particular it sets no USED_F_NO_NOTIFY, so the frontend keeps
     * kicking the device across SET_FEATURES and SET_VRING_ADDR (as at migration start).
     */
    readonly deviceRings?: boolean;
    /** Where the device keeps the state that pollers on other threads follow (see {@link VhostDeviceConfig.state}). */
    readonly state?: VhostStateLocation;
    /** Per vring index, a kick interrupt for a poller to sleep on (see {@link VhostDeviceConfig.kickInterrupts}). */
    readonly kickInterrupts?: readonly (KickInterrupt | undefined)[];
    /** The arena whose WebAssembly memory takes the guest's regions (see {@link VhostDeviceConfig.arena}). */
    readonly arena?: Arena;
}
declare class VhostUserSocket {
    #private;
    readonly path: string;
    readonly device: VhostDevice;
    /** Called when a connection closes; `error` says why when a message was refused. */
    onDisconnect: ((error?: NicError) => void) | undefined;
    /**
     * Starts serving (server) or connecting (client) at `path`.
     * @throws NicError `NIC_EBUSY` when a server's path exists, `NIC_EINVAL` for bad options;
     * in client mode without `reconnect`, the connect error.
     */
    constructor(path: string, options?: VhostUserSocketOptions);
    /** Whether a frontend is connected. */
    get connected(): boolean;
    /** Closes the connection and the listener, and removes a server's socket file. */
    close(): void;
}

/**
 * The RARP announcement a backend sends for a migrated guest (VHOST_USER_SEND_RARP): after a
 * live migration, QEMU on the destination asks the backend to announce the guest's MAC when the
 * guest itself cannot (it did not ack VIRTIO_NET_F_GUEST_ANNOUNCE), so that switches learn
 * where the guest went. The frame is what QEMU's own self-announce sends: a broadcast RARP
 * "reverse request" from that MAC, padded to the shortest Ethernet frame.
 */

/** Bytes of the frame (the minimum Ethernet frame without FCS). */
declare const RARP_FRAME_LEN = 60;
/** EtherType of RARP. */
declare const ETHERTYPE_RARP = 32821;
/** Writes the RARP announcement of `mac` (6 bytes) into `frame` (at least {@link RARP_FRAME_LEN} bytes). */
declare function writeRarpFrame(frame: Uint8Array, mac: Uint8Array): void;
/** Makes mbuf `h` (freshly allocated from a pool of `arena`) the RARP announcement of `mac`. */
declare function writeRarpMbuf(arena: Arena, h: number, mac: Uint8Array): void;

export { ADDR_AVAIL, ADDR_DESC, ADDR_FLAGS, ADDR_INDEX, ADDR_LOG, ADDR_SIZE, ADDR_USED, BackendChannel, BackendRequest, DEFAULT_QUEUE_PAIRS, ETHERTYPE_RARP, FLAG_NEED_REPLY, FLAG_REPLY, FLAG_VERSION, FLAG_VERSION_MASK, Feature, HDR_FLAGS, HDR_REQUEST, HDR_SIZE, HEADER_SIZE, type HostNotifierArea, KICK_INTERRUPT_SIZE, KickInterrupt, type KickInterruptLocation, KickWaiter, LOG_PAGE, LOG_SIZE, MAX_FDS, MAX_MEM_REGIONS, MAX_PAYLOAD, MAX_QUEUE_SIZE, MAX_VRINGS, MEM_HEADER_SIZE, MEM_REGION_SIZE, ProtocolFeature, RARP_FRAME_LEN, REGION_GPA, REGION_MMAP_OFFSET, REGION_SIZE, REGION_UVA, REPLY_FLAGS, type Reply, Request, STATE_SIZE, STATUS_DRIVER_OK, SUPPORTED_FEATURES, SUPPORTED_PROTOCOL_FEATURES, U64_SIZE, VRING_AREA_SIZE, VRING_F_LOG, VRING_IDX_MASK, VRING_NOFD_MASK, VhostDevice, type VhostDeviceConfig, type VhostDeviceOps, VhostSharedState, VhostStateLocation, VhostUserSocket, type VhostUserSocketOptions, Virtqueue, bit, writeRarpFrame, writeRarpMbuf };
