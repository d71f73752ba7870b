/**
 * What an ethdev test needs around the port under test: an isolated EAL instance, a mbuf
 * pool, packets of a given length, and a way to catch error codes.
 */
import { init, MBUF_DATA_LEN, MBUF_PKT_LEN, MbufView, pktmbufPoolCreate, type DriverDescriptor, type Eal, type Mempool } from '@nic/eal';

/** EAL arguments every harness instance gets before the caller's: no PCI, no hugepages, 64 MiB. */
export const BASE_EAL_ARGS: readonly string[] = ['--no-pci', '--no-huge', '-m', '64'];
/** The lcore list of an instance whose arguments name none. */
export const DEFAULT_LCORE_ARGS: readonly string[] = ['-l', '0'];
/** Options that choose lcores; with one of them in the arguments, {@link DEFAULT_LCORE_ARGS} is left out. */
const LCORE_OPTIONS: readonly string[] = ['-l', '-c', '--lcores'];

let instances = 0;

/**
 * Starts an EAL instance with its own file prefix (`<tag>-<pid>-<n>`), {@link BASE_EAL_ARGS},
 * lcore 0 unless `args` choose lcores, and `args`; with `drivers` besides the registered ones.
 */
export async function harnessEal(tag: string, args: readonly string[], drivers: readonly DriverDescriptor[] = []): Promise<Eal> {
  const lcores = args.some((a) => LCORE_OPTIONS.includes(a)) ? [] : DEFAULT_LCORE_ARGS;
  const argv = [...BASE_EAL_ARGS, ...lcores, '--file-prefix', `${tag}-${process.pid}-${instances++}`, ...args];
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
