/**
 * Fuzzing of the vfio-user server's message handling: any command number, flags and payload
 * (random bytes, or each command's layout with random fields), against one device kept
 * across runs (so state from earlier messages counts). A message gets a well-formed reply
 * (its id and command echoed, its size the reply's length), no reply when NO_REPLY is set, or
 * a NicError that closes the connection; nothing else, and no fd leaks. `npm run fuzz` runs
 * NIC_FUZZ_RUNS (100 000) messages per model and as many byte streams over a real socket;
 * `npm test` a short seeded pass (see `fuzz` of @nic/native/testing).
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NicError } from '@nic/native';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz } from '@nic/native/testing';
import { IgbModel } from '../igb/model.js';
import { IxgbeModel } from '../ixgbe/model.js';
import { TestClient } from './__fixtures__/client.js';
import { dispatch } from './connection.js';
import { VfioUserDevice } from './device.js';
import { Command, FLAG_ERROR, FLAG_NO_REPLY, FLAG_TYPE_REPLY, HEADER_SIZE } from './protocol.js';
import { VfioUserServer } from './server.js';

/** Messages per model in `npm test` (they cost microseconds each). */
const TEST_RUNS = 2000;
/** Byte streams over the socket in `npm test` (each costs a connection and two 1 ms waits); `npm run fuzz` runs its full count. */
const SOCKET_TEST_RUNS = 40;
const VERSION = new Uint8Array([0, 0, 0, 0, 0x7b, 0x7d, 0]);

/** Little-endian u32s and u64s as bytes. */
function fields(...parts: [4 | 8, number | bigint][]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, [b]) => n + b, 0));
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [b, x] of parts) {
    if (b === 8) v.setBigUint64(at, BigInt.asUintN(64, BigInt(x)), true);
    else v.setUint32(at, Number(x) >>> 0, true);
    at += b;
  }
  return out;
}

/** Values near the edges a parser gets wrong. */
const u32 = fc.oneof(fc.integer({ min: 0, max: 16 }), fc.constantFrom(0x10000, 0x1fffc, 0x20000, 0x3fff, 0x4000, 0x7fffffff, 0xffffffff), fc.nat({ max: 0xffffffff }));
const u64 = fc.oneof(u32.map(BigInt), fc.constantFrom(2n ** 53n, 2n ** 64n - 1n, 2n ** 63n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));

/** A payload shaped like `command`'s, with random fields, sometimes cut or extended. */
const structured = fc.oneof(
  fc.tuple(u32, u32, u64, u64, u64).map(([a, f, o, i, s]) => ({ command: Command.DMA_MAP, payload: fields([4, a], [4, f], [8, o], [8, i], [8, s]) })),
  fc.tuple(u32, u32, u64, u64).map(([a, f, i, s]) => ({ command: Command.DMA_UNMAP, payload: fields([4, a], [4, f], [8, i], [8, s]) })),
  fc.tuple(u32, u32, u32, u32).map(([a, f, i, c]) => ({ command: Command.DEVICE_GET_REGION_INFO, payload: fields([4, a], [4, f], [4, i], [4, c], [8, 0], [8, 0]) })),
  fc.tuple(u32, u32, u32, u32).map(([a, f, i, c]) => ({ command: Command.DEVICE_GET_IRQ_INFO, payload: fields([4, a], [4, f], [4, i], [4, c]) })),
  fc.tuple(u32, u32, u32, u32, u32).map(([a, f, i, s, c]) => ({ command: Command.DEVICE_SET_IRQS, payload: fields([4, a], [4, f], [4, i], [4, s], [4, c]) })),
  fc.tuple(u64, u32, u32).map(([o, r, c]) => ({ command: Command.REGION_READ, payload: fields([8, o], [4, r], [4, c]) })),
  fc.tuple(u64, fc.nat({ max: 9 }), fc.uint8Array({ maxLength: 64 }), u32).map(([o, r, d, c]) => {
    const head = fields([8, o], [4, r], [4, c % 2 === 0 ? d.length : c]);
    const out = new Uint8Array(head.length + d.length);
    out.set(head);
    out.set(d, head.length);
    return { command: Command.REGION_WRITE, payload: out };
  }),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ command: Command.VERSION, payload: b })),
);
const anything = fc.record({ command: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.nat({ max: 0xffff })), payload: fc.uint8Array({ maxLength: 128 }) });
const message = fc.record({
  id: fc.nat({ max: 0xffff }),
  flags: fc.oneof(fc.constant(0), fc.constant(FLAG_NO_REPLY), fc.nat({ max: 0xff })),
  body: fc.oneof(structured, structured, anything),
  cut: fc.nat({ max: 40 }),
});

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe.each([
  ['82576', () => new IgbModel()],
  ['82599', () => new IxgbeModel()],
])('vfio-user message handling of the %s model, fuzzed', (_name, make) => {
  it('answers random messages with a well-formed reply, silence on NO_REPLY, or a NicError', async () => {
    const device = new VfioUserDevice(make());
    dispatch(device, { id: 0, command: Command.VERSION, flags: 0, payload: VERSION }, []);
    const fdsBefore = openFds();
    await fuzz(
      `vfio-user dispatch (${_name})`,
      (s) => fc.assert(fc.property(message, ({ id, flags, body, cut }) => {
        // Sometimes cut the payload short: every field read must be checked against its length.
        const payload = cut < 8 ? body.payload.subarray(0, Math.max(0, body.payload.length - cut)) : body.payload;
        let reply: Uint8Array | undefined;
        try {
          reply = dispatch(device, { id, command: body.command, flags, payload }, []);
        } catch (error) {
          expect(error).toBeInstanceOf(NicError);
          expect(flags & 0xf).not.toBe(0);
          return;
        }
        if ((flags & FLAG_NO_REPLY) !== 0) {
          expect(reply).toBeUndefined();
          return;
        }
        expect(reply).toBeInstanceOf(Uint8Array);
        const v = new DataView((reply as Uint8Array).buffer);
        expect(v.getUint16(0, true)).toBe(id);
        expect(v.getUint16(2, true)).toBe(body.command);
        expect(v.getUint32(4, true)).toBe((reply as Uint8Array).length);
        const replyFlags = v.getUint32(8, true);
        expect(replyFlags & ~FLAG_ERROR).toBe(FLAG_TYPE_REPLY);
        if (replyFlags & FLAG_ERROR) {
          expect(v.getUint32(12, true)).toBeGreaterThan(0);
          expect((reply as Uint8Array).length).toBe(HEADER_SIZE);
        }
      }), s),
      TEST_RUNS,
    );
    device.close();
    expect(openFds()).toBe(fdsBefore);
  });
});

it('a server survives random byte streams, each ending in a reply or a closed connection', async () => {
  const dir = join(tmpdir(), `vfio-user-fuzz-${process.pid}`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const server = new VfioUserServer(join(dir, 's.sock'), new IgbModel());
  const fdsBefore = openFds();
  try {
    await fuzz('vfio-user socket streams', (settings) => fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        const client = new TestClient(server.path);
        await client.request(Command.VERSION, VERSION);
        client.sendRaw(bytes);
        // Then a valid request: it is answered unless the random bytes closed the stream
        // or still wait for the rest of a message they began.
        client.send(Command.DEVICE_GET_INFO, fields([4, 16], [4, 0], [4, 0], [4, 0]));
        await new Promise((r) => setTimeout(r, 1));
        client.closedByPeer();
        client.close();
        await new Promise((r) => setTimeout(r, 1));
        expect(server.connected).toBe(false);
      }),
      settings,
    ), SOCKET_TEST_RUNS);
    expect(openFds()).toBe(fdsBefore);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
