/** A cable between two modelled 82576 ports (see {@link ModelWire}). */
import { ModelWire } from '../model/wire.js';
import { IgbModel } from './model.js';

/** Two {@link IgbModel} ports joined back to back. */
export class IgbWire extends ModelWire<IgbModel, IgbModel> {
  /** Joins `a` and `b` (distinct ports) until {@link disconnect}. */
  constructor(a: IgbModel, b: IgbModel) {
    if (!(a instanceof IgbModel) || !(b instanceof IgbModel)) throw new TypeError('IgbWire: expected two IgbModel ports');
    super(a, b);
  }
}
