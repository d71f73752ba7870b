/** The shared ring helpers, and the 82576's rx/tx enables. */
import type { IgbModel } from '../model.js';
import * as R from '../regs.js';

export { BROADCAST, CMD_DEXT, CMD_EOP, CMD_IFCS, CMD_RS, CMD_VLE, DATA_CMD, DTYP_CTXT, DTYP_DATA, frameTo, PAYLEN_SHIFT, RxRing, TEST_IOVA, TestMemory, TxRing, vlanFrame } from '../../model/__fixtures__/rings.js';

/** Receive on (with `extra` RCTL bits), broadcast accepted, CRC stripped. */
export function enableRx(model: IgbModel, extra = 0): void {
  model.write32(R.RCTL, R.RCTL_EN | R.RCTL_BAM | R.RCTL_SECRC | extra);
}

/** Transmit on, short packets padded. */
export function enableTx(model: IgbModel): void {
  model.write32(R.TCTL, R.TCTL_EN | R.TCTL_PSP);
}
