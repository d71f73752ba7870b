/**
 * Fuzz targets over the telemetry request path, whose input comes from any local process:
 * the request splitter, the id parameter parser, the reply writer, and the whole socket
 * (arbitrary messages to a live server, each answered with one well-formed reply while the
 * connection stays served).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFd, unixConnect, unixRecvmsg, unixSendmsg } from '@nic/native';
import { fuzz } from '@nic/native/testing';
import { init, type Eal } from '../eal.js';
import { testLcores } from '../__fixtures__/lcores.js';
import { TELEMETRY_MAX_CMD_LEN, type TelemetryValue } from './commands.js';
import { parseTelemetryId } from './params.js';
import { formatTelemetryReply, TELEMETRY_MAX_OUTPUT_LEN } from './reply.js';
import { parseTelemetryRequest, TELEMETRY_MAX_REQUEST } from './request.js';

/** Lcore 0, on a CPU this process may run on. */
const LCORE0 = testLcores();

const encoder = new TextEncoder();
const bytesOf = (text: string): number => encoder.encode(text).length;
/** Requests made of the characters that matter to the splitter, and any bytes at all. */
const message = fc.oneof(
  fc.string({ unit: fc.constantFrom(',', '/', 'a', '0', '\0', 'é'), maxLength: 40 }).map((s) => encoder.encode(s)),
  fc.uint8Array({ maxLength: 1500 }),
);

/** strtok(buffer, ",") then strtok(NULL, "\0") on an ASCII string without NUL: DPDK's split. */
function strtokSplit(text: string): { command: string | undefined; params: string | undefined } {
  const rest = text.replace(/^,+/, '');
  if (rest === '') return { command: undefined, params: undefined };
  const comma = rest.indexOf(',');
  if (comma < 0) return { command: rest, params: undefined };
  const params = rest.slice(comma + 1);
  return { command: rest.slice(0, comma), params: params === '' ? undefined : params };
}

/** A string of 100 to 800 characters, cheap to generate: a short one repeated. */
const longString = fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: 100, max: 300 })).map(([unit, n]) => unit.repeat(n).slice(0, 800));

const value: fc.Arbitrary<TelemetryValue> = fc.oneof(
  { arbitrary: nested(), weight: 8 },
  // Replies near and past the output limit: long strings in a flat array or dictionary.
  { arbitrary: fc.array(longString, { minLength: 20, maxLength: 50 }), weight: 1 },
  { arbitrary: fc.dictionary(fc.string({ maxLength: 40 }), longString, { minKeys: 20, maxKeys: 50 }), weight: 1 },
);

/** Small values of every kind, nested a few levels. */
function nested(): fc.Arbitrary<TelemetryValue> {
  return fc.letrec<{ value: TelemetryValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double(),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.array(tie('value'), { maxLength: 6 }),
      fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 6 }),
    ),
  })).value;
}

/** `value` as JSON.stringify writes it, or undefined when it holds a bigint (which JSON.stringify refuses). */
function plainJson(v: TelemetryValue): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

describe('telemetry parsers under arbitrary input', () => {
  it('the request splitter: DPDK\'s strtok split, from any bytes, never a throw', async () => {
    await fuzz('telemetry request', (s) =>
      fc.assert(
        fc.property(message, (bytes) => {
          const { command, params } = parseTelemetryRequest(bytes);
          if (command !== undefined) {
            expect(command).not.toContain(',');
            expect(command.length).toBeGreaterThan(0);
          }
          if (params !== undefined) expect(params.length).toBeGreaterThan(0);
          let end = Math.min(bytes.length, TELEMETRY_MAX_REQUEST);
          const nul = bytes.subarray(0, end).indexOf(0);
          if (nul >= 0) end = nul;
          const head = bytes.subarray(0, end);
          if (head.every((b) => b < 0x80)) expect({ command, params }).toEqual(strtokSplit(String.fromCharCode(...head)));
        }),
        s,
      ),
    );
  });

  it('the id parameter: an integer below 2^32 read as strtoul(p, &end, 0) does, or none', async () => {
    await fuzz('telemetry id parameter', (s) =>
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: fc.constantFrom('0', '1', '7', '8', '9', 'x', 'X', 'f', ',', ' ', '-'), maxLength: 14 }), fc.string()), fc.boolean(), (text, whole) => {
          const id = parseTelemetryId(text, { whole });
          if (id === undefined) return;
          expect(Number.isInteger(id) && id >= 0 && id <= 0xffffffff).toBe(true);
          expect(text).toMatch(/^[0-9]/);
          if (/^[1-9][0-9]*$/.test(text)) expect(id).toBe(Number(text));
        }),
        s,
      ),
    );
  });

  it('the reply writer: one key, valid JSON, within the output limit, whole when it fits', async () => {
    await fuzz('telemetry reply', (s) =>
      fc.assert(
        fc.property(fc.option(fc.string({ maxLength: 80 }), { nil: undefined }), fc.option(value, { nil: undefined }), (command, v) => {
          const reply = formatTelemetryReply(command, v);
          expect(bytesOf(reply)).toBeLessThanOrEqual(TELEMETRY_MAX_OUTPUT_LEN);
          const parsed = JSON.parse(reply) as Record<string, unknown>;
          const keys = Object.keys(parsed);
          expect(keys).toEqual([(command ?? 'none').slice(0, TELEMETRY_MAX_CMD_LEN + 1)]);
          if (v === undefined) {
            expect(parsed[keys[0]]).toBeNull();
            return;
          }
          const whole = plainJson(v);
          if (whole !== undefined && bytesOf(`{${JSON.stringify(keys[0])}:${whole}}`) <= TELEMETRY_MAX_OUTPUT_LEN) {
            expect(parsed[keys[0]]).toEqual(JSON.parse(whole));
          }
        }),
        s,
      ),
    );
  });
});

describe('the telemetry socket under arbitrary requests', () => {
  let eal: Eal;
  let fd: number;
  const buffer = new Uint8Array(TELEMETRY_MAX_OUTPUT_LEN + 1);

  /** The next message on the client socket, letting the event loop run the server meanwhile. */
  async function receive(): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { bytes } = unixRecvmsg(fd, buffer);
      if (bytes > 0) return new TextDecoder().decode(buffer.subarray(0, bytes));
      if (bytes === 0) throw new Error('the server closed the connection');
      if (Date.now() > deadline) throw new Error('no reply within 20 s');
      await new Promise((r) => setImmediate(r));
    }
  }

  beforeAll(async () => {
    ({ eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', `newuser-telfuzz-${process.pid}`]));
    fd = unixConnect(eal.telemetryPath ?? '', { type: 'seqpacket' });
    await receive();
  });
  afterAll(async () => {
    closeFd(fd);
    await eal.cleanup();
  });

  it('answers every message with one well-formed reply and keeps the client', async () => {
    await fuzz('telemetry socket', (s) =>
      fc.assert(
        fc.asyncProperty(message.filter((b) => b.length > 0), async (bytes) => {
          expect(unixSendmsg(fd, bytes)).toBe(bytes.length);
          const reply = JSON.parse(await receive()) as Record<string, unknown>;
          expect(Object.keys(reply)).toHaveLength(1);
        }),
        s,
      ),
    );
  });
});
