import { addon, type RawTapInterface } from './addon.js';

/** A TAP interface this process created, and the fd of its first queue. */
export type TapInterface = RawTapInterface;

/** Options of {@link tapCreate}. */
export interface TapCreateOptions {
  /** `IFF_MULTI_QUEUE`: more queues can be attached with {@link tapAttachQueue}. */
  readonly multiQueue?: boolean;
}

/**
 * Creates a TAP interface (`IFF_TAP | IFF_NO_PI`) named `name`, or `tapN` chosen by the
 * kernel when `name` is empty or omitted (a `%d` in the name is replaced by a free number),
 * in the calling thread's network namespace, and returns its final name and the
 * non-blocking, close-on-exec fd of its first queue. The interface is not persistent: the
 * kernel deletes it when its last queue fd is closed. It starts down. Needs CAP_NET_ADMIN.
 * Frames written to a queue fd arrive at the kernel as received on the interface; frames
 * the kernel sends out of the interface are read from a queue fd.
 * @throws NicError `NIC_EEXIST` when an interface of that name exists (the call never
 *   attaches to someone else's TAP), `NIC_EINVAL` for a bad name, `NIC_EPERM` without the
 *   capability, `NIC_ENOENT` when `/dev/net/tun` is missing.
 */
export function tapCreate(name = '', options: TapCreateOptions = {}): TapInterface {
  return addon.tapCreate(name, options.multiQueue ?? false);
}

/**
 * Opens one more queue of multi-queue TAP interface `name` (created with `multiQueue`) and
 * returns its non-blocking fd. The kernel spreads the frames it sends over the queues by
 * flow.
 * @throws NicError `NIC_ENODEV` for an unknown interface, `NIC_EINVAL` when it is no
 *   multi-queue TAP.
 */
export function tapAttachQueue(name: string): number {
  return addon.tapAttachQueue(name);
}

/**
 * Reads up to `n` frames from TAP queue `fd`, one per `read()`, frame `k` into
 * `memory[offsets[k] .. offsets[k] + maxLens[k])`, in ONE call: it stops when the queue is
 * empty or `n` frames were read. `outLens[k]` receives frame `k`'s full length; a value
 * above `maxLens[k]` means the frame was longer and only its first `maxLens[k]` bytes are
 * in memory (with a `Uint16Array`, lengths saturate at 65535). Returns the frames read, or a negative errno when the very first read
 * failed for another reason than an empty queue (`-EBADFD` once the interface is gone).
 * Allocates nothing; for data paths.
 * @throws NicError `NIC_EINVAL` (before any I/O) when `n` exceeds an array or a frame range
 *   passes the end of `memory`; TypeError for arrays of the wrong type.
 */
export function tapReadBurst(
  fd: number,
  memory: Uint8Array,
  offsets: Uint32Array,
  maxLens: Uint16Array | Uint32Array,
  outLens: Uint16Array | Uint32Array,
  n: number,
): number {
  return addon.tapReadBurst(fd, memory, offsets, maxLens, outLens, n);
}

/**
 * Writes up to `n` frames to TAP queue `fd`, frame `k` being
 * `memory[offsets[k] .. offsets[k] + lens[k])`, one `write()` each, in ONE call. Returns the
 * frames consumed: written, or refused by the kernel (a frame shorter than an Ethernet
 * header, or any frame while the interface is down); it stops early only when the queue
 * would block, and frames from there on are not consumed. With `results`, `results[k]` is
 * the bytes written or the negative errno of the refusal. Allocates nothing.
 * @throws NicError `NIC_EINVAL` (before any I/O) as {@link tapReadBurst}.
 */
export function tapWriteBurst(
  fd: number,
  memory: Uint8Array,
  offsets: Uint32Array,
  lens: Uint16Array | Uint32Array,
  n: number,
  results?: Int32Array,
): number {
  return addon.tapWriteBurst(fd, memory, offsets, lens, results, n);
}
