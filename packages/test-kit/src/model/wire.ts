/**
 * A cable between two modelled ports: what one transmits the other receives, synchronously,
 * inside the transmitting port's tail-register write. Any two ports of this kit's models
 * can be joined (an 82576 to an 82599 too: the cable carries frames, not signals).
 */

/** The cable side of a modelled port. */
export interface WirePort<Outcome extends string = string> {
  /** A frame arriving from the cable (no FCS); what became of it. */
  receiveFrame(frame: Uint8Array): Outcome;
  /** Calls `listener` with every frame the port sends; returns the function that stops it. */
  onTransmit(listener: (frame: Uint8Array) => void): () => void;
  /** Plugs (`true`) or pulls (`false`) the cable at this port. */
  setLink(up: boolean): void;
}

function isPort(p: unknown): p is WirePort {
  const port = p as Partial<WirePort> | null;
  return typeof port === 'object' && port !== null && typeof port.receiveFrame === 'function' && typeof port.onTransmit === 'function' && typeof port.setLink === 'function';
}

/** Two ports joined back to back. */
export class ModelWire<A extends WirePort = WirePort, B extends WirePort = WirePort> {
  readonly a: A;
  readonly b: B;
  readonly #stops: (() => void)[];
  #last: string | undefined;

  /** Joins `a` and `b` (distinct ports) until {@link disconnect}. */
  constructor(a: A, b: B) {
    if (!isPort(a) || !isPort(b)) throw new TypeError('ModelWire: expected two model ports');
    if ((a as WirePort) === b) throw new TypeError('ModelWire: a port cannot be wired to itself');
    this.a = a;
    this.b = b;
    this.#stops = [a.onTransmit((f) => (this.#last = b.receiveFrame(f))), b.onTransmit((f) => (this.#last = a.receiveFrame(f)))];
  }

  /** What became of the last frame the cable carried, at the receiving port. */
  get lastOutcome(): ReturnType<A['receiveFrame']> | ReturnType<B['receiveFrame']> | undefined {
    return this.#last as ReturnType<A['receiveFrame']> | ReturnType<B['receiveFrame']> | undefined;
  }

  /** Plugs (`true`) or pulls (`false`) the cable at both ends. */
  setLink(up: boolean): void {
    this.a.setLink(up);
    this.b.setLink(up);
  }

  /** Cuts the cable: frames no longer cross. */
  disconnect(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }
}
