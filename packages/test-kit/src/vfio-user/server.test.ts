import { closeSync, ftruncateSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeFd, eventfd, eventfdRead, unixConnect } from '@nic/native';
import { until } from '@nic/native/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IgbModel } from '../igb/model.js';
import { ICR, ICR_LSC, IMS, RAL, STATUS } from '../igb/regs.js';
import { IxgbeModel } from '../ixgbe/model.js';
import { EICR, EICR_LSC, EIMS } from '../ixgbe/regs.js';
import { message, pack, TestClient } from './__fixtures__/client.js';
import {
  Command,
  CONFIG_REGION,
  DMA_MAP_READ,
  DMA_MAP_WRITE,
  DMA_UNMAP_ALL,
  Errno,
  FLAG_ERROR,
  FLAG_TYPE_REPLY,
  INTX_IRQ,
  IRQ_ACTION_MASK,
  IRQ_ACTION_TRIGGER,
  IRQ_ACTION_UNMASK,
  IRQ_DATA_EVENTFD,
  IRQ_DATA_NONE,
  MAX_MSG_FDS,
  MSI_IRQ,
  MSIX_IRQ,
  ROM_REGION,
} from './protocol.js';
import { VfioUserServer } from './server.js';

const PAGE = 4096;
/** One-page DMA_MAPs of the vIOMMU test: more than vm.max_map_count (65 530) mappings would allow. */
const VIOMMU_PAGES = 66_000;
/** How long a reply may take while thousands of maps are in flight on a loaded machine. */
const SLOW_REPLY_MS = 60_000;
/** Requests sent before their replies are read. */
const PIPELINE = 256;
const VERSION_REQUEST = new Uint8Array([0, 0, 0, 0, ...new TextEncoder().encode('{"capabilities":{"max_msg_fds":16}}'), 0]);
/** Offsets in the config space. */
const PCI_VENDOR_ID = 0x00;
const PCI_COMMAND = 0x04;
const PCI_STATUS = 0x06;
/** Status.Interrupt: the INTx line is asserted. */
const PCI_STATUS_INTERRUPT = 0x08;
const PCI_INTERRUPT_PIN = 0x3d;

let dir: string;
let server: VfioUserServer;
let model: IgbModel;
let client: TestClient;

function regionRead(offset: number, region: number, count: number): Uint8Array {
  return pack([8, offset], [4, region], [4, count]);
}

function regionWrite(offset: number, region: number, data: Uint8Array): Uint8Array {
  const head = pack([8, offset], [4, region], [4, data.length]);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

function le32(value: number): Uint8Array {
  return pack([4, value]);
}

/** The offset of capability `id` in `config`. */
function capability(config: Uint8Array, id: number): number {
  for (let at = config[0x34]; at !== 0; at = config[at + 1]) if (config[at] === id) return at;
  throw new Error(`no capability ${id}`);
}

/** The memory mappings of `file` in this process. */
function mappingsOf(file: string): number {
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.endsWith(` ${file}`)).length;
}

async function connect(): Promise<TestClient> {
  const c = new TestClient(server.path);
  const reply = await c.request(Command.VERSION, VERSION_REQUEST);
  expect(reply.flags).toBe(FLAG_TYPE_REPLY);
  return c;
}

beforeEach(async () => {
  dir = join(tmpdir(), `vfio-user-test-${process.pid}-${Date.now()}`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  model = new IgbModel({ name: 'igb vfio-user test', mac: '02:76:00:00:00:42' });
  server = new VfioUserServer(join(dir, 'igb.sock'), model);
  client = await connect();
});

afterEach(() => {
  client.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A model whose link change raises an interrupt cause: enabled by writing `bit` to `enable`, read to clear at `cause`. */
interface LinkCause {
  readonly model: IgbModel | IxgbeModel;
  readonly enable: number;
  readonly cause: number;
  readonly bit: number;
}

/**
 * INTx (automasked, unmasked by SET_IRQS, shown in Status.Interrupt) and MSI as a guest driver
 * uses them instead of MSI-X, on `lsc.model` served to `client`, with its link changes as the cause.
 */
async function checkIntxAndMsi(client: TestClient, lsc: LinkCause): Promise<void> {
  const irqInfo = async (index: number): Promise<[number, number]> => {
    const r = await client.request(Command.DEVICE_GET_IRQ_INFO, pack([4, 16], [4, 0], [4, index], [4, 0]));
    return [r.body.getUint32(4, true), r.body.getUint32(12, true)];
  };
  expect(await irqInfo(INTX_IRQ)).toEqual([1 | 2 | 4, 1]);
  expect(await irqInfo(MSI_IRQ)).toEqual([1, 1]);
  const configByte = async (offset: number): Promise<number> => (await client.request(Command.REGION_READ, regionRead(offset, CONFIG_REGION, 1))).body.getUint8(16);
  const intxStatus = async (): Promise<number> => (await configByte(PCI_STATUS)) & PCI_STATUS_INTERRUPT;
  // INTA, as on the card (the guest kernel gives the function a line only then).
  expect(await configByte(PCI_INTERRUPT_PIN)).toBe(1);
  const [intx, msi] = [eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true })];
  const link = (up: boolean): void => {
    lsc.model.setLink(up);
    lsc.model.read32(lsc.cause);
  };
  const unmaskIntx = async (): Promise<void> => {
    const unmask = await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_NONE | IRQ_ACTION_UNMASK], [4, INTX_IRQ], [4, 0], [4, 1]));
    expect(unmask.flags).toBe(FLAG_TYPE_REPLY);
  };
  lsc.model.write32(lsc.enable, lsc.bit);
  await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_EVENTFD | IRQ_ACTION_TRIGGER], [4, INTX_IRQ], [4, 0], [4, 1]), [intx]);
  expect(await intxStatus()).toBe(0);
  link(false);
  // Status.Interrupt follows the line: set by the signal (a guest's INTx handler reads it to
  // tell whether its device interrupted), set still while a change waits behind the mask.
  expect(await intxStatus()).toBe(PCI_STATUS_INTERRUPT);
  link(true);
  expect(eventfdRead(intx)).toBe(1);
  expect(await intxStatus()).toBe(PCI_STATUS_INTERRUPT);
  await unmaskIntx();
  // The change that came while INTx was masked is sent on the unmask: the line stays asserted.
  expect(eventfdRead(intx)).toBe(1);
  expect(await intxStatus()).toBe(PCI_STATUS_INTERRUPT);
  // The unmask that finds nothing waiting ends the interrupt: the line and the bit go down.
  await unmaskIntx();
  expect(eventfdRead(intx)).toBe(0);
  expect(await intxStatus()).toBe(0);
  // And a config write of Status (its bits are read-only or write-one-to-clear) leaves it alone.
  link(false);
  await client.request(Command.REGION_WRITE, regionWrite(PCI_STATUS, CONFIG_REGION, pack([2, 0xffff])));
  expect(await intxStatus()).toBe(PCI_STATUS_INTERRUPT);
  expect(eventfdRead(intx)).toBe(1);
  await unmaskIntx();
  expect(await intxStatus()).toBe(0);
  link(true);
  expect(eventfdRead(intx)).toBe(1);
  await unmaskIntx();
  // QEMU disables INTx before it enables MSI; the next change goes to the MSI eventfd.
  await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_NONE | IRQ_ACTION_TRIGGER], [4, INTX_IRQ], [4, 0], [4, 0]));
  await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_EVENTFD | IRQ_ACTION_TRIGGER], [4, MSI_IRQ], [4, 0], [4, 1]), [msi]);
  link(false);
  expect([eventfdRead(msi), eventfdRead(intx)]).toEqual([1, 0]);
  // Only INTx masks.
  const mask = await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_NONE | IRQ_ACTION_MASK], [4, MSIX_IRQ], [4, 0], [4, 1]));
  expect(mask.error).toBe(Errno.EINVAL);
  for (const fd of [intx, msi]) closeFd(fd);
}

describe('a vfio-user server of the 82576 model over a real unix socket', () => {
  it('answers VERSION with version 0.0 and NUL-terminated capabilities QEMU accepts', async () => {
    const c2 = new TestClient(server.path);
    // A second client is turned away while the first is connected.
    await c2.waitClosed();
    c2.close();
    const fresh = new IgbModel();
    const other = new VfioUserServer(join(dir, 'other.sock'), fresh);
    const c = new TestClient(other.path);
    const reply = await c.request(Command.VERSION, VERSION_REQUEST);
    expect(reply.body.getUint16(0, true)).toBe(0);
    expect(reply.body.getUint16(2, true)).toBe(0);
    const text = new Uint8Array(reply.bytes.buffer, 16 + 4);
    expect(text[text.length - 1]).toBe(0);
    const caps = JSON.parse(new TextDecoder().decode(text.subarray(0, text.length - 1))) as { capabilities: { max_msg_fds: number; max_data_xfer_size: number } };
    expect(caps.capabilities.max_msg_fds).toBe(MAX_MSG_FDS);
    expect(caps.capabilities.max_data_xfer_size).toBeLessThanOrEqual(64 << 20);
    // The reply is no longer than the request (QEMU's receive buffer for it).
    expect(reply.bytes.length).toBeLessThanOrEqual(16 + VERSION_REQUEST.length + 64);
    c.close();
    other.close();
  });

  it('refuses any command before VERSION with EINVAL', async () => {
    const other = new VfioUserServer(join(dir, 'early.sock'), new IgbModel());
    const c = new TestClient(other.path);
    const reply = await c.request(Command.DEVICE_GET_INFO, pack([4, 16], [4, 0], [4, 0], [4, 0]));
    expect(reply.flags).toBe(FLAG_TYPE_REPLY | FLAG_ERROR);
    expect(reply.error).toBe(Errno.EINVAL);
    c.close();
    other.close();
  });

  it('describes the function: PCI with reset, 9 regions, 5 interrupt indexes, the BARs and config space', async () => {
    const info = await client.request(Command.DEVICE_GET_INFO, pack([4, 16], [4, 0], [4, 0], [4, 0]));
    expect([info.body.getUint32(4, true), info.body.getUint32(8, true), info.body.getUint32(12, true)]).toEqual([3, 9, 5]);
    const sizes: number[] = [];
    for (let index = 0; index < 9; index++) {
      const r = await client.request(Command.DEVICE_GET_REGION_INFO, pack([4, 32], [4, 0], [4, index], [4, 0], [8, 0], [8, 0]));
      expect(r.body.getUint32(8, true)).toBe(index);
      sizes.push(Number(r.body.getBigUint64(16, true)));
    }
    expect(sizes).toEqual([128 * 1024, 0, 0, 16 * 1024, 0, 0, 0, 4096, 0]);
    const msix = await client.request(Command.DEVICE_GET_IRQ_INFO, pack([4, 16], [4, 0], [4, MSIX_IRQ], [4, 0]));
    expect(msix.body.getUint32(12, true)).toBe(model.pci.msixVectors);
    const bad = await client.request(Command.DEVICE_GET_REGION_INFO, pack([4, 32], [4, 0], [4, 9], [4, 0], [8, 0], [8, 0]));
    expect(bad.error).toBe(Errno.EINVAL);
  });

  it('reads config space and registers from the model, and honours posted (NO_REPLY) register writes', async () => {
    const config = await client.request(Command.REGION_READ, regionRead(0, CONFIG_REGION, 4096));
    const bytes = new Uint8Array(config.bytes.buffer, 16 + 16);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(PCI_VENDOR_ID, true)).toBe(0x10c98086);
    const status = await client.request(Command.REGION_READ, regionRead(STATUS, 0, 4));
    expect(status.body.getUint32(16, true)).toBe(model.read32(STATUS));
    // A posted write gets no reply: the next reply is the read's, with the written value.
    client.send(Command.REGION_WRITE, regionWrite(RAL(1), 0, le32(0x12345678)), { noReply: true });
    const back = await client.request(Command.REGION_READ, regionRead(RAL(1), 0, 4));
    expect(back.body.getUint32(16, true)).toBe(0x12345678);
    expect(model.read32(RAL(1))).toBe(0x12345678);
    // A 2-byte read inside a register.
    const half = await client.request(Command.REGION_READ, regionRead(RAL(1) + 2, 0, 2));
    expect(half.body.getUint16(16, true)).toBe(0x1234);
    // Out of range: EINVAL, and the connection goes on.
    const past = await client.request(Command.REGION_READ, regionRead(128 * 1024 - 2, 0, 4));
    expect(past.error).toBe(Errno.EINVAL);
    const rom = await client.request(Command.REGION_READ, regionRead(0, ROM_REGION, 4));
    expect(rom.error).toBe(Errno.EINVAL);
  });

  it('keeps config writes only in writable registers, and resets the model on a function-level reset', async () => {
    await client.request(Command.REGION_WRITE, regionWrite(PCI_COMMAND, CONFIG_REGION, pack([2, 0x0006])));
    await client.request(Command.REGION_WRITE, regionWrite(PCI_VENDOR_ID, CONFIG_REGION, le32(0xdeadbeef)));
    const header = await client.request(Command.REGION_READ, regionRead(0, CONFIG_REGION, 8));
    expect(header.body.getUint32(16, true)).toBe(0x10c98086);
    expect(header.body.getUint16(16 + PCI_COMMAND, true)).toBe(0x0006);
    expect(header.body.getUint16(16 + PCI_STATUS, true)).toBe(new DataView(model.pci.config().buffer).getUint16(PCI_STATUS, true));
    model.write32(RAL(2), 0xcafe);
    const exp = capability(model.pci.config(), 0x10);
    await client.request(Command.REGION_WRITE, regionWrite(exp + 8, CONFIG_REGION, pack([2, 0x8000])));
    expect(model.read32(RAL(2))).toBe(0);
    const after = await client.request(Command.REGION_READ, regionRead(0, CONFIG_REGION, 4096));
    const cfg = new Uint8Array(after.bytes.buffer, 32);
    expect(new DataView(cfg.buffer, cfg.byteOffset).getUint16(PCI_COMMAND, true)).toBe(0);
    expect(new DataView(cfg.buffer, cfg.byteOffset).getUint16(exp + 8, true) & 0x8000).toBe(0);
    // DEVICE_RESET resets the model too.
    model.write32(RAL(2), 0xbeef);
    await client.request(Command.DEVICE_RESET);
    expect(model.read32(RAL(2))).toBe(0);
  });

  it('maps guest memory from a DMA_MAP fd into the model, and takes it away on DMA_UNMAP', async () => {
    const file = join(dir, 'ram');
    const fd = openSync(file, 'w+');
    ftruncateSync(fd, 4 * PAGE);
    const iova = 0x100000;
    // The window is the file's second and third pages.
    const map = await client.request(Command.DMA_MAP, pack([4, 32], [4, DMA_MAP_READ | DMA_MAP_WRITE], [8, PAGE], [8, iova], [8, 2 * PAGE]), [fd]);
    expect(map.flags).toBe(FLAG_TYPE_REPLY);
    expect(model.dma.write(iova + 8, new Uint8Array([1, 2, 3]), 'test')).toBe(true);
    const seen = Buffer.alloc(3);
    readSync(fd, seen, 0, 3, PAGE + 8);
    expect([...seen]).toEqual([1, 2, 3]);
    writeSync(fd, new Uint8Array([9, 8]), 0, 2, PAGE + PAGE);
    const got = new Uint8Array(2);
    expect(model.dma.read(iova + PAGE, got, 0, 2, 'test')).toBe(true);
    expect([...got]).toEqual([9, 8]);
    // An overlapping window is EEXIST; an fd-less one (a ROM) is accepted but unreachable.
    const overlap = await client.request(Command.DMA_MAP, pack([4, 32], [4, 3], [8, 0], [8, iova + PAGE], [8, PAGE]), [fd]);
    expect(overlap.error).toBe(Errno.EEXIST);
    await client.request(Command.DMA_MAP, pack([4, 32], [4, DMA_MAP_READ], [8, 0], [8, 0xfffc0000], [8, 0x40000]));
    expect(server.device?.dmaMaps).toEqual([{ iova, size: 2 * PAGE, reachable: true }, { iova: 0xfffc0000, size: 0x40000, reachable: false }]);
    // A range that holds the whole window removes it; UNMAP_ALL the rest.
    const unmap = await client.request(Command.DMA_UNMAP, pack([4, 24], [4, 0], [8, 0], [8, 0x1000000]));
    expect(unmap.flags).toBe(FLAG_TYPE_REPLY);
    expect(model.dma.write(iova, new Uint8Array(1), 'test')).toBe(false);
    await client.request(Command.DMA_UNMAP, pack([4, 24], [4, DMA_UNMAP_ALL], [8, 0], [8, 0]));
    expect(server.device?.dmaMaps).toEqual([]);
    closeSync(fd);
  });

  it(`serves ${VIOMMU_PAGES} one-page DMA_MAPs (a vIOMMU's, each with the RAM fd) from one mapping of the file, past vm.max_map_count`, async () => {
    const file = join(dir, 'guest-ram');
    const fd = openSync(file, 'w+');
    ftruncateSync(fd, VIOMMU_PAGES * PAGE);
    // The guest's IOVA allocator hands pages out downwards, and not in file order.
    const iovaOf = (i: number): number => 0x80000000 + (VIOMMU_PAGES - 1 - i) * PAGE;
    const fileOf = (i: number): number => ((i * 7919) % VIOMMU_PAGES) * PAGE;
    for (let first = 0; first < VIOMMU_PAGES; first += PIPELINE) {
      const last = Math.min(VIOMMU_PAGES, first + PIPELINE);
      for (let i = first; i < last; i++) client.send(Command.DMA_MAP, pack([4, 32], [4, DMA_MAP_READ | DMA_MAP_WRITE], [8, fileOf(i)], [8, iovaOf(i)], [8, PAGE]), { fds: [fd] });
      for (let i = first; i < last; i++) expect((await client.reply(SLOW_REPLY_MS)).flags).toBe(FLAG_TYPE_REPLY);
    }
    expect(model.dma.windowCount).toBe(VIOMMU_PAGES);
    expect(server.device?.mappedFiles).toBe(1);
    expect(mappingsOf(file)).toBe(1);
    // Each page reaches its own page of the file; a write across two IOVA pages lands in both file pages.
    for (const i of [0, 1, 4242, VIOMMU_PAGES - 1]) {
      expect(model.dma.write(iovaOf(i) + 100, pack([4, 0xc0de0000 + i]), 'test')).toBe(true);
      const seen = Buffer.alloc(4);
      readSync(fd, seen, 0, 4, fileOf(i) + 100);
      expect(seen.readUInt32LE(0)).toBe(0xc0de0000 + i);
    }
    expect(model.dma.write(iovaOf(10) - 2, new Uint8Array([1, 2, 3, 4]), 'test')).toBe(true);
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, fileOf(11) + PAGE - 2);
    expect([...head]).toEqual([1, 2]);
    // One unmap covering 2000 pages, one cutting a page's second half off, then UNMAP_ALL.
    expect((await client.request(Command.DMA_UNMAP, pack([4, 24], [4, 0], [8, iovaOf(2999)], [8, 2000 * PAGE]), [], SLOW_REPLY_MS)).flags).toBe(FLAG_TYPE_REPLY);
    expect(model.dma.windowCount).toBe(VIOMMU_PAGES - 2000);
    expect(model.dma.write(iovaOf(1000), new Uint8Array(1), 'test')).toBe(false);
    expect(model.dma.write(iovaOf(3000), new Uint8Array(1), 'test')).toBe(true);
    await client.request(Command.DMA_UNMAP, pack([4, 24], [4, 0], [8, iovaOf(5) + PAGE / 2], [8, PAGE / 2]), [], SLOW_REPLY_MS);
    expect(model.dma.write(iovaOf(5) + PAGE / 2 - 1, new Uint8Array(1), 'test')).toBe(true);
    expect(model.dma.write(iovaOf(5) + PAGE / 2, new Uint8Array(1), 'test')).toBe(false);
    await client.request(Command.DMA_UNMAP, pack([4, 24], [4, DMA_UNMAP_ALL], [8, 0], [8, 0]), [], SLOW_REPLY_MS);
    expect(model.dma.windowCount).toBe(0);
    client.close();
    await until('the server to release the client', () => !server.connected);
    expect(mappingsOf(file)).toBe(0);
    closeSync(fd);
    client = await connect();
  }, 300_000);

  it('binds MSI-X eventfds the client passes and signals them; refuses vectors the device lacks', async () => {
    const fds = [eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true })];
    const bind = await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_EVENTFD | IRQ_ACTION_TRIGGER], [4, MSIX_IRQ], [4, 3], [4, 2]), fds);
    expect(bind.flags).toBe(FLAG_TYPE_REPLY);
    const trigger = await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_NONE | IRQ_ACTION_TRIGGER], [4, MSIX_IRQ], [4, 4], [4, 1]));
    expect(trigger.flags).toBe(FLAG_TYPE_REPLY);
    expect(eventfdRead(fds[1])).toBe(1);
    expect(eventfdRead(fds[0])).toBe(0);
    // Too many vectors: EINVAL, and the fds it carried are closed by the server (not kept).
    const extra = eventfd();
    const refused = await client.request(Command.DEVICE_SET_IRQS, pack([4, 20], [4, IRQ_DATA_EVENTFD | IRQ_ACTION_TRIGGER], [4, MSIX_IRQ], [4, model.pci.msixVectors], [4, 1]), [extra]);
    expect(refused.error).toBe(Errno.EINVAL);
    closeFd(extra);
    for (const fd of fds) closeFd(fd);
  });

  it('serves INTx (automasked, unmasked by SET_IRQS, shown in Status.Interrupt) and MSI when the guest driver uses them instead of MSI-X', async () => {
    await checkIntxAndMsi(client, { model, enable: IMS, cause: ICR, bit: ICR_LSC });
  });

  it('refuses malformed requests with an error reply and goes on', async () => {
    const unknown = await client.request(99);
    expect([unknown.flags, unknown.error]).toEqual([FLAG_TYPE_REPLY | FLAG_ERROR, Errno.ENOTSUP]);
    const short = await client.request(Command.DMA_MAP, pack([4, 32]));
    expect(short.error).toBe(Errno.EINVAL);
    const fd = eventfd();
    const stray = await client.request(Command.REGION_READ, regionRead(0, CONFIG_REGION, 4), [fd]);
    expect(stray.error).toBe(Errno.EINVAL);
    closeFd(fd);
    const huge = await client.request(Command.DMA_MAP, pack([4, 32], [4, 3], [8, 0], [8, 2 ** 60], [8, PAGE]));
    expect(huge.error).toBe(Errno.EINVAL);
    const ok = await client.request(Command.REGION_READ, regionRead(0, CONFIG_REGION, 4));
    expect(ok.flags).toBe(FLAG_TYPE_REPLY);
  });

  it.each([
    ['a size below the header', () => message(7, Command.DEVICE_GET_INFO, new Uint8Array(0), 0, 8), []],
    ['a size above the limit', () => message(7, Command.REGION_WRITE, new Uint8Array(0), 0, 0x7fffffff), []],
    ['a reply where a command belongs', () => message(7, Command.DEVICE_GET_INFO, new Uint8Array(16), FLAG_TYPE_REPLY), []],
    ['more fds than max_msg_fds', () => message(7, Command.DEVICE_SET_IRQS, new Uint8Array(20)), Array.from({ length: MAX_MSG_FDS + 1 }, () => 0)],
  ] as const)('closes the connection on %s', async (_what, bytes, fdSlots) => {
    const fds = fdSlots.map(() => eventfd());
    client.sendRaw(bytes(), fds);
    await client.waitClosed();
    for (const fd of fds) closeFd(fd);
    expect(server.connected).toBe(false);
    // The server goes on serving a new client.
    client.close();
    client = await connect();
    expect(server.connected).toBe(true);
  });
});

describe('a vfio-user server of the 82599 model', () => {
  it('serves its 64-bit BARs: BAR0 128 KiB, BAR4 16 KiB, the upper halves empty', async () => {
    const ixgbe = new IxgbeModel();
    const other = new VfioUserServer(join(dir, 'ixgbe.sock'), ixgbe);
    const c = new TestClient(other.path);
    await c.request(Command.VERSION, VERSION_REQUEST);
    const sizes: number[] = [];
    for (let index = 0; index < 6; index++) {
      const r = await c.request(Command.DEVICE_GET_REGION_INFO, pack([4, 32], [4, 0], [4, index], [4, 0], [8, 0], [8, 0]));
      sizes.push(Number(r.body.getBigUint64(16, true)));
    }
    expect(sizes).toEqual([128 * 1024, 0, 0, 0, 16 * 1024, 0]);
    const id = await c.request(Command.REGION_READ, regionRead(0, CONFIG_REGION, 4));
    expect(id.body.getUint32(16, true)).toBe(0x10fb8086);
    c.close();
    other.close();
  });

  it('serves INTx on pin A (automasked, shown in Status.Interrupt) and MSI, as the card has them, with EICR.LSC as the cause', async () => {
    const ixgbe = new IxgbeModel();
    const other = new VfioUserServer(join(dir, 'ixgbe-intx.sock'), ixgbe);
    const c = new TestClient(other.path);
    await c.request(Command.VERSION, VERSION_REQUEST);
    try {
      await checkIntxAndMsi(c, { model: ixgbe, enable: EIMS, cause: EICR, bit: EICR_LSC });
    } finally {
      c.close();
      other.close();
    }
  });
});

it('a path in use is NIC_EBUSY', () => {
  expect(() => new VfioUserServer(server.path, new IgbModel())).toThrow(expect.objectContaining({ code: 'NIC_EBUSY' }));
  expect(unixConnect).toBeTypeOf('function');
});
