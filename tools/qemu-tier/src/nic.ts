/**
 * The host's end of one guest igb: a UDP socket on 127.0.0.1 that QEMU's `dgram` netdev
 * exchanges the NIC's frames with, one Ethernet frame per datagram (no FCS).
 */
import { createSocket, type Socket } from 'node:dgram';
import { NicError } from '@nic/native';
import { LOOPBACK } from './qemu-args.js';

/** How {@link GuestNic.receive} waits. */
export interface ReceiveOptions {
  /** How long to wait for all `count` frames (default 5 s). */
  readonly timeoutMs?: number;
  /** Frames for which it returns false are dropped (e.g. the guest kernel's own traffic). */
  readonly filter?: (frame: Uint8Array) => boolean;
}

/** How long {@link GuestNic.receive} waits unless told. */
const DEFAULT_RECEIVE_MS = 5000;
/**
 * Frames a NIC keeps for {@link GuestNic.receive} unless told: about 10 MB of 64-byte frames. A
 * guest app sending at line rate into a host end nobody reads would otherwise fill the host's
 * memory (300 kpps in txonly: gigabytes in minutes).
 */
export const DEFAULT_QUEUED_FRAMES = 65536;

/** A host-side UDP socket bound to 127.0.0.1 on a port the kernel chose. */
export function bindLoopbackSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** One igb function of the guest, as the host sees it. */
export class GuestNic {
  private readonly queue: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private droppedFrames = 0;

  /**
   * @param index its position in `Guest.nics`
   * @param pciAddress its address inside the guest, e.g. `0000:01:00.0`
   * @param mac its MAC address, lower case with colons
   * @param socket the host end (bound; see {@link bindLoopbackSocket})
   * @param qemuPort the UDP port QEMU receives this NIC's incoming frames on
   * @param maxQueued frames kept for {@link GuestNic.receive}; later ones are dropped (and counted) until it takes some
   */
  constructor(
    readonly index: number,
    readonly pciAddress: string,
    readonly mac: string,
    private readonly socket: Socket,
    readonly qemuPort: number,
    private readonly maxQueued = DEFAULT_QUEUED_FRAMES,
  ) {
    socket.on('message', (frame) => {
      if (this.queue.length >= this.maxQueued) {
        this.droppedFrames++;
        return;
      }
      this.queue.push(new Uint8Array(frame));
      this.wake?.();
    });
  }

  /** Frames dropped because {@link GuestNic.receive} had this NIC's queue full, as a NIC's full rx ring drops them. */
  get dropped(): number {
    return this.droppedFrames;
  }

  /** Frames received and not yet returned by {@link GuestNic.receive}. */
  get queued(): number {
    return this.queue.length;
  }

  /** The UDP port the host end is bound to (QEMU sends the NIC's transmitted frames there). */
  get hostPort(): number {
    return this.socket.address().port;
  }

  /**
   * Puts `frame` (an Ethernet frame without FCS) on the NIC's wire: the guest NIC receives it.
   * @throws NicError NIC_EIO when the socket is closed or the send fails
   */
  send(frame: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new NicError('NIC_EIO', `nic ${this.index} (${this.pciAddress}) is closed`));
    return new Promise((resolve, reject) => {
      this.socket.send(frame, this.qemuPort, LOOPBACK, (e) =>
        e ? reject(new NicError('NIC_EIO', `sending a frame to nic ${this.index} failed: ${e.message}`, { cause: e })) : resolve(),
      );
    });
  }

  /**
   * The next `count` frames the guest NIC transmitted (those received since the last call
   * first), without the ones `filter` drops. One call at a time per NIC.
   * @throws NicError NIC_EIO when fewer arrive within `timeoutMs` (the message says how many did)
   */
  async receive(count: number, options: ReceiveOptions = {}): Promise<Uint8Array[]> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_RECEIVE_MS;
    const deadline = Date.now() + timeoutMs;
    const frames: Uint8Array[] = [];
    while (frames.length < count) {
      const frame = this.queue.shift();
      if (frame !== undefined) {
        if (options.filter?.(frame) ?? true) frames.push(frame);
        continue;
      }
      const left = deadline - Date.now();
      if (this.closed || left <= 0) {
        const drops = this.droppedFrames === 0 ? '' : ` (${this.droppedFrames} dropped at a full queue so far)`;
        throw new NicError('NIC_EIO', `nic ${this.index} (${this.pciAddress}): ${frames.length} of ${count} frames arrived within ${timeoutMs} ms${drops}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return frames;
  }

  /** Drops the frames received and not yet returned by {@link GuestNic.receive}. */
  discard(): void {
    this.queue.length = 0;
  }

  /** Closes the host end; later sends fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.socket.close();
  }
}

/**
 * A UDP port on 127.0.0.1 that is free now, for QEMU to bind (the socket that found it is
 * closed again, so another program could take it in between; QEMU then fails to start and
 * says so).
 */
export async function freeLoopbackPort(): Promise<number> {
  const socket = await bindLoopbackSocket();
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
