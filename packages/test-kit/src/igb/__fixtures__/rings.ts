/** The shared ring helpers bound to the 82576's registers, and its rx/tx enables. */
import { RxRing as AnyRxRing, TxRing as AnyTxRing, type RingModel, type TestMemory } from '../../model/__fixtures__/rings.js';
import type { IgbModel } from '../model.js';
import * as R from '../regs.js';

export { BROADCAST, CMD_DEXT, CMD_EOP, CMD_IFCS, CMD_RS, CMD_VLE, DATA_CMD, DTYP_CTXT, DTYP_DATA, frameTo, PAYLEN_SHIFT, TEST_IOVA, TestMemory } from '../../model/__fixtures__/rings.js';

/** An rx ring on an 82576 queue. */
export class RxRing extends AnyRxRing {
  constructor(model: RingModel, mem: TestMemory, queue = 0, count = 32, bufSize = 2048) {
    super(R, model, mem, queue, count, bufSize);
  }
}

/** A tx ring on an 82576 queue. */
export class TxRing extends AnyTxRing {
  constructor(model: RingModel, mem: TestMemory, queue = 0, count = 32, bufSize = 2048) {
    super(R, model, mem, queue, count, bufSize);
  }
}

/** Receive on (with `extra` RCTL bits), broadcast accepted, CRC stripped. */
export function enableRx(model: IgbModel, extra = 0): void {
  model.write32(R.RCTL, R.RCTL_EN | R.RCTL_BAM | R.RCTL_SECRC | extra);
}

/** Transmit on, short packets padded. */
export function enableTx(model: IgbModel): void {
  model.write32(R.TCTL, R.TCTL_EN | R.TCTL_PSP);
}
