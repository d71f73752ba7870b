/**
 * Ring access for the AF_PACKET and TAP tests: reads frames off a TPACKET_V3 rx ring and
 * writes them into its tx ring. The kernel network itself (veth pairs, link state, test
 * frames) comes from this package's `./testing` entry, which @nic/test-kit re-exports.
 */
import { isTestFrame as isTestEtherFrame, kernelTierMissing, until } from '../testing/index.js';
import {
  BD_BLOCK_STATUS,
  BD_NUM_PKTS,
  BD_OFFSET_TO_FIRST_PKT,
  packetTxFrameOffset,
  packetTxKick,
  TP3_LEN,
  TP3_MAC,
  TP3_NEXT_OFFSET,
  TP3_SIZE,
  TP3_SNAPLEN,
  TP3_STATUS,
  TP_STATUS_AVAILABLE,
  TP_STATUS_KERNEL,
  TP_STATUS_SEND_REQUEST,
  TP_STATUS_USER,
  TPACKET3_TX_DATA_OFFSET,
  SLL_PKTTYPE,
  type PacketSocket,
} from '../index.js';

/**
 * Why the kernel-tier tests cannot run on this machine (root, iproute2, /dev/net/tun), or
 * undefined when they can; the skip line is printed once.
 */
export const KERNEL_TIER_MISSING = kernelTierMissing('AF_PACKET, TAP and interface', { tun: true });

/** One packet taken from an rx ring. */
export interface RingPacket {
  readonly data: Uint8Array;
  readonly len: number;
  readonly snaplen: number;
  readonly status: number;
  readonly pktType: number;
}

/** Simple, allocating access to the rings of a PacketSocket, for checking what it carries. */
export class RingAccess {
  readonly #socket: PacketSocket;
  readonly #u8: Uint8Array;
  readonly #dv: DataView;
  #rxBlock = 0;
  #txFrame = 0;

  constructor(socket: PacketSocket) {
    this.#socket = socket;
    this.#u8 = new Uint8Array(socket.ring.buffer);
    this.#dv = new DataView(socket.ring.buffer);
  }

  /** Every packet in the blocks handed over so far, in order; the blocks go back to the kernel. */
  take(): RingPacket[] {
    const { blockSize, blockCount } = this.#socket.geometry;
    const packets: RingPacket[] = [];
    for (let seen = 0; seen < blockCount; seen++) {
      const block = this.#rxBlock * blockSize;
      if ((this.#dv.getUint32(block + BD_BLOCK_STATUS, true) & TP_STATUS_USER) === 0) break;
      let at = block + this.#dv.getUint32(block + BD_OFFSET_TO_FIRST_PKT, true);
      const count = this.#dv.getUint32(block + BD_NUM_PKTS, true);
      for (let i = 0; i < count; i++) {
        const snaplen = this.#dv.getUint32(at + TP3_SNAPLEN, true);
        const mac = at + this.#dv.getUint16(at + TP3_MAC, true);
        packets.push({
          data: this.#u8.slice(mac, mac + snaplen),
          len: this.#dv.getUint32(at + TP3_LEN, true),
          snaplen,
          status: this.#dv.getUint32(at + TP3_STATUS, true),
          pktType: this.#u8[at + TP3_SIZE + SLL_PKTTYPE],
        });
        at += this.#dv.getUint32(at + TP3_NEXT_OFFSET, true);
      }
      this.#dv.setUint32(block + BD_BLOCK_STATUS, TP_STATUS_KERNEL, true);
      this.#rxBlock = (this.#rxBlock + 1) % blockCount;
    }
    return packets;
  }

  /** Puts `frames` in the tx ring (without kicking); returns how many fitted. */
  queue(frames: readonly Uint8Array[]): number {
    const g = this.#socket.geometry;
    let n = 0;
    for (const frame of frames) {
      const at = packetTxFrameOffset(g, this.#txFrame);
      if (this.#dv.getUint32(at + TP3_STATUS, true) !== TP_STATUS_AVAILABLE) break;
      this.#u8.set(frame, at + TPACKET3_TX_DATA_OFFSET);
      this.#dv.setUint32(at + TP3_LEN, frame.length, true);
      this.#dv.setUint32(at + TP3_STATUS, TP_STATUS_SEND_REQUEST, true);
      this.#txFrame = (this.#txFrame + 1) % g.frameCount;
      n++;
    }
    return n;
  }

  /** Queues `frames` and kicks; returns what the kick returned. */
  send(frames: readonly Uint8Array[]): number {
    if (this.queue(frames) !== frames.length) throw new Error('the tx ring is full');
    return packetTxKick(this.#socket.fd);
  }

  /** Status of tx frame `i`. */
  txStatus(i: number): number {
    return this.#dv.getUint32(packetTxFrameOffset(this.#socket.geometry, i) + TP3_STATUS, true);
  }
}

/** Waits until `access` has received packets for which `keep` holds, at least `count` of them, and returns them. */
export async function receive(access: RingAccess, count: number, keep: (p: RingPacket) => boolean = isTestFrame): Promise<RingPacket[]> {
  const got: RingPacket[] = [];
  await until(`${count} packets`, () => {
    got.push(...access.take().filter(keep));
    return got.length >= count;
  });
  return got;
}

/** Whether a packet is one a test sent (see `testFrame`). */
function isTestFrame(p: RingPacket): boolean {
  return p.data.length >= 14 && isTestEtherFrame(p.data);
}
