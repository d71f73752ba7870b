import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFd, eventfd, FramedReader, NicError, unixAccept, unixConnect, unixListen, unixSendmsg, type Framing } from './index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nic-framed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A test framing: a 4-byte header holding the whole message's size; size 0xEEEE is refused. */
const REFUSED = 0xeeee;
const FRAMING: Framing = {
  name: 'test-proto',
  headerSize: 4,
  maxMessage: 64,
  maxFds: 2,
  messageSize(header) {
    const size = header.getUint32(0, true);
    if (size === REFUSED) throw new NicError('NIC_EINVAL', 'test-proto: refused header');
    return size;
  },
};

function message(size: number, fill = 0xab): Uint8Array {
  const m = new Uint8Array(Math.max(size, 4)).fill(fill);
  new DataView(m.buffer).setUint32(0, size, true);
  return m;
}

/** A connected pair, the server end read by a FramedReader that records what it hands over. */
function reading() {
  const path = join(dir, `s-${Math.random().toString(36).slice(2)}`);
  const listener = unixListen(path);
  const client = unixConnect(path);
  const server = unixAccept(listener);
  closeFd(listener);
  const messages: { bytes: number[]; fds: number[] }[] = [];
  let ended: { error?: NicError } | undefined;
  const reader = new FramedReader(server, FRAMING, {
    message: (bytes, fds) => void messages.push({ bytes: Array.from(bytes), fds }),
    end: (error) => void (ended = { error }),
  });
  const finish = () => {
    reader.close();
    closeFd(server);
    closeFd(client);
  };
  return { client, reader, messages, ended: () => ended, finish };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

/** How many eventfds this process has open. */
function openEventfds(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[eventfd]';
    } catch {
      return false;
    }
  }).length;
}

describe('FramedReader', () => {
  it('hands over whole messages, however the bytes arrive, with the fds of their first byte', async () => {
    const r = reading();
    const event = eventfd();
    const first = message(10, 1);
    // The first message in three pieces, its fd with the first; then a header-only message and a third glued to it.
    unixSendmsg(r.client, first.subarray(0, 2), [event]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    unixSendmsg(r.client, first.subarray(2, 7));
    unixSendmsg(r.client, first.subarray(7));
    const glued = new Uint8Array([...message(4), ...message(6, 3)]);
    unixSendmsg(r.client, glued);
    await until(() => r.messages.length === 3);
    expect(r.messages.map((m) => m.bytes)).toEqual([Array.from(first), Array.from(message(4)), Array.from(message(6, 3))]);
    expect(r.messages.map((m) => m.fds.length)).toEqual([1, 0, 0]);
    closeFd(r.messages[0].fds[0]);
    closeFd(event);
    expect(r.ended()).toBeUndefined();
    r.finish();
  });

  it('ends the stream without an error when the peer closes', async () => {
    const r = reading();
    closeFd(r.client);
    await until(() => r.ended() !== undefined);
    expect(r.ended()).toEqual({ error: undefined });
    expect(r.reader.open).toBe(false);
    r.reader.close();
  });

  it.each([
    ['a size below the header', () => message(2), [] as number[], /a message of 2 bytes \(4 to 64\)/],
    ['a size above the largest message', () => message(65), [], /a message of 65 bytes/],
    ['a header the protocol refuses', () => message(REFUSED), [], /refused header/],
    ['more fds than allowed', () => message(4), [0, 0, 0], /more than 2 fds/],
  ])('ends the stream with a NicError for %s, closing the fds it held', async (_, bytes, fdSlots, why) => {
    const r = reading();
    const before = openEventfds();
    const fds = fdSlots.map(() => eventfd());
    unixSendmsg(r.client, bytes(), fds);
    await until(() => r.ended() !== undefined);
    // Only our own copies are left open: the reader closed what it received.
    expect(openEventfds()).toBe(before + fds.length);
    expect(r.ended()?.error).toBeInstanceOf(NicError);
    expect(r.ended()?.error?.message).toMatch(why);
    expect(r.messages).toEqual([]);
    fds.forEach(closeFd);
    r.finish();
  });

  it('refuses fds that arrive inside a message and closes the ones it holds', async () => {
    const r = reading();
    const before = openEventfds();
    const a = eventfd();
    const b = eventfd();
    const m = message(12);
    unixSendmsg(r.client, m.subarray(0, 6), [a]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    unixSendmsg(r.client, m.subarray(6), [b]);
    await until(() => r.ended() !== undefined);
    expect(r.ended()?.error?.message).toMatch(/fds arrived inside a message/);
    expect(openEventfds()).toBe(before + 2);
    [a, b].forEach(closeFd);
    r.finish();
  });

  it('a NicError thrown by the message handler ends the stream with it', async () => {
    const path = join(dir, 'h.sock');
    const listener = unixListen(path);
    const client = unixConnect(path);
    const server = unixAccept(listener);
    closeFd(listener);
    let ended: NicError | undefined;
    const reader = new FramedReader(server, FRAMING, {
      message: () => {
        throw new NicError('NIC_EINVAL', 'handler says no');
      },
      end: (error) => void (ended = error),
    });
    unixSendmsg(client, message(8));
    await until(() => ended !== undefined);
    expect(ended?.message).toBe('handler says no');
    expect(reader.open).toBe(false);
    [server, client].forEach(closeFd);
  });
});
