/**
 * The command agent: PID 1's child in the guest, started by `guest/init.sh` inside the chroot
 * of the shared host root, with the checkout as its working directory. It reads
 * {@link AgentRequest}s from the virtio-serial port given as its argument, runs each command
 * with `sh -c` in a process group of its own, and reports its output and exit as
 * {@link AgentEvent}s. Several commands may run at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, openSync } from 'node:fs';
import { release } from 'node:os';
import { dirname } from 'node:path';
import { LineSplitter, encodeMessage, type AgentEvent, type AgentRequest, type SpawnRequest } from './protocol.js';

/** The PATH of commands: the usual directories, after the one of the node running this agent. */
const PATH = [dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');

const portPath = process.argv[2];
if (portPath === undefined) throw new Error('usage: agent.js <virtio-serial port>');

// A virtio-serial port opens once at a time: one descriptor serves both directions.
const port = openSync(portPath, 'r+');
const out = createWriteStream('', { fd: port, autoClose: false });
const children = new Map<number, ChildProcess>();

function send(event: AgentEvent): void {
  out.write(encodeMessage(event));
}

function start(request: SpawnRequest): void {
  const child = spawn('/bin/sh', ['-c', request.command], {
    cwd: request.cwd ?? process.cwd(),
    env: { ...process.env, PATH, ...request.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.set(request.id, child);
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (data: Buffer) => send({ ev: 'output', id: request.id, stream, data: data.toString('base64') }));
  }
  let error: string | undefined;
  child.on('error', (e) => (error = e.message));
  child.on('close', (code, signal) => {
    children.delete(request.id);
    send({ ev: 'exit', id: request.id, code: code ?? -1, signal, ...(error === undefined ? {} : { error }) });
  });
}

function handle(request: AgentRequest): void {
  if (request.op === 'spawn') start(request);
  else {
    const pid = children.get(request.id)?.pid;
    try {
      // The negative pid names the command's process group, so `sh -c`'s children go too.
      if (pid !== undefined) process.kill(-pid, request.signal);
    } catch {
      // The group ended meanwhile; its exit event is on its way.
    }
  }
}

const splitter = new LineSplitter((line) => {
  if (line.trim() !== '') handle(JSON.parse(line) as AgentRequest);
});
createReadStream('', { fd: port }).on('data', (chunk) => splitter.push(chunk));
send({ ev: 'ready', kernel: release() });
