/**
 * A blk IFC VF's data path through the driver: requests the frontend posts (header, data,
 * status) are served by the modelled function by DMA at the frontend's GPAs after kicks
 * relayed to its doorbell; reads return what writes stored, a request past the disk's end is
 * IOERR, an unknown type UNSUPP, and the counters count every request.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findVdpaDevice, vdpaStats } from '@nic/vdpa';
import { BLK_SECTOR_SIZE, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT } from '@nic/test-kit/models';
import { IfcvfBench } from './__fixtures__/bench.js';
import { blkHeader as header, FakeFrontend } from './__fixtures__/frontend.js';
import { netIfcvfDriver, type IfcvfVdpa } from './driver.js';

const BDF = '0000:06:01.0';
const CAPACITY = 64n;
const VERSION_1 = 1n << 32n;
let bench: IfcvfBench;
let fake: FakeFrontend;

beforeEach(() => {
  bench = new IfcvfBench();
  fake = new FakeFrontend(1);
  fake.features = VERSION_1;
});

afterEach(async () => {
  try {
    (findVdpaDevice(BDF)?.ops as IfcvfVdpa | undefined)?.shutdown();
  } finally {
    await bench.close();
    fake.close();
  }
});

describe('net_ifcvf on a blk function: the data path', () => {
  it('writes, reads back, GET_ID, IOERR past the end, UNSUPP for other types, by DMA after relayed kicks', async () => {
    const model = bench.add(BDF, { type: 'blk', queues: 1, capacity: CAPACITY });
    await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    const dev = findVdpaDevice(BDF);
    if (!dev) throw new Error('not registered');
    dev.ops.devConf(fake);
    const data = Uint8Array.from({ length: 2 * BLK_SECTOR_SIZE }, (_, i) => (i * 7) & 0xff);
    const request = (parts: (Uint8Array | number)[], writable: boolean[]) => fake.request(0, parts, writable);
    const write = await request([header(VIRTIO_BLK_T_OUT, 3n), data, 1], [false, false, true]);
    expect([write.status, write.len]).toEqual([VIRTIO_BLK_S_OK, 1]);
    expect(model.disk?.read(3n, data.length)).toEqual(data);
    const read = await request([header(VIRTIO_BLK_T_IN, 3n), data.length, 1], [false, true, true]);
    expect([read.status, read.len]).toEqual([VIRTIO_BLK_S_OK, data.length + 1]);
    expect(fake.u8.subarray(read.at[1], read.at[1] + data.length)).toEqual(data);
    const id = await request([header(VIRTIO_BLK_T_GET_ID, 0n), 20, 1], [false, true, true]);
    expect(id.status).toBe(VIRTIO_BLK_S_OK);
    expect(fake.u8.subarray(id.at[1], id.at[1] + 20)).toEqual(model.disk?.id);
    expect(new TextDecoder().decode(model.disk?.id)).toMatch(/^ifcvf model/);
    expect((await request([header(VIRTIO_BLK_T_IN, CAPACITY - 1n), data.length, 1], [false, true, true])).status).toBe(VIRTIO_BLK_S_IOERR);
    expect((await request([header(VIRTIO_BLK_T_OUT, 0n), data.subarray(0, 100), 1], [false, false, true])).status).toBe(VIRTIO_BLK_S_IOERR);
    expect((await request([header(4, 0n), 1], [false, true])).status).toBe(VIRTIO_BLK_S_UNSUPP);
    expect(model.disk?.counts).toEqual({ ok: 3, ioerr: 2, unsupp: 1 });
    // Six requests taken and completed; every doorbell write the device saw was a kick the relay passed on.
    const [received, completed, relayed] = vdpaStats(dev, 0).map((s) => s.value);
    expect([received, completed]).toEqual([6n, 6n]);
    expect(relayed).toBeGreaterThan(0n);
    expect(Number(relayed)).toBe(model.kicks[0]);
    expect(model.dma.faults).toBe(0);
    dev.ops.devClose(fake);
    expect(fake.bases[0]).toEqual({ lastAvail: 6, lastUsed: 6 });
  });
});
