/**
 * A QMP (QEMU Machine Protocol) client on a connected socket: the capabilities handshake,
 * commands matched to their answers by `id`, and every asynchronous event kept in order.
 */
import type { Socket } from 'node:net';
import { NicError } from '@nic/native';
import { LineSplitter } from './agent/protocol.js';

/** An asynchronous event QEMU sent, e.g. `DEVICE_DELETED`. */
export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  readonly timestamp: { readonly seconds: number; readonly microseconds: number };
}

/** How {@link QmpClient.waitForEvent} selects an event. */
export interface EventQuery {
  /** Consider only events from this index of {@link QmpClient.events} on (default: all). */
  readonly since?: number;
  /** Also required of the event. */
  readonly match?: (event: QmpEvent) => boolean;
}

interface QmpMessage {
  QMP?: unknown;
  id?: number;
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
}

interface Pending {
  readonly command: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** One QMP connection. */
export class QmpClient {
  /** Every event received so far, oldest first. */
  readonly events: QmpEvent[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<() => void>();
  private nextId = 1;
  private closed: Error | undefined;
  private readonly greeting: Promise<void>;

  constructor(private readonly socket: Socket) {
    let greeted: () => void = () => undefined;
    this.greeting = new Promise((resolve) => (greeted = resolve));
    const splitter = new LineSplitter((line) => {
      if (line.trim() === '') return;
      const message = JSON.parse(line) as QmpMessage;
      if (message.QMP !== undefined) greeted();
      else if (message.event !== undefined) {
        this.events.push(message as QmpEvent);
        for (const listener of this.eventListeners) listener();
      } else if (message.id !== undefined) this.answer(message);
    });
    socket.on('data', (chunk) => splitter.push(chunk));
    // A reset when QEMU ends is reported by the owner, which watches QEMU's exit.
    socket.on('error', () => undefined);
  }

  /** Waits for QEMU's greeting and leaves capabilities negotiation mode. */
  async handshake(): Promise<void> {
    await this.greeting;
    await this.execute('qmp_capabilities');
  }

  /**
   * Runs QMP command `command` with `args` and returns what it returned.
   * @throws NicError NIC_EIO when QEMU answers with an error (its class and description in the message) or the connection is gone
   */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  }

  /**
   * The first event named `name` that satisfies `query`, among those received already or
   * later.
   * @throws NicError NIC_EIO when `timeoutMs` passes first or the connection is gone
   */
  waitForEvent(name: string, timeoutMs: number, query: EventQuery = {}): Promise<QmpEvent> {
    const find = (): QmpEvent | undefined =>
      this.events.slice(query.since ?? 0).find((e) => e.event === name && (query.match?.(e) ?? true));
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer);
        this.eventListeners.delete(check);
      };
      const check = (): void => {
        const event = find();
        if (event) {
          stop();
          resolve(event);
        } else if (this.closed) {
          stop();
          reject(this.closed);
        }
      };
      const timer = setTimeout(() => {
        stop();
        reject(new NicError('NIC_EIO', `timed out after ${timeoutMs} ms waiting for QMP event ${name}`));
      }, timeoutMs);
      this.eventListeners.add(check);
    });
  }

  /** The connection is gone: pending and later commands and waits fail with `error`. */
  close(error: Error): void {
    this.closed = error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    for (const listener of this.eventListeners) listener();
    this.socket.destroy();
  }

  private answer(message: QmpMessage): void {
    const pending = this.pending.get(message.id as number);
    if (pending === undefined) return;
    this.pending.delete(message.id as number);
    if (message.error) pending.reject(new NicError('NIC_EIO', `QMP ${pending.command} failed: ${message.error.class}: ${message.error.desc}`));
    else pending.resolve(message.return);
  }
}
