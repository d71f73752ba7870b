import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, NicError, packetOpen, tapAttachQueue, tapCreate, tapReadBurst, tapWriteBurst, type PacketSocket } from './index.js';
import { KERNEL_TIER_MISSING, receive, RingAccess } from './__fixtures__/netdev.js';
import { disableIpv6, hasLink, ip, linkState, testFrame, uniqueName, until } from './testing/index.js';

/** errno values the kernel returns here. */
const EINVAL = 22;
const EIO = 5;

const fds: number[] = [];
const sockets: PacketSocket[] = [];

function create(name = uniqueName('ntap'), multiQueue = false): { name: string; fd: number } {
  const tap = tapCreate(name, { multiQueue });
  fds.push(tap.fd);
  return tap;
}

/** A TAP interface, up with IPv6 off, and an AF_PACKET socket on it: the kernel's side of the wire. */
function wired(): { name: string; fd: number; kernel: RingAccess } {
  const tap = create();
  disableIpv6(tap.name);
  ip('link', 'set', tap.name, 'up');
  const socket = packetOpen(tap.name, { blockSize: 4096, blockCount: 64, frameSize: 2048, frameCount: 128, retireTimeoutMs: 1 });
  sockets.push(socket);
  return { ...tap, kernel: new RingAccess(socket) };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof NicError ? e.code : 'not a NicError';
  }
  return undefined;
}

/** Frames laid out in one buffer at 2048-byte strides, with their offsets and lengths. */
function burst(frames: readonly Uint8Array[], memory: Uint8Array): { offsets: Uint32Array; lens: Uint16Array } {
  const offsets = new Uint32Array(frames.length);
  const lens = new Uint16Array(frames.length);
  frames.forEach((f, k) => {
    offsets[k] = 64 + k * 2048;
    lens[k] = f.length;
    memory.set(f, offsets[k]);
  });
  return { offsets, lens };
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  for (const fd of fds.splice(0)) closeFd(fd);
});

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('TAP interfaces', () => {
  it('creates a TAP the kernel shows, which goes away with its last fd', async () => {
    const tap = tapCreate(uniqueName('ntap'));
    const state = linkState(tap.name);
    expect(state?.kind).toBe('tun');
    expect(state?.infoData).toMatchObject({ type: 'tap', pi: false });
    expect(state?.flags).not.toContain('UP');
    closeFd(tap.fd);
    await until('the interface to go', () => !hasLink(tap.name));
  });

  it('lets the kernel choose the name', () => {
    const chosen = create('');
    expect(chosen.name).toMatch(/^tap\d+$/);
    const templated = create('ntq%d');
    expect(templated.name).toMatch(/^ntq\d+$/);
    expect(linkState(templated.name).kind).toBe('tun');
  });

  it('never takes over an existing interface', () => {
    const tap = create();
    expect(code(() => tapCreate(tap.name))).toBe('NIC_EEXIST');
    expect(code(() => tapCreate('lo'))).toBe('NIC_EEXIST');
    expect(code(() => tapCreate('bad/name'))).toBe('NIC_EINVAL');
  });

  it('attaches more queues to a multi-queue TAP only', () => {
    const multi = create(uniqueName('ntap'), true);
    const second = tapAttachQueue(multi.name);
    fds.push(second);
    expect(second).not.toBe(multi.fd);
    expect(linkState(multi.name).infoData).toMatchObject({ multi_queue: true });
    const single = create();
    expect(code(() => tapAttachQueue(single.name))).toBe('NIC_EINVAL');
    expect(code(() => tapAttachQueue('nic-none'))).toBe('NIC_ENODEV');
  });

  it('writes a burst of frames in one call; the kernel receives them exactly', async () => {
    const { name, fd, kernel } = wired();
    const frames = [testFrame(1, 60), testFrame(2, 1514), testFrame(3, 200)];
    const memory = new Uint8Array(new SharedArrayBuffer(8192));
    const { offsets, lens } = burst(frames, memory);
    const results = new Int32Array(3);
    const rxBefore = linkState(name).rxPackets;
    expect(tapWriteBurst(fd, memory, offsets, lens, 3, results)).toBe(3);
    expect(Array.from(results)).toEqual([60, 1514, 200]);
    const got = await receive(kernel, 3);
    expect(got.map((p) => Array.from(p.data))).toEqual(frames.map((f) => Array.from(f)));
    expect(linkState(name).rxPackets).toBe(rxBefore + 3);
  });

  it('consumes frames the kernel refuses and reports why', () => {
    const { name, fd } = wired();
    const memory = new Uint8Array(8192);
    const { offsets, lens } = burst([new Uint8Array(6), testFrame(4)], memory);
    const results = new Int32Array(2);
    expect(tapWriteBurst(fd, memory, offsets, lens, 2, results)).toBe(2);
    expect(results[0]).toBe(-EINVAL);
    expect(results[1]).toBe(100);
    ip('link', 'set', name, 'down');
    expect(tapWriteBurst(fd, memory, offsets, lens, 2, results)).toBe(2);
    expect(Array.from(results)).toEqual([-EINVAL, -EIO]);
  });

  it('reads what the kernel sends, in one call per burst, and flags cut frames', async () => {
    const { fd, kernel } = wired();
    const frames = [testFrame(5, 64), testFrame(6, 1000), testFrame(7, 1514)];
    kernel.send(frames);
    const memory = new Uint8Array(new SharedArrayBuffer(8192));
    const offsets = Uint32Array.of(0, 2048, 4096, 6144);
    const maxLens = Uint16Array.of(2048, 2048, 1200, 2048);
    const outLens = new Uint32Array(4);
    let n = 0;
    await until('the frames to reach the TAP', () => {
      n = tapReadBurst(fd, memory, offsets, maxLens, outLens, 4);
      return n !== 0;
    });
    expect(n).toBe(3);
    expect(Array.from(outLens.subarray(0, 3))).toEqual([64, 1000, 1514]);
    expect(Array.from(memory.subarray(0, 64))).toEqual(Array.from(frames[0]));
    expect(Array.from(memory.subarray(2048, 3048))).toEqual(Array.from(frames[1]));
    // The third frame was cut to its 1200 bytes: its length says so.
    expect(outLens[2]).toBe(1514);
    expect(Array.from(memory.subarray(4096, 4096 + 1200))).toEqual(Array.from(frames[2].subarray(0, 1200)));
    expect(tapReadBurst(fd, memory, offsets, maxLens, outLens, 4)).toBe(0);
  });

  it('checks every frame range before any I/O', () => {
    const { fd } = create();
    const memory = new Uint8Array(4096);
    expect(code(() => tapReadBurst(fd, memory, Uint32Array.of(4000), Uint16Array.of(200), new Uint16Array(1), 1))).toBe('NIC_EINVAL');
    expect(code(() => tapWriteBurst(fd, memory, Uint32Array.of(0), Uint16Array.of(10), 2))).toBe('NIC_EINVAL');
    expect(code(() => tapWriteBurst(fd, memory, Uint32Array.of(0), Uint16Array.of(10), 1, new Int32Array(0)))).toBe('NIC_EINVAL');
    expect(() => tapReadBurst(fd, memory, Uint32Array.of(0), new Int16Array(1) as unknown as Uint16Array, new Uint16Array(1), 1)).toThrow(TypeError);
    expect(code(() => tapReadBurst(-1, memory, Uint32Array.of(0), Uint16Array.of(1), new Uint16Array(1), 1))).toBe('NIC_EINVAL');
  });
});
