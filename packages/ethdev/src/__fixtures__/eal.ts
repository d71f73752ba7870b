/** EAL instances, fake ports, packets and error codes for the ethdev tests. */
import { afterEach, beforeEach } from 'vitest';
import { init, lcoresOnCpus, MBUF_DATA_LEN, MBUF_PKT_LEN, MbufView, pktmbufPoolCreate, processCpus, type Eal, type Mempool } from '@nic/eal';
import { portIdByName } from '../index.js';
import { closeFakeIntrs, fakeDriver } from './fake-pmd.js';

let instances = 0;

/** A fresh EAL instance with `--vdev` for each of `vdevs` (fake ports by default). */
export async function testEal(vdevs: readonly string[] = ['net_fake0']): Promise<Eal> {
  const argv = ['--no-pci', '--no-huge', '-m', '64', '-l', lcoresOnCpus(1, processCpus()), '--file-prefix', `ethdev-${process.pid}-${instances++}`];
  for (const v of vdevs) argv.push('--vdev', v);
  const { eal } = await init(argv, { drivers: [fakeDriver] });
  return eal;
}

/** A pktmbuf pool of `n` mbufs without cache. */
export function testPool(eal: Eal, n = 255, name = 'test_pool'): Mempool {
  return pktmbufPoolCreate(eal.arena, name, n);
}

/** Allocates `count` packets of `length` bytes into a new array. */
export function packets(eal: Eal, pool: Mempool, count: number, length: number): Uint32Array {
  const handles = new Uint32Array(count);
  const mbufs = new MbufView(eal.arena);
  if (mbufs.allocBulk(pool, handles, count) !== 0) throw new Error(`pool ${pool.name} has fewer than ${count} mbufs`);
  for (const h of handles) {
    eal.arena.u16[(h + MBUF_DATA_LEN) >>> 1] = length;
    eal.arena.u32[(h + MBUF_PKT_LEN) >>> 2] = length;
  }
  return handles;
}

/** What a test of one fake port runs on. */
export interface FakePort {
  readonly eal: Eal;
  readonly pool: Mempool;
  /** The id of port `net_fake0`. */
  readonly port: number;
}

/**
 * Gives every test of the file (or of the enclosing `describe`) a fresh {@link testEal}
 * with port `net_fake0` and a {@link testPool} of `poolSize` mbufs: hands them to `use`
 * before each test, then cleans the instance up and closes the fake interrupts after it.
 */
export function eachFakePort(use: (fake: FakePort) => void, poolSize?: number): void {
  let eal: Eal;
  beforeEach(async () => {
    eal = await testEal();
    const pool = testPool(eal, poolSize);
    use({ eal, pool, port: portIdByName('net_fake0') });
  });
  afterEach(async () => {
    await eal.cleanup();
    closeFakeIntrs();
  });
}

/** The `code` of what `fn` throws (undefined when it has none), or undefined when it returns. */
export function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}
