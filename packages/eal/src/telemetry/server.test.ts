/**
 * The telemetry socket against DPDK's own client (Debian's `dpdk-telemetry.py`) and against
 * clients that misbehave: many at once, one that never reads, one that sends garbage, and a
 * command that throws. The client runs as a child process while this thread's event loop
 * serves it, so every wait here is asynchronous.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeFd, unixConnect, unixListen, unixRecvmsg, unixSendmsg } from '@nic/native';
import { afterEach, describe, expect, it } from 'vitest';
import { init, type Eal } from '../eal.js';
import { testLcores } from '../__fixtures__/lcores.js';
import { Mempool } from '../memory/mempool.js';
import { registerTelemetryCommand, unregisterTelemetryCommand } from './commands.js';
import { runtimeDir } from './runtime-dir.js';
import { TELEMETRY_MAX_CONNECTIONS, TELEMETRY_SOCKET_NAME } from './server.js';

/** Lcore 0, on a CPU this process may run on. */
const LCORE0 = testLcores();

const CLIENT = '/usr/bin/dpdk-telemetry.py';
const run = promisify(execFile);
let serial = 0;
const live: Eal[] = [];

afterEach(async () => {
  for (const eal of live.splice(0)) await eal.cleanup();
});

async function start(...extra: string[]): Promise<Eal> {
  const prefix = `newuser-tel-${process.pid}-${serial++}`;
  const { eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', prefix, ...extra, '--', '--app-opt'], { programName: 'tel-test' });
  live.push(eal);
  return eal;
}

/** Runs DPDK's client on `prefix` with `commands` on its stdin; returns one parsed reply per command. */
async function dpdkClient(prefix: string, commands: readonly string[]): Promise<unknown[]> {
  return dpdkClientArgs(['-f', prefix], commands);
}

async function dpdkClientArgs(args: readonly string[], commands: readonly string[]): Promise<unknown[]> {
  const child = run('python3', [CLIENT, ...args], { timeout: 60_000 });
  child.child.stdin?.end(`${commands.join('\n')}\n`);
  const { stdout } = await child;
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
}

/** Waits for the next message on a non-blocking seqpacket fd, yielding to the event loop meanwhile. */
async function receive(fd: number, timeoutMs = 20_000): Promise<string | undefined> {
  const buffer = new Uint8Array(64 * 1024);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { bytes } = unixRecvmsg(fd, buffer);
    if (bytes === 0) return undefined;
    if (bytes > 0) return new TextDecoder().decode(buffer.subarray(0, bytes));
    if (Date.now() > deadline) throw new Error(`no message on fd ${fd} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function request(fd: number, text: string | Uint8Array): Promise<unknown> {
  unixSendmsg(fd, typeof text === 'string' ? new TextEncoder().encode(text) : text);
  return JSON.parse((await receive(fd)) ?? 'null') as unknown;
}

async function connect(eal: Eal): Promise<number> {
  const fd = unixConnect(eal.telemetryPath ?? '', { type: 'seqpacket' });
  const info = JSON.parse((await receive(fd)) ?? '{}') as Record<string, unknown>;
  expect(info).toEqual({ version: expect.stringMatching(/^nic /) as unknown, pid: process.pid, max_output_len: 16384 });
  return fd;
}

/** Python's start-up is slow on a loaded machine: each test here runs the client once or twice. */
const CLIENT_TEST_MS = 90_000;

describe("DPDK's dpdk-telemetry.py as the client (Debian's dpdk package, installed by tools/setup-host.sh)", { timeout: CLIENT_TEST_MS }, () => {
  it('finds the socket by file prefix and reads the command list, /info, /help and the EAL commands', async () => {
    const eal = await start();
    expect(eal.telemetryPath).toBe(`${runtimeDir(eal.filePrefix)}/${TELEMETRY_SOCKET_NAME}`);
    const [list, info, help, params, appParams, lcores, lcore] = await dpdkClient(eal.filePrefix, [
      '/',
      '/info',
      '/help,/ethdev/stats',
      '/eal/params',
      '/eal/app_params',
      '/eal/lcore/list',
      '/eal/lcore/info,0',
    ]);
    const commands = (list as Record<string, string[]>)['/'];
    expect(commands).toEqual(expect.arrayContaining(['/', '/info', '/help', '/eal/params', '/eal/lcore/list', '/mempool/list', '/mempool/info']));
    expect(commands).toEqual([...commands].sort());
    expect(info).toEqual({ '/info': { version: expect.stringMatching(/^nic /) as unknown, pid: process.pid, max_output_len: 16384 } });
    // /ethdev/stats is @nic/ethdev's: not imported here, so /help knows nothing of it.
    expect(help).toEqual({ '/help': null });
    expect(params).toEqual({ '/eal/params': ['tel-test', '--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', eal.filePrefix] });
    expect(appParams).toEqual({ '/eal/app_params': ['--app-opt'] });
    expect(lcores).toEqual({ '/eal/lcore/list': [0] });
    expect(lcore).toEqual({ '/eal/lcore/info': { lcore_id: 0, socket: 0, role: 'RTE', cpuset: [...eal.lcores.cpus(0)] } });
  });

  it('reports the mempools of the instance', async () => {
    const eal = await start();
    const pool = Mempool.create(eal.arena, 'tel_pool', 63, 200, { cacheSize: 8 });
    const [list, info, missing, none] = await dpdkClient(eal.filePrefix, ['/mempool/list', '/mempool/info,tel_pool', '/mempool/info,nope', '/mempool/info']);
    expect(list).toEqual({ '/mempool/list': ['tel_pool'] });
    expect(info).toMatchObject({ '/mempool/info': { name: 'tel_pool', size: 63, elt_size: 200, cache_size: 8, populated_size: 63, mz_name: 'MP_tel_pool' } });
    expect(missing).toEqual({ '/mempool/info': {} });
    expect(none).toEqual({ '/mempool/info': null });
    pool.free();
  });
});

describe('telemetry socket', { timeout: CLIENT_TEST_MS }, () => {
  it('answers unknown commands, empty ones and garbage with null, as DPDK does', async () => {
    const eal = await start();
    const fd = await connect(eal);
    try {
      expect(await request(fd, '/nope')).toEqual({ '/nope': null });
      expect(await request(fd, ',,,')).toEqual({ none: null });
      expect(await request(fd, ',,/info')).toMatchObject({ '/info': { pid: process.pid } });
      expect(await request(fd, new Uint8Array([0xff, 0xfe, 0x22, 0x5c, 0x00, 0x41]))).toEqual({ '\ufffd\ufffd"\\': null });
      const long = `/${'x'.repeat(2000)}`;
      expect(await request(fd, long)).toEqual({ [long.slice(0, 56)]: null });
      expect(await request(fd, '/help')).toEqual({ '/help': null });
      expect(await request(fd, '/help,/info')).toEqual({ '/help': { '/info': 'Returns DPDK Telemetry information. Takes no parameters' } });
    } finally {
      closeFd(fd);
    }
  });

  it('answers null to a command that throws, logs it, and keeps serving', async () => {
    const eal = await start();
    const throwing = (): never => {
      throw new Error('boom');
    };
    registerTelemetryCommand('/newuser/throws', throwing, 'Throws. Takes no parameters');
    const fd = await connect(eal);
    try {
      expect(await request(fd, '/newuser/throws')).toEqual({ '/newuser/throws': null });
      expect(await request(fd, '/eal/lcore/list')).toEqual({ '/eal/lcore/list': [0] });
    } finally {
      closeFd(fd);
      unregisterTelemetryCommand('/newuser/throws');
    }
  });

  it(`serves ${TELEMETRY_MAX_CONNECTIONS} clients at once and closes the next one at once`, async () => {
    const eal = await start();
    const fds: number[] = [];
    try {
      for (let i = 0; i < TELEMETRY_MAX_CONNECTIONS; i++) fds.push(await connect(eal));
      const extra = unixConnect(eal.telemetryPath ?? '', { type: 'seqpacket' });
      expect(await receive(extra)).toBeUndefined();
      closeFd(extra);
      for (const fd of fds) expect(await request(fd, '/eal/lcore/list')).toEqual({ '/eal/lcore/list': [0] });
      closeFd(fds.pop() ?? -1);
      // A place is free again once the server has seen the close.
      await expect.poll(async () => {
        const fd = unixConnect(eal.telemetryPath ?? '', { type: 'seqpacket' });
        const message = await receive(fd);
        if (message) fds.push(fd);
        else closeFd(fd);
        return message !== undefined;
      }, { timeout: 20_000 }).toBe(true);
    } finally {
      for (const fd of fds) closeFd(fd);
    }
  });

  it('drops a client that never reads its replies, and serves the others', async () => {
    const eal = await start();
    const greedy = await connect(eal);
    const polite = await connect(eal);
    try {
      const ask = new TextEncoder().encode('/');
      // Requests until the server gives up on the client: its replies fill the socket buffer.
      await expect.poll(() => {
        try {
          return unixSendmsg(greedy, ask) < 0;
        } catch {
          return true;
        }
      }, { timeout: 30_000, interval: 1 }).toBe(true);
      expect(await request(polite, '/eal/lcore/list')).toEqual({ '/eal/lcore/list': [0] });
    } finally {
      closeFd(greedy);
      closeFd(polite);
    }
  });

  it('takes the next instance number past a live socket, reuses a dead one, and removes its files at cleanup', async () => {
    const prefix = `newuser-tel-${process.pid}-${serial++}`;
    const dir = runtimeDir(prefix);
    mkdirSync(dir, { recursive: true });
    const plain = join(dir, TELEMETRY_SOCKET_NAME);
    const other = unixListen(plain, { type: 'seqpacket' });
    try {
      const { eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', prefix]);
      live.push(eal);
      expect(eal.telemetryPath).toBe(`${plain}:1`);
      const [lcores] = await dpdkClientArgs(['-f', prefix, '-i', '1'], ['/eal/lcore/list']);
      expect(lcores).toEqual({ '/eal/lcore/list': [0] });
      await eal.cleanup();
      expect(existsSync(`${plain}:1`)).toBe(false);
      expect(existsSync(plain)).toBe(true);
    } finally {
      closeFd(other);
    }
    // `plain` is now a socket file nobody listens on, as a crashed process leaves it.
    const { eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', prefix]);
    live.push(eal);
    expect(eal.telemetryPath).toBe(plain);
    await eal.cleanup();
    expect(existsSync(dir)).toBe(false);
  });

  it('serves nothing with --no-telemetry', async () => {
    const eal = await start('--no-telemetry');
    expect(eal.telemetryPath).toBeUndefined();
    expect(existsSync(runtimeDir(eal.filePrefix))).toBe(false);
  });
});
