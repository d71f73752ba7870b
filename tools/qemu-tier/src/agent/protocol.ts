/**
 * The messages between the host and the command agent in the guest: one JSON object per line
 * on the virtio-serial port named {@link AGENT_PORT_NAME}. Output bytes travel as base64 so
 * that binary output survives.
 */

/** The name of the virtio-serial port the agent talks on (`/sys/class/virtio-ports/vportNpM/name`). */
export const AGENT_PORT_NAME = 'nic.agent';

/** Host to guest: start `command` with `sh -c` in `cwd` (default: the checkout), `env` added to the agent's. */
export interface SpawnRequest {
  readonly op: 'spawn';
  readonly id: number;
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** Host to guest: send `signal` to the process group of command `id`. */
export interface KillRequest {
  readonly op: 'kill';
  readonly id: number;
  readonly signal: NodeJS.Signals;
}

/** A message from the host. */
export type AgentRequest = SpawnRequest | KillRequest;

/** Guest to host, once: the agent listens. */
export interface ReadyEvent {
  readonly ev: 'ready';
  /** `uname -r` of the guest. */
  readonly kernel: string;
}

/** Guest to host: bytes (base64) that command `id` wrote to `stream`. */
export interface OutputEvent {
  readonly ev: 'output';
  readonly id: number;
  readonly stream: 'stdout' | 'stderr';
  readonly data: string;
}

/** Guest to host: command `id` ended with `code` (or -1 when `signal` ended it), or could not start (`error`). */
export interface ExitEvent {
  readonly ev: 'exit';
  readonly id: number;
  readonly code: number;
  readonly signal: string | null;
  readonly error?: string;
}

/** A message from the guest. */
export type AgentEvent = ReadyEvent | OutputEvent | ExitEvent;

/** One message as a line of the channel. */
export function encodeMessage(message: AgentRequest | AgentEvent): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Splits a byte stream into lines: feed it chunks, it calls `onLine` for each complete line
 * (without its `\n` or `\r\n`: a serial console ends lines with both) and keeps the
 * incomplete tail for the next chunk.
 */
export class LineSplitter {
  private tail = '';

  constructor(private readonly onLine: (line: string) => void) {}

  /** Adds `chunk` (UTF-8) to the stream. */
  push(chunk: Buffer | string): void {
    const lines = (this.tail + chunk.toString()).split(/\r?\n/);
    this.tail = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }
}
