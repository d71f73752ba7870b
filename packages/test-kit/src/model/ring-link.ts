/**
 * Joining a modelled port to a net_ring port (`@nic/pmd-ring`): frames the model transmits
 * are copied into mbufs and enqueued on the ring the net_ring port receives from; {@link
 * RingLink.pump} moves what the net_ring port transmitted into the model's receive
 * path. Create the net_ring port on the link's rings:
 * `ringPort(eal, 'peer', [link.toRing], [link.fromRing])`.
 */
import { MbufView, Ring, RING_F_SC_DEQ, RING_F_SP_ENQ, type Eal, type Mempool } from '@nic/eal';
import type { WirePort } from './wire.js';

/** Options of {@link RingLink}. */
export interface RingLinkOptions {
  /** The EAL instance whose arena holds the rings and mbufs. */
  readonly eal: Eal;
  /** Pool of the mbufs frames from the model are copied into. */
  readonly pool: Mempool;
  /** Prefix of the two ring names (`<name>_rx`, `<name>_tx`); short, unique in the arena. */
  readonly name: string;
  /** Ring slots; default 1024. */
  readonly size?: number;
}

const DEFAULT_RING_SIZE = 1024;
const PUMP_BURST = 32;

/** A model port joined to the rings of a net_ring port. */
export class RingLink {
  /** The ring the net_ring port receives from (its rx ring): the model's transmissions. */
  readonly toRing: Ring;
  /** The ring the net_ring port transmits into (its tx ring): the model's receptions. */
  readonly fromRing: Ring;
  readonly #model: WirePort;
  readonly #eal: Eal;
  readonly #pool: Mempool;
  readonly #mbufs: MbufView;
  readonly #stop: () => void;
  readonly #burst = new Uint32Array(PUMP_BURST);
  #dropped = 0;

  /** Creates the two rings and starts copying `model`'s transmissions into them. */
  constructor(model: WirePort, options: RingLinkOptions) {
    if (typeof model?.receiveFrame !== 'function' || typeof model.onTransmit !== 'function') throw new TypeError('RingLink: expected a model port');
    if (typeof options !== 'object' || options === null || typeof options.name !== 'string') throw new TypeError('RingLink: options need eal, pool and name');
    this.#model = model;
    this.#eal = options.eal;
    this.#pool = options.pool;
    this.#mbufs = new MbufView(options.eal.arena);
    const size = options.size ?? DEFAULT_RING_SIZE;
    const flags = RING_F_SP_ENQ | RING_F_SC_DEQ;
    this.toRing = Ring.create(options.eal.arena, `${options.name}_rx`, size, flags);
    try {
      this.fromRing = Ring.create(options.eal.arena, `${options.name}_tx`, size, flags);
    } catch (e) {
      this.toRing.free();
      throw e;
    }
    this.#stop = model.onTransmit((frame) => this.#forward(frame));
  }

  /** Frames of the model that found no mbuf, did not fit one, or found the ring full. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Offers every packet the net_ring port transmitted to the model's receive path (freeing
   * the mbufs). Returns how many packets it moved.
   */
  pump(): number {
    let moved = 0;
    for (;;) {
      const n = this.fromRing.dequeueBurst(this.#burst, PUMP_BURST);
      for (let i = 0; i < n; i++) {
        const h = this.#burst[i];
        const frame = new Uint8Array(this.#mbufs.pktLen(h));
        this.#mbufs.read(h, 0, frame.length, frame);
        this.#mbufs.free(h);
        this.#model.receiveFrame(frame);
      }
      moved += n;
      if (n < PUMP_BURST) return moved;
    }
  }

  /** Stops forwarding, frees what the rings still hold and the rings themselves. */
  close(): void {
    this.#stop();
    for (const ring of [this.toRing, this.fromRing]) {
      for (let n = ring.dequeueBurst(this.#burst, PUMP_BURST); n > 0; n = ring.dequeueBurst(this.#burst, PUMP_BURST)) this.#mbufs.freeBulk(this.#burst, n);
      ring.free();
    }
  }

  #forward(frame: Uint8Array): void {
    const h = this.#mbufs.alloc(this.#pool);
    if (h === 0) {
      this.#dropped++;
      return;
    }
    const at = this.#mbufs.append(h, frame.length);
    if (at >= 0) this.#eal.arena.u8.set(frame, at);
    if (at < 0 || this.toRing.enqueue(h) !== 0) {
      this.#mbufs.free(h);
      this.#dropped++;
    }
  }
}
