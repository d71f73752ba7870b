/**
 * The device arguments of net_af_packet, DPDK's:
 *
 * - `iface=<name>` (required): the kernel interface to bind to;
 * - `qpairs=<n>` (1 to 16, default 1): queue pairs, one AF_PACKET socket each, sharing the
 *   interface's traffic through a hash fanout group;
 * - `blocksz=<bytes>` (default 4096), `framesz=<bytes>` (default 2048),
 *   `framecnt=<n>` (default 512): the geometry of each ring; the block count is
 *   `framecnt / (blocksz / framesz)`, so `framecnt` must be a multiple of the frames per
 *   block;
 * - `qdisc_bypass=0|1` (default 0): `PACKET_QDISC_BYPASS`.
 *
 * The kernel's own ring rules (block size a multiple of the page size, frame size a
 * multiple of 16 holding a frame of the interface's MTU) are checked when the sockets are
 * opened, and reported with these arguments.
 */
import { NicError, type Kvargs } from '@nic/eal';

/** Interface key. */
export const IFACE_KEY = 'iface';
/** Queue pairs key. */
export const QPAIRS_KEY = 'qpairs';
/** Block size key. */
export const BLOCKSZ_KEY = 'blocksz';
/** Frame size key. */
export const FRAMESZ_KEY = 'framesz';
/** Frame count key. */
export const FRAMECNT_KEY = 'framecnt';
/** Qdisc bypass key. */
export const QDISC_BYPASS_KEY = 'qdisc_bypass';
/** Every key net_af_packet accepts. */
export const VALID_KEYS: readonly string[] = [IFACE_KEY, QPAIRS_KEY, BLOCKSZ_KEY, FRAMESZ_KEY, FRAMECNT_KEY, QDISC_BYPASS_KEY];

/** Most queue pairs (`RTE_PMD_AF_PACKET_MAX_RINGS`). */
export const AF_PACKET_MAX_QPAIRS = 16;
/** Block size without `blocksz=` (DPDK's `DFLT_BLOCK_SIZE`). */
export const DEFAULT_BLOCK_SIZE = 4096;
/** Frame size without `framesz=` (`DFLT_FRAME_SIZE`). */
export const DEFAULT_FRAME_SIZE = 2048;
/** Frame count without `framecnt=` (`DFLT_FRAME_COUNT`). */
export const DEFAULT_FRAME_COUNT = 512;
/** Largest value the kernel takes for a ring size field (an unsigned int). */
const MAX_RING_FIELD = 0xffffffff;

/** What a net_af_packet device's arguments ask for. */
export interface AfPacketArgs {
  readonly iface: string;
  readonly qpairs: number;
  readonly blockSize: number;
  readonly blockCount: number;
  readonly frameSize: number;
  readonly frameCount: number;
  readonly qdiscBypass: boolean;
}

/**
 * Reads the arguments of net_af_packet device `device`.
 * @throws NicError `NIC_EINVAL` naming the device, key and value: `iface` missing or empty,
 *   a value that is no integer in its range (sizes of 0 included), `framesz` above
 *   `blocksz`, `framecnt` not a multiple of the frames per block.
 */
export function parseAfPacketArgs(device: string, kv: Kvargs): AfPacketArgs {
  const fail = (message: string): NicError => new NicError('NIC_EINVAL', message);
  try {
    const iface = kv.getString(IFACE_KEY);
    if (iface === undefined) throw fail(`the key "${IFACE_KEY}" is required (${IFACE_KEY}=<interface>)`);
    if (iface === '') throw fail(`"${IFACE_KEY}" names no interface`);
    const qpairs = kv.getInt(QPAIRS_KEY, { min: 1, max: AF_PACKET_MAX_QPAIRS, default: 1 });
    const blockSize = kv.getInt(BLOCKSZ_KEY, { min: 1, max: MAX_RING_FIELD, default: DEFAULT_BLOCK_SIZE });
    const frameSize = kv.getInt(FRAMESZ_KEY, { min: 1, max: MAX_RING_FIELD, default: DEFAULT_FRAME_SIZE });
    const frameCount = kv.getInt(FRAMECNT_KEY, { min: 1, max: MAX_RING_FIELD, default: DEFAULT_FRAME_COUNT });
    const qdiscBypass = kv.getInt(QDISC_BYPASS_KEY, { min: 0, max: 1, default: 0 }) === 1;
    if (frameSize > blockSize) throw fail(`${FRAMESZ_KEY}=${frameSize} is larger than ${BLOCKSZ_KEY}=${blockSize}: a frame must fit in a block`);
    const perBlock = Math.floor(blockSize / frameSize);
    if (frameCount % perBlock !== 0) {
      throw fail(`${FRAMECNT_KEY}=${frameCount} is not a multiple of the ${perBlock} frames per block (${BLOCKSZ_KEY}=${blockSize} / ${FRAMESZ_KEY}=${frameSize})`);
    }
    return { iface, qpairs, blockSize, blockCount: frameCount / perBlock, frameSize, frameCount, qdiscBypass };
  } catch (e) {
    if (e instanceof NicError) throw new NicError(e.code, `${device}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The arguments that shape the rings, as `blocksz=..., framesz=..., framecnt=...`, for messages. */
export function ringArgsText(args: AfPacketArgs): string {
  return `${BLOCKSZ_KEY}=${args.blockSize}, ${FRAMESZ_KEY}=${args.frameSize}, ${FRAMECNT_KEY}=${args.frameCount}`;
}
