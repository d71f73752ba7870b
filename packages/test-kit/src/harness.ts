/**
 * What an ethdev test needs around the port under test: an isolated EAL instance, a mbuf
 * pool, a started port, packets of a given length or holding given frames, their bytes
 * back, polling for what a port receives, and a way to catch error codes.
 */
import { expect } from 'vitest';
import { init, MBUF_DATA_LEN, MBUF_PKT_LEN, MbufView, pktmbufPoolCreate, type DriverDescriptor, type Eal, type Mempool } from '@nic/eal';
import { configure, rxBurst, rxQueueSetup, start, txQueueSetup, type EthConf } from '@nic/ethdev';
import { until } from '@nic/native/testing';
import { withDefaultLcores } from './lcores.js';

/**
 * EAL arguments every harness instance gets before the caller's: no PCI (unless the caller
 * names PCI devices with `-a`), no hugepages, 64 MiB.
 */
export const BASE_EAL_ARGS: readonly string[] = ['--no-pci', '--no-huge', '-m', '64'];
/** Options naming PCI devices to use; with one of them in the arguments, PCI stays on. */
const PCI_ALLOW_OPTIONS: readonly string[] = ['-a', '--allow'];

let instances = 0;

/**
 * Starts an EAL instance with its own file prefix (`<tag>-<pid>-<n>`), {@link BASE_EAL_ARGS}
 * (without `--no-pci` when `args` name PCI devices), lcore 0 on the first CPU of the
 * process's affinity set unless `args` choose lcores (see `lcoreArgs`), and `args`; with
 * `drivers` besides the registered ones.
 */
export async function harnessEal(tag: string, args: readonly string[], drivers: readonly DriverDescriptor[] = []): Promise<Eal> {
  const usesPci = args.some((a) => PCI_ALLOW_OPTIONS.includes(a));
  const base = usesPci ? BASE_EAL_ARGS.filter((a) => a !== '--no-pci') : BASE_EAL_ARGS;
  const argv = [...base, '--file-prefix', `${tag}-${process.pid}-${instances++}`, ...withDefaultLcores(args)];
  const { eal } = await init(argv, { drivers });
  return eal;
}

/** A pktmbuf pool of `n` mbufs with no per-lcore cache, so `availCount` is exact at once. */
export function harnessPool(eal: Eal, n: number, name = 'harness_pool'): Mempool {
  return pktmbufPoolCreate(eal.arena, name, n);
}

/**
 * Allocates `count` single-segment packets of `length` bytes from `pool`.
 * @throws Error when the pool has fewer than `count` mbufs.
 */
export function allocPackets(eal: Eal, pool: Mempool, count: number, length: number): Uint32Array {
  const handles = new Uint32Array(count);
  if (new MbufView(eal.arena).allocBulk(pool, handles, count) !== 0) throw new Error(`mempool '${pool.name}' has fewer than ${count} free mbufs`);
  for (const h of handles) {
    eal.arena.u16[(h + MBUF_DATA_LEN) >>> 1] = length;
    eal.arena.u32[(h + MBUF_PKT_LEN) >>> 2] = length;
  }
  return handles;
}

/** The packet length of each handle. */
export function packetLengths(eal: Eal, handles: Uint32Array): number[] {
  return Array.from(handles, (h) => eal.arena.u32[(h + MBUF_PKT_LEN) >>> 2]);
}

/** The `code` of what `fn` throws, or undefined when it returns. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : 'no code';
  }
  return undefined;
}

/**
 * Configures `port` with `queues` rx and tx queues of the driver's default sizes and `conf`,
 * rx filling from `pool`, and starts it.
 */
export function startPort(port: number, pool: Mempool, queues = 1, conf?: EthConf): void {
  configure(port, queues, queues, conf);
  for (let q = 0; q < queues; q++) {
    rxQueueSetup(port, q, 0, undefined, pool);
    txQueueSetup(port, q, 0);
  }
  start(port);
}

/**
 * A packet from `pool` holding the bytes of `frame`, in a chain of segments of at most
 * `segment` bytes (one segment by default); its head mbuf.
 */
export function framePacket(eal: Eal, pool: Mempool, frame: Uint8Array, segment = frame.length): number {
  const mbufs = new MbufView(eal.arena);
  let head = 0;
  let at = 0;
  do {
    const part = frame.subarray(at, Math.min(frame.length, at + segment));
    const h = mbufs.alloc(pool);
    mbufs.append(h, part.length);
    eal.arena.u8.set(part, mbufs.mtod(h));
    if (head === 0) head = h;
    else expect(mbufs.chain(head, h)).toBe(0);
    at += segment;
  } while (at < frame.length);
  return head;
}

/** Single-segment packets from `pool` holding the bytes of `frames`, in order. */
export function framePackets(eal: Eal, pool: Mempool, frames: readonly Uint8Array[]): Uint32Array {
  return Uint32Array.from(frames, (frame) => framePacket(eal, pool, frame));
}

/** A copy of the bytes of packet `h`, all its segments. */
export function packetBytes(eal: Eal, h: number): Uint8Array {
  const mbufs = new MbufView(eal.arena);
  const out = new Uint8Array(mbufs.pktLen(h));
  mbufs.read(h, 0, out.length, out);
  return out;
}

/** Packets {@link receiveFrames} asks rx for at a time. */
const RECEIVE_BURST = 32;

/**
 * Polls rx queue `queue` of `port` (with {@link until}) until `count` frames for which
 * `keep` holds have come, and returns their bytes. Frees every packet it receives, kept or not.
 */
export async function receiveFrames(eal: Eal, port: number, count: number, keep: (frame: Uint8Array) => boolean, queue = 0): Promise<Uint8Array[]> {
  const mbufs = new MbufView(eal.arena);
  const got: Uint8Array[] = [];
  const handles = new Uint32Array(RECEIVE_BURST);
  await until(`${count} frames on rx queue ${queue} of port ${port}`, () => {
    const n = rxBurst(port, queue, handles, RECEIVE_BURST);
    for (let i = 0; i < n; i++) {
      const frame = packetBytes(eal, handles[i]);
      if (keep(frame)) got.push(frame);
    }
    mbufs.freeBulk(handles, n);
    return got.length >= count;
  });
  return got;
}
