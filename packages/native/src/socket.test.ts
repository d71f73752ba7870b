import { fork } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './testing/netns.js';
import {
  closeFd,
  eventfd,
  eventfdRead,
  eventfdWrite,
  unixAccept,
  unixConnect,
  unixListen,
  unixRecvmsg,
  unixSendmsg,
  watchFd,
  type NicError,
} from './index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long an awaited condition may take on a loaded CI machine. */
const WAIT_MS = 20_000;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nic-socket-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A connected pair through a listening socket at a fresh path. */
function pair(type: 'stream' | 'seqpacket' = 'stream') {
  const path = join(dir, `s-${Math.random().toString(36).slice(2)}`);
  const listener = unixListen(path, { type });
  expect(unixAccept(listener)).toBe(-1);
  const client = unixConnect(path, { type });
  const server = unixAccept(listener);
  expect(server).toBeGreaterThanOrEqual(0);
  return { path, listener, client, server };
}

describe('unix sockets', () => {
  it('exchange data and descriptors; "would block" is -1, not an exception', () => {
    const { listener, client, server } = pair();
    const buffer = new Uint8Array(16);
    expect(unixRecvmsg(server, buffer, 4)).toEqual({ bytes: -1, fds: [], fdsTruncated: false, truncated: false });
    const event = eventfd();
    expect(unixSendmsg(client, new Uint8Array([1, 2, 3]), [event])).toBe(3);
    const got = unixRecvmsg(server, buffer, 4);
    expect(got.bytes).toBe(3);
    expect(Array.from(buffer.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(got.fds).toHaveLength(1);
    expect(got.fds[0]).not.toBe(event);
    // The received descriptor is the same eventfd.
    eventfdWrite(got.fds[0], 5);
    expect(eventfdRead(event)).toBe(5);
    [got.fds[0], event, client, server, listener].forEach(closeFd);
  });

  it('report descriptors that did not fit', () => {
    const { listener, client, server } = pair('seqpacket');
    const events = [eventfd(), eventfd(), eventfd()];
    unixSendmsg(client, new Uint8Array([9]), events);
    const got = unixRecvmsg(server, new Uint8Array(4), 1);
    expect(got.bytes).toBe(1);
    expect(got.fds).toHaveLength(1);
    expect(got.fdsTruncated).toBe(true);
    [...got.fds, ...events, client, server, listener].forEach(closeFd);
  });

  it('signal end of stream as 0 bytes, and fill up as -1', () => {
    const { listener, client, server } = pair();
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    for (let i = 0; i < 1000 && sent >= 0; i++) sent = unixSendmsg(client, chunk);
    expect(sent).toBe(-1);
    closeFd(client);
    const sink = new Uint8Array(chunk.length);
    let bytes = 1;
    while (bytes > 0) bytes = unixRecvmsg(server, sink).bytes;
    expect(bytes).toBe(0);
    [server, listener].forEach(closeFd);
  });

  it('work with the fd watcher; a reset connection reaches the callback as an error', async () => {
    const { listener, client, server } = pair();
    const calls: { fd: number; error?: NicError }[] = [];
    const watcher = watchFd(client, (fd, error) => {
      calls.push({ fd, error });
      if (error === undefined) unixRecvmsg(fd, new Uint8Array(8));
    });
    unixSendmsg(server, new Uint8Array([1]));
    await until('the watcher to see the byte', () => calls.length > 0, WAIT_MS);
    expect(calls).toEqual([{ fd: client, error: undefined }]);
    // Closing with unread data resets the peer: its socket reports an error.
    unixSendmsg(client, new Uint8Array([2]));
    closeFd(server);
    await until('the reset to reach the watcher', () => calls.length >= 2 && calls[calls.length - 1].error !== undefined, WAIT_MS);
    const last = calls[calls.length - 1];
    expect(last.error).toMatchObject({ name: 'NicError', syscall: 'epoll_wait' });
    expect(watcher.active).toBe(false);
    [client, listener].forEach(closeFd);
  });

  it('refuse bad paths and an address in use', () => {
    const { path, listener, client, server } = pair();
    expect(() => unixListen(path)).toThrow(expect.objectContaining({ code: 'NIC_EBUSY', syscall: 'bind' }));
    expect(() => unixListen('x'.repeat(200))).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => unixConnect(join(dir, 'nobody'))).toThrow(expect.objectContaining({ code: 'NIC_ENOENT', syscall: 'connect' }));
    expect(() => unixSendmsg(client, new Uint8Array(0), [client])).toThrow(/at least one byte/);
    expect(() => unixRecvmsg(client, new Uint8Array(1), 254)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    [client, server, listener].forEach(closeFd);
  });

  it('pass a descriptor to another process, which uses it', async () => {
    const path = join(dir, 'scm.sock');
    const file = join(dir, 'shared.txt');
    writeFileSync(file, 'hello from the parent');
    const listener = unixListen(path);
    const child = fork(fileURLToPath(new URL('./__fixtures__/scm-child.mjs', import.meta.url)), [path], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const report = new Promise<Record<string, unknown>>((resolve) => child.once('message', resolve));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let conn = -1;
    for (let i = 0; i < 500 && conn < 0; i++) {
      await sleep(10);
      conn = unixAccept(listener);
    }
    expect(conn).toBeGreaterThanOrEqual(0);
    const fileFd = openSync(file, 'r');
    const event = eventfd(0, { nonblock: true });
    expect(unixSendmsg(conn, new TextEncoder().encode('take these'), [fileFd, event])).toBe(10);
    closeSync(fileFd);
    expect(await report).toEqual({ message: 'take these', fdCount: 2, fdsTruncated: false, file: 'hello from the parent' });
    expect(await exited).toBe(0);
    expect(eventfdRead(event)).toBe(77);
    [event, conn, listener].forEach(closeFd);
  });
});
