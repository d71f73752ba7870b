/**
 * A blk frontend in one process with net_ifcvf, run in a QEMU guest by `guest-blk.test.ts`
 * (bundled there with esbuild; the `@nic` packages come from their builds): the opt-in
 * driver probes QEMU's virtio-blk-pci named by the EAL arguments, and a {@link FakeFrontend}
 * (its memory at GPA 0x4000_0000, one vring, kick and call eventfds) calls the device's ops
 * as the vhost library would and posts requests that QEMU's device serves by DMA through the
 * guest's vIOMMU. Commands at the `blk> ` prompt, each answered by one JSON line:
 *
 * - `info`: type, queues, features offered, the device config (hex)
 * - `start` / `close`: dev_conf / dev_close (then the ring bases)
 * - `read <sector> <bytes>`: status, used length, the data (hex)
 * - `write <sector> <bytes> <seed>`: byte i is `(seed + i) & 0xff`; status, used length
 * - `id`: GET_ID's status and the serial
 * - `request <type>`: the status of a request of that type with no data
 * - `stats`: vring 0's counters
 */
import '@nic/pci';
import '@nic/intr';
import { createInterface } from 'node:readline';
import { init } from '@nic/eal';
import { findVdpaDevice, vdpaDeviceType, vdpaFeatures, vdpaQueueNum, vdpaStats, vdpaStatsNames, type VdpaDevice } from '@nic/vdpa';
import { netIfcvfVirtioDriver } from '@nic/vdpa-ifcvf/driver';
import { VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT } from '@nic/test-kit/models';
import { blkHeader, FakeFrontend } from './frontend.js';

export const BLK_PROMPT = 'blk> ';
const VERSION_1 = 1n << 32n;
/** GET_ID's answer: the serial, NUL-padded to 20 bytes. */
const ID_BYTES = 20;
const CONFIG_BYTES = 64;
const REQUEST_MS = 60_000;

const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

async function answer(dev: VdpaDevice, fake: FakeFrontend, words: string[]): Promise<unknown> {
  const [command, ...args] = words;
  const n = args.map(Number);
  const request = (parts: (Uint8Array | number)[], writable: boolean[]) => fake.request(0, parts, writable, REQUEST_MS);
  switch (command) {
    case 'info':
      return { type: vdpaDeviceType(dev), queues: vdpaQueueNum(dev), features: `0x${vdpaFeatures(dev).toString(16)}`, config: hex(dev.ops.getConfig?.(fake, CONFIG_BYTES) ?? new Uint8Array()) };
    case 'start':
      dev.ops.devConf(fake);
      return { started: true };
    case 'close':
      dev.ops.devClose(fake);
      return { bases: fake.bases };
    case 'read': {
      const r = await request([blkHeader(VIRTIO_BLK_T_IN, BigInt(n[0])), n[1], 1], [false, true, true]);
      return { status: r.status, len: r.len, data: hex(fake.u8.subarray(r.at[1], r.at[1] + n[1])) };
    }
    case 'write': {
      const data = Uint8Array.from({ length: n[1] }, (_, i) => (n[2] + i) & 0xff);
      const r = await request([blkHeader(VIRTIO_BLK_T_OUT, BigInt(n[0])), data, 1], [false, false, true]);
      return { status: r.status, len: r.len };
    }
    case 'id': {
      const r = await request([blkHeader(VIRTIO_BLK_T_GET_ID, 0n), ID_BYTES, 1], [false, true, true]);
      return { status: r.status, id: Buffer.from(fake.u8.subarray(r.at[1], r.at[1] + ID_BYTES)).toString('latin1').replace(/\0+$/, '') };
    }
    case 'request':
      return { status: (await request([blkHeader(n[0], 0n), 1], [false, true])).status };
    case 'stats': {
      const names = vdpaStatsNames(dev);
      return Object.fromEntries(vdpaStats(dev, 0).map((s) => [names[s.id], Number(s.value)]));
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

const { eal } = await init(process.argv.slice(2), { drivers: [netIfcvfVirtioDriver] });
const name = eal.probeResults()[0]?.device ?? '';
const dev = findVdpaDevice(name);
if (!dev) throw new Error(`no vDPA device: ${JSON.stringify(eal.probeResults())}`);
const fake = new FakeFrontend(1);
fake.features = VERSION_1;
const input = createInterface({ input: process.stdin, terminal: false });
process.stdout.write(BLK_PROMPT);
for await (const line of input) {
  try {
    process.stdout.write(`${JSON.stringify(await answer(dev, fake, line.trim().split(/\s+/)))}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: (e as Error).message })}\n`);
  }
  process.stdout.write(BLK_PROMPT);
}
