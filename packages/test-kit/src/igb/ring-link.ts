/** Joining a modelled 82576 port to a net_ring port (see {@link RingLink}). */
import { RingLink, type RingLinkOptions } from '../model/ring-link.js';
import { IgbModel } from './model.js';

/** Options of {@link IgbRingLink}. */
export type IgbRingLinkOptions = RingLinkOptions;

/** An {@link IgbModel} port joined to the rings of a net_ring port. */
export class IgbRingLink extends RingLink {
  /** Creates the two rings and starts copying `model`'s transmissions into them. */
  constructor(model: IgbModel, options: IgbRingLinkOptions) {
    if (!(model instanceof IgbModel)) throw new TypeError('IgbRingLink: expected an IgbModel');
    super(model, options);
  }
}
