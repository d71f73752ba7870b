/**
 * The MAC statistics registers both Intel datasheets (82576 and 82599) place at the same
 * offsets of the statistics block (byte offsets into the register BAR).
 */

export const CRCERRS = 0x4000;
export const PRC64 = 0x405c;
export const PRC127 = 0x4060;
export const PRC255 = 0x4064;
export const PRC511 = 0x4068;
export const PRC1023 = 0x406c;
export const PRC1522 = 0x4070;
export const GPRC = 0x4074;
export const BPRC = 0x4078;
export const MPRC = 0x407c;
export const GPTC = 0x4080;
export const GORCL = 0x4088;
export const GORCH = 0x408c;
export const GOTCL = 0x4090;
export const GOTCH = 0x4094;
export const RUC = 0x40a4;
export const RFC = 0x40a8;
export const ROC = 0x40ac;
export const RJC = 0x40b0;
export const TORL = 0x40c0;
export const TORH = 0x40c4;
export const TPR = 0x40d0;
export const TPT = 0x40d4;
export const PTC64 = 0x40d8;
export const PTC127 = 0x40dc;
export const PTC255 = 0x40e0;
export const PTC511 = 0x40e4;
export const PTC1023 = 0x40e8;
export const PTC1522 = 0x40ec;
export const MPTC = 0x40f0;
export const BPTC = 0x40f4;
