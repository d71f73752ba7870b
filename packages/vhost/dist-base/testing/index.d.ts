import { SharedWasmMemory } from '@nic/eal';
import { MemoryMapping } from '@nic/native';
import { G as GuestMemory, f as Virtqueue, h as VringFeatures } from '../virtqueue-CV07lKJ4.js';

/** A shared-memory file of `size` bytes: its path (already unlinked) and `count` fds open on it. */
declare function guestFile(size: number, count?: number): {
    path: string;
    fds: number[];
};
/** Lines of /proc/self/maps that map `path`. */
declare function mappingsOf(path: string): number;
/**
 * Open fds of this process; with `target`, only those whose link is it (a guest file's path,
 * deleted or not, or {@link EVENTFD_LINK}), so fds the test runner opens meanwhile do not count.
 */
declare function openFds(target?: string): number;
/** The link target every eventfd has in /proc/self/fd. */
declare const EVENTFD_LINK = "anon_inode:[eventfd]";
/** Guest-physical base of the test region, and its frontend-virtual base. */
declare const GPA_BASE = 1048576;
declare const UVA_BASE = 139637976727552;
/** Region offsets of the ring parts and of the buffers. */
declare const DESC_OFF = 0;
declare const BUFFERS_OFF = 65536;
/** A guest memory region with one split ring in it, seen from both sides. */
declare class GuestRing {
    #private;
    readonly size: number;
    readonly num: number;
    readonly path: string;
    readonly mem: GuestMemory;
    readonly vq: Virtqueue;
    /** The frontend's own mapping of the region. */
    readonly front: MemoryMapping;
    readonly u8: Uint8Array;
    readonly dv: DataView;
    readonly availOff: number;
    readonly usedOff: number;
    /** `memory`: map the region as a window of it (the arena's), so that bursts run the kernel. */
    constructor(num?: number, size?: number, hdrSize?: number, indirect?: boolean, memory?: SharedWasmMemory);
    /** Writes descriptor `i` of the table at region offset `table`. */
    desc(i: number, addr: number, len: number, flags: number, next?: number, table?: number): void;
    /** Zeroes the region and starts the ring over on both sides. */
    reset(): void;
    /** Makes chain `head` available. */
    push(head: number): void;
    usedIdx(): number;
    used(i: number): {
        id: number;
        len: number;
    };
    close(): void;
}
/** A raw vhost-user client. */
declare class RawFrontend {
    #private;
    readonly fd: number;
    constructor(path: string);
    send(request: number, payload?: Uint8Array, fds?: readonly number[], flags?: number, size?: number): void;
    /** The next reply, or 'closed' when the backend hung up; waits up to `timeoutMs`. */
    receive(timeoutMs?: number): Promise<{
        request: number;
        flags: number;
        payload: DataView;
    } | 'closed'>;
    close(): void;
}
/** A u64 payload. */
declare function u64(value: number | bigint): Uint8Array;
/** A `{u32, u32}` payload. */
declare function state(index: number, num: number): Uint8Array;
/** A SET_MEM_TABLE payload. */
declare function memTable(regions: readonly (readonly [number | bigint, number | bigint, number | bigint, number | bigint])[]): Uint8Array;

/** One request the backend sent. */
interface BackendMessage {
    readonly request: number;
    readonly flags: number;
    readonly payload: DataView;
    /** The fds that came with it, now the receiver's to close. */
    readonly fds: number[];
}
declare class BackendPeer {
    #private;
    /** The frontend's end. */
    readonly fd: number;
    private constructor();
    /** A new channel: the peer, and the other end to send the backend (the caller closes it once sent). */
    static pair(): {
        peer: BackendPeer;
        backendEnd: number;
    };
    /**
     * The next request, or 'closed' when the backend closed the channel; waits up to
     * `timeoutMs`. The stream may carry several requests in one read: they are split by their
     * headers, and fds go to the request whose first byte came with them.
     */
    receive(timeoutMs?: number): Promise<BackendMessage | 'closed'>;
    /** Acknowledges `request` with `value` (0: done). */
    reply(request: number, value: bigint): void;
    /** Closes the channel and any fds received but not taken. */
    close(): void;
}

/** Ring size of the test frontend. */
declare const FRONTEND_RING = 256;
/** Bytes of each receive buffer. */
declare const FRONTEND_BUFFER = 2048;
/** How {@link VhostTestFrontend.connect} sets the device up. */
interface FrontendOptions {
    /** Queue pairs (default 1). */
    readonly pairs?: number;
    /** Negotiate LOG_SHMFD so that {@link VhostTestFrontend.startLogging} may run. */
    readonly logShmfd?: boolean;
    /** Give each vring a kick and a call eventfd (for a backend that waits for kicks, such as a vDPA device). */
    readonly eventfds?: boolean;
    /** Protocol features to negotiate too (with BACKEND_REQ, the backend gets a channel). */
    readonly protocolFeatures?: bigint;
    /** Negotiate RING_PACKED and lay the rings out packed. */
    readonly packed?: boolean;
}
declare class VhostTestFrontend {
    #private;
    /** Kick and call eventfds per vring, when connected with `eventfds` (else empty: polled rings). */
    readonly kickfds: number[];
    readonly callfds: number[];
    /** Packets and bytes (without the header) received per queue pair. */
    readonly received: number[];
    readonly receivedBytes: number[];
    /** The frontend's end of the backend channel, when connected with BACKEND_REQ. */
    backend: BackendPeer | undefined;
    private constructor();
    /**
     * Connects to the backend socket at `path` and sets up `pairs` queue pairs; with
     * `logShmfd`, negotiates LOG_SHMFD so that {@link VhostTestFrontend.startLogging} may run;
     * with `eventfds`, gives each vring a kick and a call eventfd (for a backend that waits
     * for kicks, such as a vDPA device) instead of none; `protocolFeatures` are negotiated too,
     * and with BACKEND_REQ among them the backend gets a channel ({@link backend}) before the
     * rings are set up, as QEMU gives it. `options` may give all of these, and `packed`.
     */
    static connect(path: string, pairs?: number | FrontendOptions, logShmfd?: boolean, eventfds?: boolean, protocolFeatures?: bigint): Promise<VhostTestFrontend>;
    /**
     * Starts dirty logging as QEMU does at migration start: SET_LOG_BASE with a shared log
     * covering guest memory (waiting for its reply), SET_FEATURES with LOG_ALL, SET_VRING_ADDR
     * with VRING_F_LOG for every vring, then a GET_FEATURES round trip as the barrier.
     */
    startLogging(): Promise<void>;
    /** A copy of guest memory. */
    snapshot(): Uint8Array;
    /** Guest pages whose bytes differ from `before`, as region page numbers. */
    changedPages(before: Uint8Array): number[];
    /** Whether region page `page` is marked in the dirty log. */
    logged(page: number): boolean;
    /** Region pages marked in the dirty log. */
    loggedPages(): number[];
    /** Takes what the backend placed on the receive vrings, counts it, and posts the buffers again. */
    poll(): void;
    /**
     * Sends `frames` (each a zero net header then the bytes) on queue pair `pair`; returns how
     * many the ring had room for.
     */
    send(pair: number, frames: readonly Uint8Array[]): number;
    /** Asks the backend to announce `mac` (6 bytes), as QEMU does on a migration's destination (SEND_RARP). */
    announce(mac: Uint8Array): void;
    /**
     * Kicks queue pair `pair`'s transmit vring as a driver does after {@link send}: only when
     * the backend asks for kicks (USED_F_NO_NOTIFY clear; this frontend has no EVENT_IDX).
     * Returns whether it kicked.
     */
    notify(pair: number): boolean;
    /** Kicks vring `v` (with `eventfds`). */
    kick(v: number): void;
    /** The used ring's idx of vring `v`, read without consuming anything. */
    usedIdx(v: number): number;
    /** The used ring's flags of vring `v` (USED_F_NO_NOTIFY is bit 0). */
    usedFlags(v: number): number;
    /** Hangs up. */
    close(): void;
}

/**
 * A packed ring laid out in a test guest region, with the driver's half written here: it
 * makes chains available (the head's flags last, as a driver does), reads used descriptors
 * with its own wrap counters, and sets its event suppression area.
 */

/** A descriptor as the driver posts it. */
interface PackedDesc {
    readonly addr: number;
    readonly len: number;
    readonly flags: number;
}
/** Region offsets of the packed ring's parts; buffers start at {@link PACKED_BUFFERS_OFF}. */
declare const PACKED_DESC_OFF = 0;
declare const PACKED_BUFFERS_OFF = 65536;
declare class GuestPackedRing {
    #private;
    readonly size: number;
    readonly num: number;
    readonly path: string;
    readonly mem: GuestMemory;
    readonly vq: Virtqueue;
    readonly front: MemoryMapping;
    readonly u8: Uint8Array;
    readonly dv: DataView;
    /** Region offsets of the driver's and the device's event suppression areas. */
    readonly driverOff: number;
    readonly deviceOff: number;
    constructor(num?: number, size?: number, features?: Partial<VringFeatures>);
    /** The driver's next avail position: {index, wrap counter}. */
    get availPosition(): {
        index: number;
        wrap: number;
    };
    /** Writes descriptor `i` of the ring (or of a table at region offset `table`). */
    desc(i: number, addr: number, len: number, id: number, flags: number, table?: number): void;
    /**
     * Makes `chain` available as buffer `id` at the driver's position, the head's flags
     * written last; the flags given are NEXT/WRITE/INDIRECT (NEXT is added between them
     * unless `rawNext`). Returns the head's ring index.
     */
    post(chain: readonly PackedDesc[], id: number, rawNext?: boolean): number;
    /** The next used descriptor, or undefined; the driver's used position moves past its chain. */
    takeUsed(): {
        id: number;
        len: number;
    } | undefined;
    /** Every used descriptor now there. */
    takeAllUsed(): {
        id: number;
        len: number;
    }[];
    /** Sets the driver's event suppression area: when the device should call. */
    driverEvent(flags: number, offWrap?: number): void;
    /** The device's event suppression area: {offWrap, flags}. */
    deviceEvent(): {
        offWrap: number;
        flags: number;
    };
    /** Zeroes the region and starts the ring over on both sides. */
    reset(): void;
    close(): void;
}

declare const TESTPMD = "/usr/bin/dpdk-testpmd";
/** Why the peer tier cannot run here, or undefined. */
declare const TESTPMD_MISSING: string | undefined;
/**
 * Time a test with a testpmd peer may take: its prompt alone may take the whole default wait
 * (20 s) on a loaded machine, before the link and the traffic the test then awaits.
 */
declare const TESTPMD_TEST_MS = 90000;
declare class Testpmd {
    #private;
    /**
     * Starts testpmd with a virtio_user port of `queues` queue pairs on `socketPath`;
     * `devargs` adds virtio_user devargs, `extra` testpmd arguments.
     */
    constructor(socketPath: string, prefix: string, devargs?: string, extra?: string[], queues?: number);
    get output(): string;
    /** Waits until the output since `from` matches `pattern`; returns the match. */
    waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpMatchArray>;
    /** Waits for the first prompt. */
    ready(): Promise<void>;
    /** Sends a command and waits for the next prompt; returns the output it produced. */
    command(line: string, timeoutMs?: number): Promise<string>;
    /** Quits, waits for the process to end, and removes its EAL runtime directory. */
    quit(): Promise<void>;
}

export { BUFFERS_OFF, type BackendMessage, BackendPeer, DESC_OFF, EVENTFD_LINK, FRONTEND_BUFFER, FRONTEND_RING, type FrontendOptions, GPA_BASE, GuestPackedRing, GuestRing, PACKED_BUFFERS_OFF, PACKED_DESC_OFF, type PackedDesc, RawFrontend, TESTPMD, TESTPMD_MISSING, TESTPMD_TEST_MS, Testpmd, UVA_BASE, VhostTestFrontend, guestFile, mappingsOf, memTable, openFds, state, u64 };
