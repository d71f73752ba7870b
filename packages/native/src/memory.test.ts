import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NicError, allocAnonymous, attach, mapFd, mapFile, pageSize, virtToPhys, virtToPhysRange } from './index.js';

const PAGE = pageSize();
let dir: string;
let file: string;

function pattern(words: number): Uint32Array {
  return Uint32Array.from({ length: words }, (_, i) => (i * 2654435761) >>> 0);
}

/** Whether a mapping covers `address`: the kernel may merge a mapping with a like neighbour. */
function isMappedAt(address: number): boolean {
  return readFileSync('/proc/self/maps', 'utf8')
    .trim()
    .split('\n')
    .some((line) => {
      const [start, end] = line.split(' ')[0]!.split('-').map((x) => parseInt(x, 16));
      return start! <= address && address < end!;
    });
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition(), what).toBe(true);
}

function runWorker(workerData: unknown): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./__fixtures__/attach-worker.mjs', import.meta.url), { workerData });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nic-memory-'));
  file = join(dir, 'data.bin');
  writeFileSync(file, pattern((2 * PAGE) / 4));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mapFile', () => {
  it('shows the same bytes through two writable views and in the file', () => {
    const a = mapFile(file, { writable: true });
    const b = mapFile(file, { writable: true });
    expect(a.length).toBe(2 * PAGE);
    expect(a.address).not.toBe(b.address);
    const va = new Uint32Array(a.buffer);
    const vb = new Uint32Array(b.buffer);
    expect(Array.from(vb)).toEqual(Array.from(pattern(va.length)));
    va[7] = 0xdeadbeef;
    expect(vb[7]).toBe(0xdeadbeef);
    expect(readFileSync(file).readUInt32LE(28)).toBe(0xdeadbeef);
    a.unmap();
    b.unmap();
  });

  it('is seen by a worker thread through attach() and through the posted buffer', async () => {
    const m = mapFile(file, { writable: true });
    const view = new Uint32Array(m.buffer);
    view[0] = 0x11111111;
    view[view.length - 1] = 0x22222222;
    const seen = await runWorker({ address: m.address, length: m.length, buffer: m.buffer });
    expect(seen).toEqual({ firstByAddress: 0x11111111, lastByBuffer: 0x22222222 });
    expect(view[1]).toBe(0xc0ffee);
    expect(Atomics.load(view, 2)).toBe(0xbeef);
    m.unmap();
  });

  it('maps a sub-range at a page-aligned offset', () => {
    const whole = new Uint32Array(readFileSync(file).buffer.slice(0));
    const m = mapFile(file, { offset: PAGE, length: PAGE });
    expect(m.length).toBe(PAGE);
    expect(new Uint32Array(m.buffer)[0]).toBe(whole[PAGE / 4]);
    m.unmap();
  });

  it('read-only: stores stay private and the file is never modified', () => {
    const before = readFileSync(file);
    const m = mapFile(file);
    const view = new Uint8Array(m.buffer);
    expect(Buffer.from(view).equals(before)).toBe(true);
    view[0] ^= 0xff;
    expect(readFileSync(file).equals(before)).toBe(true);
    m.unmap();
  });

  it('refuses ranges past the end, unaligned offsets and missing files', () => {
    expect(() => mapFile(file, { length: 3 * PAGE })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => mapFile(file, { offset: 3 * PAGE, length: 1 })).toThrow(NicError);
    expect(() => mapFile(file, { offset: 100, length: 1 })).toThrow(/multiple of the page size/);
    expect(() => mapFile(file, { length: 0 })).toThrow(/at least 1/);
    const missing = join(dir, 'missing');
    expect(() => mapFile(missing)).toThrow(
      expect.objectContaining({ code: 'NIC_ENOENT', errno: 2, syscall: 'open', message: expect.stringContaining(missing) }),
    );
  });
});

describe('mapFd', () => {
  it('maps an open fd; the mapping outlives the fd', () => {
    const fd = openSync(file, 'r+');
    const m = mapFd(fd, { writable: true });
    closeSync(fd);
    const view = new Uint32Array(m.buffer);
    view[3] = 0x12345678;
    expect(readFileSync(file).readUInt32LE(12)).toBe(0x12345678);
    m.unmap();
  });
});

describe('mapFd within a buffer (a window of another process\'s memory in the arena)', () => {
  const WASM_PAGE = 65536;
  /** The buffer of a shared WebAssembly.Memory of `pages` 64 KiB pages, as EAL's arena has. */
  const wasmBuffer = (pages: number): SharedArrayBuffer =>
    new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer as SharedArrayBuffer;
  /** A 4-page file, each page filled with its index + 1, as a guest's RAM would be shared. */
  function guestRam(): { fd: number; path: string } {
    const path = join(dir, `guest-${process.pid}-${Math.random()}`);
    writeFileSync(path, Buffer.concat([1, 2, 3, 4].map((k) => Buffer.alloc(PAGE, k))));
    return { fd: openSync(path, 'r+'), path };
  }

  it('places a file range at a page of the host, visible both ways; unmap puts zeros back', () => {
    const within = wasmBuffer(4);
    const host = new Uint8Array(within);
    host.fill(0x77);
    const { fd, path } = guestRam();
    const at = 2 * WASM_PAGE;
    const m = mapFd(fd, { offset: PAGE, length: 2 * PAGE, writable: true, within, at });
    closeSync(fd);
    expect(m.hostOffset).toBe(at);
    expect(m.length).toBe(2 * PAGE);
    // Through the host (what a WebAssembly kernel sees): file pages 1 and 2, the host around them untouched.
    expect([host[at - 1], host[at], host[at + PAGE], host[at + 2 * PAGE]]).toEqual([0x77, 2, 3, 0x77]);
    host[at + 5] = 0xee;
    expect(readFileSync(path)[PAGE + 5]).toBe(0xee);
    expect(new Uint8Array(m.buffer)[5]).toBe(0xee);
    m.unmap();
    expect([host[at], host[at + PAGE], host[at + 2 * PAGE]]).toEqual([0, 0, 0x77]);
    expect(readFileSync(path)[PAGE + 5]).toBe(0xee);
  });

  it('one live placement per range: an overlapping window is refused, an adjacent one is not', () => {
    const within = wasmBuffer(2);
    const { fd } = guestRam();
    const first = mapFd(fd, { length: 2 * PAGE, writable: true, within, at: PAGE });
    expect(() => mapFd(fd, { length: PAGE, writable: true, within, at: 2 * PAGE })).toThrow(
      expect.objectContaining({ code: 'NIC_EBUSY' }),
    );
    const next = mapFd(fd, { offset: 2 * PAGE, length: PAGE, writable: true, within, at: 3 * PAGE });
    expect(new Uint8Array(within)[3 * PAGE]).toBe(3);
    first.unmap();
    // Released: the range takes a placement again.
    const again = mapFd(fd, { offset: 3 * PAGE, length: PAGE, writable: true, within, at: 2 * PAGE });
    expect(new Uint8Array(within)[2 * PAGE]).toBe(4);
    for (const mapping of [next, again]) mapping.unmap();
    closeSync(fd);
  });

  it('refuses an unaligned or out-of-bounds window, a range past the file, and `at` without `within`', () => {
    const within = wasmBuffer(1);
    const { fd } = guestRam();
    expect(() => mapFd(fd, { length: PAGE, within, at: 100 })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('boundary') }));
    expect(() => mapFd(fd, { length: PAGE, within, at: WASM_PAGE })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => mapFd(fd, { length: 2 * PAGE, within, at: WASM_PAGE - PAGE })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => mapFd(fd, { length: 2 ** 53 - 1, within, at: 0 })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => mapFd(fd, { offset: 4 * PAGE, length: PAGE, within, at: 0 })).toThrow(/past its end/);
    expect(() => mapFd(fd, { length: PAGE, at: 0 })).toThrow(/needs `within`/);
    expect(() => mapFd(fd, { length: PAGE, within: new ArrayBuffer(PAGE) as unknown as SharedArrayBuffer })).toThrow(TypeError);
    // Nothing was left reserved: the whole host takes a window.
    mapFd(fd, { length: 4 * PAGE, within, at: 0 }).unmap();
    closeSync(fd);
  });
});

describe('allocAnonymous', () => {
  it('gives zeroed, page-rounded, resident memory with physical addresses', () => {
    const m = allocAnonymous(PAGE + 1);
    expect(m.length).toBe(2 * PAGE);
    expect(m.pageSize).toBe(PAGE);
    expect(m.hostOffset).toBe(-1);
    expect(new Uint8Array(m.buffer).every((b) => b === 0)).toBe(true);
    const phys = virtToPhys(m.address + 5);
    expect(phys).toBeGreaterThan(0);
    expect(phys % PAGE).toBe(5);
    const pages = virtToPhysRange(m.address, PAGE, new Float64Array(2));
    expect(pages[0]).toBe(phys - 5);
    expect(pages[1]).toBeGreaterThan(0);
    m.unmap();
  });

  it('supports Atomics, including wait', () => {
    const m = allocAnonymous(PAGE);
    const words = new Int32Array(m.buffer);
    Atomics.add(words, 0, 5);
    expect(Atomics.wait(words, 0, 5, 1)).toBe('timed-out');
    expect(Atomics.wait(words, 0, 0, 1)).toBe('not-equal');
    m.unmap();
  });
});

describe('allocAnonymous within a WebAssembly memory', () => {
  /** A shared WebAssembly memory of `pages` 64 KiB pages, and a view of all of it. */
  function wasmMemory(pages: number): { memory: WebAssembly.Memory; words: Uint32Array } {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    return { memory, words: new Uint32Array(memory.buffer) };
  }

  it('puts locked pages where the host buffer shows them; unmap leaves that range zeroed and usable', () => {
    const { memory, words } = wasmMemory(4);
    words.fill(0xa5a5a5a5);
    const m = allocAnonymous(2 * PAGE + 1, { within: memory.buffer as SharedArrayBuffer });
    expect(m.length).toBe(3 * PAGE);
    // WebAssembly memories start on a 64 KiB boundary, a multiple of the page size.
    expect(m.hostOffset).toBe(0);
    // Fresh pages: the host's old bytes are gone there, and kept after them.
    expect(words.subarray(0, (3 * PAGE) / 4).every((w) => w === 0)).toBe(true);
    expect(words[(3 * PAGE) / 4]).toBe(0xa5a5a5a5);
    new Uint32Array(m.buffer)[7] = 1234;
    expect(words[m.hostOffset / 4 + 7]).toBe(1234);
    words[m.hostOffset / 4 + 8] = 99;
    expect(new Uint32Array(m.buffer)[8]).toBe(99);
    expect(virtToPhys(m.address)).toBeGreaterThan(0);
    m.unmap();
    expect(words[7]).toBe(0);
    words[7] = 5;
    expect(words[7]).toBe(5);
    expect(() => m.unmap()).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
  });

  it('refuses a buffer without room for the pages, or one that is no SharedArrayBuffer, and leaves it as it was', () => {
    const { memory, words } = wasmMemory(1);
    words.fill(7);
    expect(() => allocAnonymous(2 * 65536, { within: memory.buffer as SharedArrayBuffer })).toThrow(
      expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('do not fit in its 65536 bytes') }),
    );
    expect(words.every((w) => w === 7)).toBe(true);
    expect(() => allocAnonymous(PAGE, { within: new ArrayBuffer(PAGE) as unknown as SharedArrayBuffer })).toThrow(TypeError);
  });
});

describe('virtToPhys', () => {
  it('is NIC_EPERM, with the reason, when the kernel hides frame numbers', (ctx) => {
    if (!existsSync('/usr/bin/setpriv')) {
      console.warn('\n!!! SKIPPING: setpriv is missing (apt-get install util-linux) to drop CAP_SYS_ADMIN\n');
      return ctx.skip();
    }
    const script = `
      import { allocAnonymous, virtToPhys } from '@nic/native';
      const m = allocAnonymous(4096);
      try { virtToPhys(m.address); } catch (e) { console.log(JSON.stringify({ code: e.code, errno: e.errno, message: e.message })); }
    `;
    const child = spawnSync('/usr/bin/setpriv', ['--bounding-set=-sys_admin', process.execPath, '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(child.status).toBe(0);
    const error = JSON.parse(child.stdout) as { code: string; errno: number; message: string };
    expect(error).toMatchObject({ code: 'NIC_EPERM', errno: 1 });
    expect(error.message).toContain('CAP_SYS_ADMIN');
  });

  it('refuses addresses outside live nic memory', () => {
    expect(() => virtToPhys(PAGE)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    const m = allocAnonymous(PAGE);
    expect(() => virtToPhysRange(m.address, PAGE, new Float64Array(2))).toThrow(/not inside memory mapped/);
    m.unmap();
  });
});

describe('unmap', () => {
  it('releases the pages; old views read zeros; second unmap and later use throw', () => {
    const m = mapFile(file, { writable: true });
    const view = new Uint32Array(m.buffer);
    const first = view[0];
    m.unmap();
    expect(m.mapped).toBe(false);
    expect(view[0]).toBe(0);
    view[0] = 1;
    expect(readFileSync(file).readUInt32LE(0)).toBe(first);
    expect(() => m.unmap()).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => attach(m.address, 4)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => virtToPhys(m.address)).toThrow(/unmapped/);
  });

  it('happens when the last view is collected, attached views included', async () => {
    let owner: SharedArrayBuffer | undefined;
    const address = (() => {
      // The mapping object goes out of scope at once; only its buffer stays referenced.
      const m = allocAnonymous(PAGE);
      owner = m.buffer;
      return m.address;
    })();
    let attached: SharedArrayBuffer | undefined = attach(address, PAGE);
    owner = undefined;
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isMappedAt(address)).toBe(true);
    expect(new Uint8Array(attached)[0]).toBe(0);
    attached = undefined;
    await until(() => !isMappedAt(address), 'the range is unmapped once every view is collected');
    expect(owner).toBeUndefined();
    expect(attached).toBeUndefined();
  });
});

describe('attach', () => {
  it('views a sub-range of a live mapping', () => {
    const m = allocAnonymous(4 * PAGE);
    new Uint8Array(m.buffer)[PAGE + 3] = 99;
    const sub = new Uint8Array(attach(m.address + PAGE, 2 * PAGE));
    expect(sub.length).toBe(2 * PAGE);
    expect(sub[3]).toBe(99);
    m.unmap();
  });

  it('refuses ranges outside nic memory or crossing its end', () => {
    const m = allocAnonymous(PAGE);
    expect(() => attach(m.address, PAGE + 1)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => attach(m.address + PAGE, 1)).toThrow(NicError);
    expect(() => attach(4096, 4096)).toThrow(/not inside memory mapped/);
    expect(() => attach(m.address, 0)).toThrow(NicError);
    m.unmap();
  });
});
