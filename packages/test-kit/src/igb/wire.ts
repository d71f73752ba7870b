/**
 * A cable between two modelled ports: what one transmits the other receives, synchronously,
 * inside the transmitting port's TDT write.
 */
import type { IgbRxOutcome } from './rx.js';
import { IgbModel } from './model.js';

/** Two {@link IgbModel} ports joined back to back. */
export class IgbWire {
  readonly a: IgbModel;
  readonly b: IgbModel;
  readonly #stops: (() => void)[];
  #last: IgbRxOutcome | undefined;

  /** Joins `a` and `b` (distinct ports) until {@link disconnect}. */
  constructor(a: IgbModel, b: IgbModel) {
    if (!(a instanceof IgbModel) || !(b instanceof IgbModel)) throw new TypeError('IgbWire: expected two IgbModel ports');
    if (a === b) throw new TypeError('IgbWire: a port cannot be wired to itself');
    this.a = a;
    this.b = b;
    this.#stops = [a.onTransmit((f) => (this.#last = b.receiveFrame(f))), b.onTransmit((f) => (this.#last = a.receiveFrame(f)))];
  }

  /** What became of the last frame the cable carried, at the receiving port. */
  get lastOutcome(): IgbRxOutcome | undefined {
    return this.#last;
  }

  /** Plugs (`true`) or pulls (`false`) the cable at both ends (see {@link IgbModel.setLink}). */
  setLink(up: boolean): void {
    this.a.setLink(up);
    this.b.setLink(up);
  }

  /** Cuts the cable: frames no longer cross. */
  disconnect(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }
}
