import { SharedWasmMemory, Arena, MbufView, Mempool } from '@nic/eal';

/**
 * The frontend's memory as SET_MEM_TABLE described it: each region's fd mapped with its own
 * `mmap_offset`, and translation of guest-physical (descriptor buffers) and frontend-virtual
 * (ring) addresses that always checks the whole length lies inside one region (the check
 * behind CVE-2018-1059: a range running past a region is refused, never clipped).
 *
 * Given the arena's WebAssembly memory, the regions are mapped as windows inside it
 * ({@link GuestWindows}), so that the WebAssembly kernels copy between mbufs and guest buffers
 * at offsets of one memory; when the memory cannot hold them (4 GiB in all), or no memory is
 * given, each region is a mapping of its own and {@link GuestMemory.apart} says why.
 */

/** One region as the frontend described it (numbers: every field was checked to be < 2^53). */
interface RegionDescription {
    readonly guestPhysAddr: number;
    readonly size: number;
    readonly userspaceAddr: number;
    readonly mmapOffset: number;
}
/** Where another thread finds regions this process mapped already. */
interface AttachedRegions {
    /** Each region's host address. */
    readonly hostAddresses: readonly number[];
    /** Each region's address in the arena's WebAssembly memory, when the regions are windows there. */
    readonly windowAddresses?: readonly number[];
}
/**
 * The guest's memory, mapped. Built once per SET_MEM_TABLE from the frontend's fds (then
 * {@link GuestMemory.unmap} releases it), or attached by a polling thread to the regions that
 * the connection's thread mapped (the process shares one address space; only the views are
 * per thread).
 */
declare class GuestMemory {
    #private;
    readonly regions: readonly RegionDescription[];
    /** Byte view of each region, from its first guest byte. */
    readonly u8: Uint8Array[];
    readonly u16: Uint16Array[];
    readonly u32: Uint32Array[];
    /**
     * Each region's address in the arena's WebAssembly memory (where its first guest byte
     * lies), when the regions are windows there; empty when they are mapped apart.
     */
    readonly windowAddresses: number[];
    /** Why the regions are mapped apart from the arena's memory; undefined when they are windows in it. */
    readonly apart: string | undefined;
    /** The memory this object mapped its windows in (undefined when attached or apart). */
    readonly memory: SharedWasmMemory | undefined;
    /** Region of the last successful translation. */
    region: number;
    /**
     * Maps `fds[i]` for `regions[i]` (the fds are closed here, mapped or not) as windows of
     * `memory` when given and it can hold them, else apart; or, given {@link AttachedRegions},
     * views the regions already mapped at those host addresses.
     * @throws NicError `NIC_EINVAL` for overlapping regions, `NIC_ENOMEM`/`NIC_EINVAL` from the
     * mapping, naming the region; nothing stays mapped then.
     */
    constructor(regions: readonly RegionDescription[], source: readonly number[] | AttachedRegions, memory?: SharedWasmMemory);
    /**
     * The offset within region {@link GuestMemory.region} of guest-physical `addr`, when all of
     * `[addr, addr + len)` lies inside that one region; otherwise -1.
     */
    gpa(addr: number, len: number): number;
    /** As {@link GuestMemory.gpa}, for a frontend virtual address (ring addresses). */
    uva(addr: number, len: number): number;
    /** Where region `i` is mapped in this process (its first byte). */
    hostAddress(i: number): number;
    /** Unmaps every region this object mapped (none when attached); views read zeros afterwards. */
    unmap(): void;
}

declare const S_RUNNING = 4;
/** 1 while a RARP announcement (SEND_RARP) waits for an rx burst to deliver it. */
declare const S_RARP = 5;
/** Bytes of the shared state of a device with `vrings` vrings. */
declare function vhostStateSize(vrings: number): number;
/** Where a device's shared state lies: `size` bytes at an 8-aligned `offset` of `buffer`. */
interface VhostStateLocation {
    readonly buffer: SharedArrayBuffer;
    readonly offset: number;
}
/** Views over one device's shared state; every thread builds its own over the same bytes. */
declare class VhostSharedState {
    #private;
    readonly location: VhostStateLocation;
    readonly vrings: number;
    /** Header i32 slots. */
    readonly h32: Int32Array;
    /** Header f64 slots. */
    readonly h64: Float64Array;
    /** Per vring: its i32 and f64 slots. */
    readonly v32: Int32Array[];
    readonly v64: Float64Array[];
    /** The MAC of the pending RARP announcement (see {@link announce}). */
    readonly rarpMac: Uint8Array;
    /** @throws RangeError when the location is unaligned or too small for `vrings` vrings. */
    constructor(location: VhostStateLocation, vrings: number);
    /** A fresh state of its own (a device that no other thread polls). */
    static local(vrings: number): VhostSharedState;
    /**
     * Takes every vring's lock for the control thread, waiting for bursts in flight to end
     * (a burst holds its lock for one burst only). Calls nest: only the outermost locks.
     */
    lockAll(): void;
    /** Publishes the change (a new generation) and releases the locks {@link lockAll} took. */
    unlockAll(): void;
    /**
     * Asks the pollers to deliver one RARP announcement of `mac` (SEND_RARP, after a
     * migration); a second request before one is delivered replaces the MAC.
     */
    announce(mac: Uint8Array): void;
    /** Takes the pending announcement, if any: true for exactly one caller per {@link announce}. */
    takeAnnouncement(): boolean;
    /** Drops a pending announcement (the device was reset). */
    cancelAnnouncement(): void;
}

/**
 * What the two virtqueue formats (split and packed) share: the 16-byte descriptor's flags,
 * the ring addresses SET_VRING_ADDR gives, the negotiated features the data path follows,
 * and the interface {@link Virtqueue} drives a format through.
 */

/** A descriptor is 16 bytes: u64 addr, u32 len, then (split) u16 flags, u16 next or (packed) u16 id, u16 flags. */
declare const DESC_SIZE = 16;
declare const DESC_F_NEXT = 1;
declare const DESC_F_WRITE = 2;
declare const DESC_F_INDIRECT = 4;
/** Ring addresses from SET_VRING_ADDR (frontend virtual addresses; `log` is guest-physical). */
interface VringAddresses {
    /** Descriptor table (split) or descriptor ring (packed). */
    readonly desc: number;
    /** Avail ring (split) or driver event suppression area (packed). */
    readonly avail: number;
    /** Used ring (split) or device event suppression area (packed). */
    readonly used: number;
    readonly flags: number;
    readonly log: number;
}
/** The negotiated features the data path follows. */
interface VringFeatures {
    readonly hdrSize: number;
    readonly mrgRxbuf: boolean;
    readonly eventIdx: boolean;
    readonly indirect: boolean;
    /** VIRTIO_F_RING_PACKED (split when absent). */
    readonly packed?: boolean;
}

/**
 * One virtqueue as the frontend set it up (SET_VRING_NUM/ADDR/BASE/KICK/CALL/ENABLE), and
 * its data path in either format: split ({@link SplitRing}) or packed ({@link PackedRing},
 * with VIRTIO_F_RING_PACKED). Even vrings carry packets to the guest (enqueue), odd ones from
 * it (dequeue); {@link PacketCopy} moves the bytes, chaining mbufs for packets larger than one.
 *
 * Every guest address is translated with its length before use, and every chain is walked
 * with its indices, lengths and loop bounds checked (see the formats); a malformed chain is
 * returned to the guest unused and counted in {@link Virtqueue.errors}. The per-packet code
 * allocates nothing and makes no addon call.
 *
 * The ring indices, counters and control fields live in the device's
 * {@link VhostSharedState}: the connection's thread sets them up, and a poller on any thread
 * ({@link Virtqueue.attach}) runs bursts under the vring's access lock.
 *
 * A split ring's bursts run in a WebAssembly kernel when the guest's regions are windows of
 * the burst's arena memory (the device was given the arena, and for a poller, the shared
 * state lies in that arena), and while LOG_ALL is on, the log too; otherwise in TypeScript.
 */

/** A virtqueue. Control fields are set by the device's message handlers. */
declare class Virtqueue {
    #private;
    readonly index: number;
    addresses: VringAddresses | undefined;
    kickFd: number;
    errFd: number;
    /** A KICK with the no-fd bit: the frontend never kicks, the backend polls. */
    kicked: boolean;
    /** Vring `index` of `state` (by default a state of its own, for a device nobody else polls). */
    constructor(index: number, state?: VhostSharedState, replica?: boolean);
    /**
     * A poller of vring `index` of a device whose state is `state` (built over the same shared
     * bytes on this thread): its bursts follow what the connection's thread publishes,
     * attaching the guest memory on this thread.
     */
    static attach(state: VhostSharedState, index: number): Virtqueue;
    /** Ring size (SET_VRING_NUM). */
    get num(): number;
    set num(value: number);
    /**
     * Next avail entry to consume (SET_VRING_BASE / GET_VRING_BASE): a free-running 16-bit
     * index for a split ring; for a packed ring, the descriptor index with the avail wrap
     * counter in bit 15.
     */
    get lastAvail(): number;
    set lastAvail(value: number);
    /** Next used index to publish, in the form of {@link Virtqueue.lastAvail}. */
    get lastUsed(): number;
    set lastUsed(value: number);
    /** Whether the rings are mapped as a packed ring. */
    get packed(): boolean;
    /** SET_VRING_ENABLE state (rings start enabled unless PROTOCOL_FEATURES was negotiated). */
    get enabled(): boolean;
    set enabled(value: boolean);
    /** The call eventfd, or -1. */
    get callFd(): number;
    set callFd(value: number);
    /** Chains refused as malformed (see the module comment). */
    get errors(): number;
    /** Packets dropped because no mbuf or guest buffer could hold them. */
    get dropped(): number;
    /** Packets this object's bursts moved through the WebAssembly kernel (the rest took the TypeScript walk). */
    get kernelPackets(): number;
    /** Zeroes {@link Virtqueue.errors} and {@link Virtqueue.dropped}. */
    clearCounters(): void;
    /** Stores the ring addresses (SET_VRING_ADDR) where pollers find them. */
    setAddresses(a: VringAddresses | undefined): void;
    /** Whether the data path may run: mapped, kicked (or polling) and enabled. */
    get ready(): boolean;
    /** The data-path flags of `features` (and `logging`), as the shared state carries them. */
    static flags(features: VringFeatures, logging: boolean): number;
    /**
     * Translates the rings into `mem` with their full lengths, in the format `negotiated`
     * names. Returns an error message, or undefined when the rings are mapped.
     */
    map(mem: GuestMemory, negotiated: VringFeatures): string | undefined;
    /**
     * Turns dirty logging on (`log` mapped and LOG_ALL negotiated) or off; `window` is the
     * log's address in the arena's WebAssembly memory when it is mapped there, else -1. Used-ring
     * writes are logged when SET_VRING_ADDR had VRING_F_LOG, at its `log` address.
     */
    setLog(log: Uint8Array | undefined, on: boolean, window?: number): void;
    /**
     * Marks `length` bytes at `offset` of the used ring dirty, while logging is on and
     * SET_VRING_ADDR gave the used ring's log address (`rte_vhost_log_used_vring`): for a
     * device (vDPA) that wrote the ring itself. For a packed ring, `offset` is into the
     * descriptor ring, where used descriptors are written.
     */
    logUsed(offset: number, length: number): void;
    /** Forgets the ring translation (memory table replaced, ring stopped). */
    unmap(): void;
    /** Asks the frontend not to kick (polling) or to kick (interrupt mode). */
    setNotification(on: boolean): void;
    /**
     * {@link setNotification} from any thread (a poller arming its rx interrupt): under the
     * vring's access lock, waiting while the connection's thread holds it, with a poller's
     * views brought up to date first. Returns false when the ring is not mapped or enabled.
     */
    guestNotification(on: boolean): boolean;
    /** Entries (split) or descriptors (packed) the frontend has made available and the backend not yet consumed. */
    availCount(): number;
    /**
     * Guest-to-host: takes up to `n` packets from the ring into mbufs allocated from
     * `pool` (stored at `out[offset..]`; a packet larger than one mbuf gets a chain of them).
     * Returns how many were delivered; malformed chains and packets that fit no mbufs are
     * returned to the guest and counted.
     */
    dequeueBurst(arena: Arena, mbufs: MbufView, pool: Mempool, out: Uint32Array, n: number, offset: number): number;
    /**
     * Host-to-guest: copies up to `n` mbufs (one segment or a chain each) from
     * `handles[offset..]` into guest buffers. Returns how many were placed; the caller still
     * owns (and frees) every mbuf. With MRG_RXBUF a packet spreads over as many available
     * chains as it needs (their count in the header's `num_buffers`); without it, one chain
     * must hold it. Stops at the first packet the available chains cannot hold, leaving it
     * and them for a later burst.
     */
    enqueueBurst(arena: Arena, handles: Uint32Array, n: number, offset: number): number;
}

export { DESC_F_INDIRECT as D, GuestMemory as G, type RegionDescription as R, S_RARP as S, VhostSharedState as V, DESC_F_NEXT as a, DESC_F_WRITE as b, DESC_SIZE as c, S_RUNNING as d, type VhostStateLocation as e, Virtqueue as f, type VringAddresses as g, type VringFeatures as h, vhostStateSize as v };
