/** EAL instances and packets for the ethdev tests. */
import { init, MBUF_DATA_LEN, MBUF_PKT_LEN, MbufView, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import { fakeDriver } from './fake-pmd.js';

let instances = 0;

/** A fresh EAL instance with `--vdev` for each of `vdevs` (fake ports by default). */
export async function testEal(vdevs: readonly string[] = ['net_fake0']): Promise<Eal> {
  const argv = ['--no-pci', '--no-huge', '-m', '64', '-l', '0', '--file-prefix', `ethdev-${process.pid}-${instances++}`];
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
