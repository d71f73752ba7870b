/** Link state as the MAC reports it in STATUS. */
import type { IntelHw, IntelLink } from '@nic/intel-common';
import { STATUS, STATUS_FD, STATUS_LU, STATUS_SPEED_100, STATUS_SPEED_1000, STATUS_SPEED_MASK } from './regs.js';

const SPEED_10 = 10;
const SPEED_100 = 100;
const SPEED_1000 = 1000;

/** Reads the link from STATUS. */
export function readHwLink(hw: IntelHw): IntelLink {
  const status = hw.read(STATUS);
  if ((status & STATUS_LU) === 0) return { up: false, speed: 0, fullDuplex: false };
  const bits = status & STATUS_SPEED_MASK;
  const speed = bits === STATUS_SPEED_1000 ? SPEED_1000 : bits === STATUS_SPEED_100 ? SPEED_100 : SPEED_10;
  return { up: true, speed, fullDuplex: (status & STATUS_FD) !== 0 };
}
