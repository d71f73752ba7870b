/**
 * The host's end of the command agent (see `agent/main.ts`): starts commands in the guest and
 * collects their output and exit status.
 */
import type { Socket } from 'node:net';
import { NicError } from '@nic/native';
import { LineSplitter, encodeMessage, type AgentEvent, type AgentRequest, type ReadyEvent } from './agent/protocol.js';
import { withTimeout } from './deadline.js';
import { Lines } from './lines.js';

/** How a command runs in the guest. */
export interface RunOptions {
  /** Variables added to the agent's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The working directory (default: the checkout). */
  readonly cwd?: string;
}

/** How {@link AgentClient.run} runs a command. */
export interface RunToEndOptions extends RunOptions {
  /** How long the command may take before it is killed and the run fails (default 60 s). */
  readonly timeoutMs?: number;
}

/** How a command ended. */
export interface RunResult {
  /** The exit status, or -1 when a signal ended it. */
  readonly code: number;
  /** The signal that ended it, if one did. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command running in the guest. */
export interface GuestProcess {
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /**
   * The first line of its output (stdout or stderr) matching `pattern`, printed already or later.
   * @throws NicError NIC_EIO when `timeoutMs` (default 30 s) passes first or the command ends first
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) to the command's process group. */
  kill(signal?: NodeJS.Signals): void;
  /** Settles when the command ends; rejects (NicError NIC_EIO) when it cannot start or the guest goes away. */
  readonly done: Promise<RunResult>;
}

/** How long {@link AgentClient.run} lets a command run unless told. */
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;
/** How long {@link GuestProcess.waitFor} waits unless told. */
const DEFAULT_WAIT_MS = 30_000;
/** Characters of output quoted in an error. */
const QUOTED_OUTPUT = 2000;

interface Running {
  readonly command: string;
  readonly stdout: Buffer[];
  readonly stderr: Buffer[];
  readonly lines: Lines;
  readonly settle: (result: RunResult | Error) => void;
}

/** The agent connection of one guest. */
export class AgentClient {
  /** Resolves when the agent says it is ready. */
  readonly ready: Promise<ReadyEvent>;
  private readonly running = new Map<number, Running>();
  private nextId = 1;
  private closed: Error | undefined;

  constructor(private readonly socket: Socket) {
    let ready: (event: ReadyEvent) => void = () => undefined;
    this.ready = new Promise((resolve) => (ready = resolve));
    const splitter = new LineSplitter((line) => {
      if (line.trim() === '') return;
      const event = JSON.parse(line) as AgentEvent;
      if (event.ev === 'ready') ready(event);
      else this.onEvent(event);
    });
    socket.on('data', (chunk) => splitter.push(chunk));
    // A reset when QEMU ends is reported by the owner, which watches QEMU's exit.
    socket.on('error', () => undefined);
  }

  /** Starts `command` (a `sh -c` script) in the guest. */
  spawn(command: string, options: RunOptions = {}): GuestProcess {
    const id = this.nextId++;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const lines = new Lines();
    let settle: (result: RunResult | Error) => void = () => undefined;
    const done = new Promise<RunResult>((resolve, reject) => {
      settle = (result) => {
        this.running.delete(id);
        const error = result instanceof Error ? result : new NicError('NIC_EIO', `guest command ${JSON.stringify(command)} ended (${describeEnd(result)}) before the line awaited`);
        lines.end(error);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
    });
    // A caller that only waits for lines must not see `done` reject unhandled.
    done.catch(() => undefined);
    if (this.closed) settle(this.closed);
    else {
      this.running.set(id, { command, stdout, stderr, lines, settle });
      this.send({ op: 'spawn', id, command, env: options.env ?? {}, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
    }
    return {
      get stdout() {
        return text(stdout);
      },
      get stderr() {
        return text(stderr);
      },
      waitFor: (pattern, timeoutMs = DEFAULT_WAIT_MS) => lines.waitFor(pattern, timeoutMs, `output of ${JSON.stringify(command)}`),
      kill: (signal = 'SIGTERM') => {
        if (this.running.has(id)) this.send({ op: 'kill', id, signal });
      },
      done,
    };
  }

  /**
   * Runs `command` in the guest to its end. A non-zero exit status is a result, not an error.
   * @throws NicError NIC_EIO when it runs longer than `timeoutMs` (it is killed; the message holds its output so far) or the guest goes away
   */
  async run(command: string, options: RunToEndOptions = {}): Promise<RunResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const process = this.spawn(command, options);
    try {
      return await withTimeout(process.done, timeoutMs, `guest command ${JSON.stringify(command)}`, () =>
        `; its output so far:\n${(process.stdout + process.stderr).slice(-QUOTED_OUTPUT)}`,
      );
    } catch (e) {
      process.kill('SIGKILL');
      throw e;
    }
  }

  /** The guest is gone: running and later commands fail with `error`. */
  close(error: Error): void {
    this.closed = error;
    for (const running of this.running.values()) running.settle(error);
    this.socket.destroy();
  }

  private send(request: AgentRequest): void {
    this.socket.write(encodeMessage(request));
  }

  private onEvent(event: Exclude<AgentEvent, ReadyEvent>): void {
    const running = this.running.get(event.id);
    if (running === undefined) return;
    if (event.ev === 'output') {
      const data = Buffer.from(event.data, 'base64');
      running[event.stream].push(data);
      running.lines.push(data, event.stream);
    } else if (event.error !== undefined) {
      running.settle(new NicError('NIC_EIO', `guest command ${JSON.stringify(running.command)} could not start: ${event.error}`));
    } else {
      running.settle({ code: event.code, signal: event.signal, stdout: text(running.stdout), stderr: text(running.stderr) });
    }
  }
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString();
}

function describeEnd(result: RunResult): string {
  return result.signal === null ? `status ${result.code}` : `signal ${result.signal}`;
}
