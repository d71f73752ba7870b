/**
 * The IFCVF model served through vfio-user, driven the way a virtio driver in a guest drives
 * it: everything (config space, the virtio structures in BAR0, the LM block in BAR4, MSI-X
 * eventfds, the rings and buffers in a DMA window of "guest memory") goes over the socket or
 * through the mapped file, as it does behind QEMU's vfio-user-pci.
 */
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeFd, eventfd, eventfdRead } from '@nic/native';
import { until } from '@nic/native/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as L from '../ifcvf/layout.js';
import { IfcvfModel } from '../ifcvf/model.js';
import { pack, TestClient } from './__fixtures__/client.js';
import { Command, CONFIG_REGION, DMA_MAP_READ, DMA_MAP_WRITE, FLAG_TYPE_REPLY, IRQ_ACTION_TRIGGER, IRQ_DATA_EVENTFD, MSIX_IRQ } from './protocol.js';
import { VfioUserServer } from './server.js';

const VERSION_REQUEST = new Uint8Array([0, 0, 0, 0, ...new TextEncoder().encode('{"capabilities":{"max_msg_fds":16}}'), 0]);
const PAGE = 4096;
/** Where the test's "guest memory" file is mapped, and how it is laid out. */
const IOVA = 0x100000;
const RAM_PAGES = 16;
const QSIZE = 8;
const RING = { desc: 0, avail: 0x100, used: 0x200 } as const;
const QUEUE_AT = (qid: number): number => 0x1000 * (1 + qid);
const TX_BUFFER = 0x8000;
const RX_BUFFER = 0x9000;
const LOG = 0xa000;
const RX_QUEUE = 0;
const TX_QUEUE = 1;
const VIRTQ_DESC_F_WRITE = 2;
const PCI_CAP_ID_VNDR = 0x09;
const PCI_CAP_ID_MSIX = 0x11;
const PCI_CAP_ID_EXP = 0x10;
const VIRTIO_PCI_CAP = { common: 1, notify: 2, isr: 3, device: 4 } as const;
/** The nic-vfio-user command, built (`npm test` builds every package first). */
const CLI = fileURLToPath(new URL('../../bin/nic-vfio-user.js', import.meta.url));

let dir: string;
let model: IfcvfModel;
let server: VfioUserServer;
let client: TestClient;
let ram: number;

async function read(region: number, offset: number, count: number): Promise<number> {
  const r = await client.request(Command.REGION_READ, pack([8, offset], [4, region], [4, count]));
  expect(r.flags).toBe(FLAG_TYPE_REPLY);
  return count === 1 ? r.body.getUint8(16) : count === 2 ? r.body.getUint16(16, true) : r.body.getUint32(16, true);
}

function writeBytes(region: number, offset: number, count: 1 | 2 | 4, value: number): Uint8Array {
  const data = new Uint8Array(count);
  for (let i = 0; i < count; i++) data[i] = (value >>> (8 * i)) & 0xff;
  const head = pack([8, offset], [4, region], [4, count]);
  const out = new Uint8Array(head.length + count);
  out.set(head);
  out.set(data, head.length);
  return out;
}

async function write(region: number, offset: number, count: 1 | 2 | 4, value: number): Promise<void> {
  expect((await client.request(Command.REGION_WRITE, writeBytes(region, offset, count, value))).flags).toBe(FLAG_TYPE_REPLY);
}

/** A posted write, as QEMU sends MMIO writes to memory BARs (no reply). */
function post(region: number, offset: number, count: 1 | 2 | 4, value: number): void {
  client.send(Command.REGION_WRITE, writeBytes(region, offset, count, value), { noReply: true });
}

function poke(at: number, ...fields: [4 | 8 | 2, number | bigint][]): void {
  const bytes = pack(...fields);
  writeSync(ram, bytes, 0, bytes.length, at);
}

function peek(at: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  readSync(ram, out, 0, length, at);
  return out;
}

/** The virtio structures the vendor capabilities point at: BAR, offset, length (and the notify multiplier). */
async function virtioStructures(): Promise<Map<number, { bar: number; offset: number; length: number; multiplier: number }>> {
  const found = new Map<number, { bar: number; offset: number; length: number; multiplier: number }>();
  for (let at = await read(CONFIG_REGION, 0x34, 1); at !== 0; at = await read(CONFIG_REGION, at + 1, 1)) {
    if ((await read(CONFIG_REGION, at, 1)) !== PCI_CAP_ID_VNDR) continue;
    const type = await read(CONFIG_REGION, at + 3, 1);
    found.set(type, {
      bar: await read(CONFIG_REGION, at + 4, 1),
      offset: await read(CONFIG_REGION, at + 8, 4),
      length: await read(CONFIG_REGION, at + 12, 4),
      multiplier: type === VIRTIO_PCI_CAP.notify ? await read(CONFIG_REGION, at + 16, 4) : 0,
    });
  }
  return found;
}

beforeEach(async () => {
  dir = join(tmpdir(), `vfio-user-ifcvf-${process.pid}-${Date.now()}`);
  mkdirSync(dir);
  model = new IfcvfModel({ name: 'ifcvf vfio-user test', queues: 1, maxQueueSize: 64 });
  server = new VfioUserServer(join(dir, 'ifcvf.sock'), model);
  client = new TestClient(server.path);
  expect((await client.request(Command.VERSION, VERSION_REQUEST)).flags).toBe(FLAG_TYPE_REPLY);
  ram = openSync(join(dir, 'ram'), 'w+');
  ftruncateSync(ram, RAM_PAGES * PAGE);
});

afterEach(() => {
  client.close();
  server.close();
  closeSync(ram);
  rmSync(dir, { recursive: true, force: true });
});

describe('the IFCVF model served through vfio-user', () => {
  it("shows an IFC VF: virtio ids with Intel's subsystem ids, virtio capabilities inside BAR0, MSI-X in BAR2, the LM block in BAR4", async () => {
    const sizes: number[] = [];
    for (let index = 0; index < 6; index++) {
      const r = await client.request(Command.DEVICE_GET_REGION_INFO, pack([4, 32], [4, 0], [4, index], [4, 0], [8, 0], [8, 0]));
      sizes.push(Number(r.body.getBigUint64(16, true)));
    }
    expect(sizes).toEqual([L.VIRTIO_BAR_SIZE, 0, L.MSIX_BAR_SIZE, 0, L.LM_BAR_SIZE, 0]);
    expect(await read(CONFIG_REGION, 0, 4)).toBe(0x10411af4);
    expect(await read(CONFIG_REGION, 0x2c, 4)).toBe(0x001a8086);
    const structures = await virtioStructures();
    expect([...structures.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (const s of structures.values()) {
      expect(s.bar).toBe(L.VIRTIO_BAR);
      expect(s.offset + s.length).toBeLessThanOrEqual(sizes[s.bar]);
    }
    expect(structures.get(VIRTIO_PCI_CAP.notify)?.multiplier).toBe(L.NOTIFY_MULTIPLIER);
    const caps: number[] = [];
    for (let at = await read(CONFIG_REGION, 0x34, 1); at !== 0; at = await read(CONFIG_REGION, at + 1, 1)) caps.push(await read(CONFIG_REGION, at, 1));
    expect(caps).toEqual(expect.arrayContaining([PCI_CAP_ID_MSIX, PCI_CAP_ID_EXP, PCI_CAP_ID_VNDR]));
    // 1 queue pair and the control queue: 3 queues, 4 vectors (one for config changes).
    const irq = await client.request(Command.DEVICE_GET_IRQ_INFO, pack([4, 16], [4, 0], [4, MSIX_IRQ], [4, 0]));
    expect(irq.body.getUint32(12, true)).toBe(4);
  });

  it('negotiates, runs a tx and an rx queue through DMA windows and MSI-X eventfds, keeps ring state and logs dirty pages in BAR4', async () => {
    const bar = L.VIRTIO_BAR;
    const common = L.COMMON_OFFSET;
    expect((await client.request(Command.DMA_MAP, pack([4, 32], [4, DMA_MAP_READ | DMA_MAP_WRITE], [8, 0], [8, IOVA], [8, RAM_PAGES * PAGE]), [ram])).flags).toBe(FLAG_TYPE_REPLY);
    const vectors = [eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true })];
    await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_EVENTFD | IRQ_ACTION_TRIGGER], [4, MSIX_IRQ], [4, 0], [4, vectors.length]), vectors);

    // Reset, ACKNOWLEDGE | DRIVER, features (byte and halfword fields read at their width), FEATURES_OK.
    await write(bar, common + L.COMMON_STATUS, 1, 0);
    await write(bar, common + L.COMMON_STATUS, 1, L.STATUS_ACKNOWLEDGE | L.STATUS_DRIVER);
    await write(bar, common + L.COMMON_DFSELECT, 4, 1);
    const high = await read(bar, common + L.COMMON_DF, 4);
    expect(high & 1).toBe(1); // VERSION_1
    expect(await read(bar, common + L.COMMON_NUMQ, 2)).toBe(3);
    await write(bar, common + L.COMMON_GFSELECT, 4, 0);
    await write(bar, common + L.COMMON_GF, 4, 1 << L.VIRTIO_NET_F_MAC);
    await write(bar, common + L.COMMON_GFSELECT, 4, 1);
    await write(bar, common + L.COMMON_GF, 4, 1);
    await write(bar, common + L.COMMON_STATUS, 1, L.STATUS_ACKNOWLEDGE | L.STATUS_DRIVER | L.STATUS_FEATURES_OK);
    expect(await read(bar, common + L.COMMON_STATUS, 1)).toBe(L.STATUS_ACKNOWLEDGE | L.STATUS_DRIVER | L.STATUS_FEATURES_OK);

    for (const qid of [RX_QUEUE, TX_QUEUE]) {
      await write(bar, common + L.COMMON_Q_SELECT, 2, qid);
      expect(await read(bar, common + L.COMMON_Q_SELECT, 2)).toBe(qid);
      expect(await read(bar, common + L.COMMON_Q_SIZE, 2)).toBe(64);
      await write(bar, common + L.COMMON_Q_SIZE, 2, QSIZE);
      await write(bar, common + L.COMMON_Q_MSIX, 2, qid + 1);
      expect(await read(bar, common + L.COMMON_Q_MSIX, 2)).toBe(qid + 1);
      const base = IOVA + QUEUE_AT(qid);
      for (const [lo, at] of [[L.COMMON_Q_DESCLO, RING.desc], [L.COMMON_Q_AVAILLO, RING.avail], [L.COMMON_Q_USEDLO, RING.used]] as const) {
        await write(bar, common + lo, 4, base + at);
        await write(bar, common + lo + 4, 4, 0);
      }
      await write(bar, common + L.COMMON_Q_ENABLE, 2, 1);
    }
    // The rx queue resumes from the ring state written into BAR4 before DRIVER_OK.
    await write(L.LM_BAR, L.LM_RING_STATE_OFFSET, 4, 0);
    await write(bar, common + L.COMMON_STATUS, 1, L.STATUS_ACKNOWLEDGE | L.STATUS_DRIVER | L.STATUS_FEATURES_OK | L.STATUS_DRIVER_OK);
    // Hardware dirty logging into the log page, one bit per 4 KiB page from IOVA 0.
    await write(L.LM_BAR, L.LM_BASE_ADDR_LOW, 4, IOVA + LOG);
    await write(L.LM_BAR, L.LM_BASE_ADDR_HIGH, 4, 0);
    await write(L.LM_BAR, L.LM_END_ADDR_LOW, 4, IOVA + LOG + PAGE);
    await write(L.LM_BAR, L.LM_END_ADDR_HIGH, 4, 0);
    await write(L.LM_BAR, L.LM_LOGGING_CTRL, 4, L.LM_ENABLE_VF);
    expect(model.logging).toBe(true);

    // tx: one chain (a zeroed header + frame) made available, then a posted 16-bit doorbell write.
    const frame = new Uint8Array(60).map((_, i) => i);
    const tx = QUEUE_AT(TX_QUEUE);
    writeSync(ram, frame, 0, frame.length, TX_BUFFER + L.NET_HDR_SIZE);
    poke(tx + RING.desc, [8, IOVA + TX_BUFFER], [4, L.NET_HDR_SIZE + frame.length], [2, 0], [2, 0]);
    poke(tx + RING.avail, [2, 0], [2, 1], [2, 0]);
    const notify = (await virtioStructures()).get(VIRTIO_PCI_CAP.notify);
    await write(bar, common + L.COMMON_Q_SELECT, 2, TX_QUEUE);
    const notifyOff = await read(bar, common + L.COMMON_Q_NOFF, 2);
    post(bar, (notify?.offset ?? -1) + notifyOff * (notify?.multiplier ?? 0), 2, TX_QUEUE);
    // The next request's reply proves the posted write was handled first.
    expect(await read(bar, common + L.COMMON_Q_SELECT, 2)).toBe(TX_QUEUE);
    expect(model.transmitted.map((f) => [...f])).toEqual([[...frame]]);
    expect(peek(tx + RING.used + 2, 2).readUInt16LE(0)).toBe(1);
    expect(eventfdRead(vectors[TX_QUEUE + 1])).toBe(1);

    // rx: one writable buffer; a frame from the cable lands in it with the virtio-net header.
    const rx = QUEUE_AT(RX_QUEUE);
    poke(rx + RING.desc, [8, IOVA + RX_BUFFER], [4, 2048], [2, VIRTQ_DESC_F_WRITE], [2, 0]);
    poke(rx + RING.avail, [2, 0], [2, 1], [2, 0]);
    post(bar, (notify?.offset ?? -1) + 0, 2, RX_QUEUE);
    const incoming = new Uint8Array(64).fill(0xab);
    expect(model.receiveFrame(incoming)).toBe('received');
    expect([...peek(RX_BUFFER + L.NET_HDR_SIZE, incoming.length)]).toEqual([...incoming]);
    expect(peek(rx + RING.used + 4 + 4, 4).readUInt32LE(0)).toBe(L.NET_HDR_SIZE + incoming.length);
    expect(eventfdRead(vectors[RX_QUEUE + 1])).toBe(1);
    // ISR: read to clear, a byte wide.
    expect(await read(bar, L.ISR_OFFSET, 1)).toBe(1);
    expect(await read(bar, L.ISR_OFFSET, 1)).toBe(0);

    // Ring state in BAR4: last avail in the low half, last used in the high half.
    expect(await read(L.LM_BAR, L.LM_RING_STATE_OFFSET, 4)).toBe(1 | (1 << 16));
    expect(await read(L.LM_BAR, L.LM_RING_STATE_OFFSET + 4, 4)).toBe(1 | (1 << 16));
    // Every page the device wrote is logged: the rx buffer and both used rings.
    const log = peek(LOG, PAGE);
    const logged = (at: number): boolean => (log[Math.floor((IOVA + at) / PAGE / 8)] & (1 << Math.floor((IOVA + at) / PAGE) % 8)) !== 0;
    expect([logged(RX_BUFFER), logged(rx + RING.used), logged(tx + RING.used), logged(TX_BUFFER)]).toEqual([true, true, true, false]);

    // A queue disabled keeps its state for the next start; DEVICE_RESET clears the status.
    await write(bar, common + L.COMMON_Q_SELECT, 2, RX_QUEUE);
    await write(bar, common + L.COMMON_Q_ENABLE, 2, 0);
    expect(await read(L.LM_BAR, L.LM_RING_STATE_OFFSET, 4)).toBe(1 | (1 << 16));
    // The LM block is 32-bit registers, read and written in part as on the card: DPDK's driver
    // loads only the used half of a ring state (16 bits at offset + 2), and a 16-bit write
    // changes only its half.
    expect([await read(L.LM_BAR, L.LM_RING_STATE_OFFSET + 2, 2), await read(L.LM_BAR, L.LM_RING_STATE_OFFSET + 3, 1)]).toEqual([1, 0]);
    await write(L.LM_BAR, L.LM_RING_STATE_OFFSET, 2, 7);
    expect(await read(L.LM_BAR, L.LM_RING_STATE_OFFSET, 4)).toBe(7 | (1 << 16));
    await client.request(Command.DEVICE_RESET);
    expect(await read(bar, common + L.COMMON_STATUS, 1)).toBe(0);
    for (const fd of vectors) closeFd(fd);
  });
});

it('nic-vfio-user --model ifcvf serves the IFC VF with the MAC asked for, and stops on SIGINT', async () => {
  const path = join(dir, 'cli.sock');
  const child = spawn(process.execPath, [CLI, '--model', 'ifcvf', '--socket', path, '--mac', '02:1f:c0:00:00:07'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await until('nic-vfio-user to listen', () => out.includes(`listening ${path}`), 30_000);
  client.close();
  client = new TestClient(path);
  await client.request(Command.VERSION, VERSION_REQUEST);
  expect(await read(CONFIG_REGION, 0, 4)).toBe(0x10411af4);
  expect(await read(CONFIG_REGION, 0x2c, 4)).toBe(0x001a8086);
  const mac: number[] = [];
  for (let i = 0; i < 6; i++) mac.push(await read(L.VIRTIO_BAR, L.DEVICE_OFFSET + L.NET_CFG_MAC + i, 1));
  expect(mac).toEqual([0x02, 0x1f, 0xc0, 0, 0, 7]);
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(out).toContain('client connected');
}, 60_000);
