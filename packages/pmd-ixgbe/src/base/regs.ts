/**
 * 82599/X540 register offsets in BAR0 and the bits the driver uses, by datasheet name
 * (82599 datasheet section 8, X540 section 8; the same offsets in DPDK's and Linux's
 * `ixgbe_type.h`). Queue registers of queues 64 and up move to a second block.
 */

// --- General ------------------------------------------------------------------------
export const CTRL = 0x00000;
/** Link reset: resets the MAC's link and everything under it. */
export const CTRL_LNK_RST = 0x00000008;
/** Software reset of the function; self-clearing. */
export const CTRL_RST = 0x04000000;
/** Either reset, which the driver waits on. */
export const CTRL_RST_MASK = CTRL_LNK_RST | CTRL_RST;
/** PCIe primary disable (stop issuing DMA before a reset). */
export const CTRL_GIO_DIS = 0x00000004;
export const STATUS = 0x00008;
/** PCIe primary enable status: clear once DMA has stopped after CTRL.GIO_DIS. */
export const STATUS_GIO = 0x00080000;
export const CTRL_EXT = 0x00018;
/** Software says the reset is done (the PF is ready for its VFs). */
export const CTRL_EXT_PFRSTD = 0x00004000;
/** A driver has the device (firmware leaves it alone). */
export const CTRL_EXT_DRV_LOAD = 0x10000000;
/** Extended SDP control; SDP2 reports SFP+ module presence on some 82599 boards. */
export const ESDP = 0x00020;
/** Bit-banged I2C to the SFP+ module's two-wire interface. */
export const I2CCTL = 0x00028;
export const I2C_CLK_IN = 0x00000001;
export const I2C_CLK_OUT = 0x00000002;
export const I2C_DATA_IN = 0x00000004;
export const I2C_DATA_OUT = 0x00000008;

// --- EEPROM ---------------------------------------------------------------------------
export const EEC = 0x10010;
/** EEPROM present. */
export const EEC_PRES = 0x00000100;
/** EEPROM auto-read done (the MAC, among others, is loaded). */
export const EEC_ARD = 0x00000200;
export const EERD = 0x10014;
export const EERD_START = 0x00000001;
export const EERD_DONE = 0x00000002;
/** The word address starts at bit 2 (bit 8 on the 82575/82576). */
export const EERD_ADDR_SHIFT = 2;
export const EERD_DATA_SHIFT = 16;

// --- Interrupts -------------------------------------------------------------------------
/** Extended interrupt cause: read to clear (unless GPIE.OCD) in MSI-X mode for the other causes. */
export const EICR = 0x00800;
export const EICS = 0x00808;
export const EIAC = 0x00810;
export const EIMS = 0x00880;
export const EIMC = 0x00888;
export const EIAM = 0x00890;
/** EIMS/EIMC/EIAM for vectors 0-31 (`_EX(0)`) and 32-63 (`_EX(1)`) in MSI-X mode. */
export function EIMS_EX(i: number): number {
  return 0x00aa0 + 4 * i;
}
export function EIMC_EX(i: number): number {
  return 0x00ab0 + 4 * i;
}
export function EIAM_EX(i: number): number {
  return 0x00ad0 + 4 * i;
}
/** Link status change cause. */
export const EICR_LSC = 0x00100000;
/** Any other cause is active. */
export const EICR_OTHER = 0x80000000;
/** Interrupt throttle of vector `i`. */
export function EITR(i: number): number {
  return i <= 23 ? 0x00820 + 4 * i : 0x12300 + 4 * (i - 24);
}
/** Vector allocation of queue pair `2i` and `2i + 1`: rx at bits 7:0 / 23:16, tx at 15:8 / 31:24. */
export function IVAR(i: number): number {
  return 0x00900 + 4 * i;
}
/** Vector allocation of the TCP timer (bits 7:0) and the other causes (bits 15:8). */
export const IVAR_MISC = 0x00a00;
/** An IVAR entry is valid. */
export const IVAR_ALLOC_VAL = 0x80;
/** Byte of IVAR_MISC that routes the other causes. */
export const IVAR_MISC_OTHER_SHIFT = 8;
export const GPIE = 0x00898;
export const GPIE_MSIX_MODE = 0x00000010;
/** Other clear disable: EICR's other causes clear only by writing ones. */
export const GPIE_OCD = 0x00000020;
/** Extended interrupt auto-mask enable: EIAM applies. */
export const GPIE_EIAME = 0x40000000;
export const GPIE_PBA_SUPPORT = 0x80000000;

// --- Receive ------------------------------------------------------------------------------
const QUEUE_STRIDE = 0x40;
const HIGH_QUEUES = 64;
function rxQueueReg(low: number, high: number, n: number): number {
  return n < HIGH_QUEUES ? low + QUEUE_STRIDE * n : high + QUEUE_STRIDE * (n - HIGH_QUEUES);
}
export const RDBAL = (n: number): number => rxQueueReg(0x01000, 0x0d000, n);
export const RDBAH = (n: number): number => rxQueueReg(0x01004, 0x0d004, n);
export const RDLEN = (n: number): number => rxQueueReg(0x01008, 0x0d008, n);
export const RDH = (n: number): number => rxQueueReg(0x01010, 0x0d010, n);
export const RDT = (n: number): number => rxQueueReg(0x01018, 0x0d018, n);
export const RXDCTL = (n: number): number => rxQueueReg(0x01028, 0x0d028, n);
/** Split and replication receive control: queues 0-15 in a block of their own, then with the queue. */
export function SRRCTL(n: number): number {
  return n <= 15 ? 0x02100 + 4 * n : rxQueueReg(0x01014, 0x0d014, n);
}
export const RXDCTL_ENABLE = 0x02000000;
/** Strip the VLAN tag of this queue's frames. */
export const RXDCTL_VME = 0x40000000;
export const SRRCTL_BSIZEPKT_SHIFT = 10;
export const SRRCTL_BSIZEPKT_MASK = 0x0000001f;
export const SRRCTL_DESCTYPE_ADV_ONEBUF = 0x02000000;
export const SRRCTL_DROP_EN = 0x10000000;
export const RDRXCTL = 0x02f00;
/** Strip the CRC (must agree with HLREG0.RXCRCSTRP). */
export const RDRXCTL_CRCSTRIP = 0x00000002;
/** DMA initialisation done: read-only, set once the device is ready for queue set-up. */
export const RDRXCTL_DMAIDONE = 0x00000008;
export const RXCTRL = 0x03000;
export const RXCTRL_RXEN = 0x00000001;
export const RXCSUM = 0x05000;
export const RXCSUM_PCSD = 0x00002000;
export const FCTRL = 0x05080;
export const FCTRL_SBP = 0x00000002;
export const FCTRL_MPE = 0x00000100;
export const FCTRL_UPE = 0x00000200;
export const FCTRL_BAM = 0x00000400;
export const FCTRL_PMCF = 0x00001000;
export const FCTRL_DPF = 0x00002000;
export const VLNCTRL = 0x05088;
export const VLNCTRL_VET_MASK = 0x0000ffff;
export const VLNCTRL_VFE = 0x40000000;
export const MCSTCTRL = 0x05090;
/** Multicast filter enable; MO (bits 1:0) 0 hashes address bits 47:36. */
export const MCSTCTRL_MFE = 0x00000004;
export const MTA = 0x05200;
export const MTA_WORDS = 128;
export function RAL(i: number): number {
  return i <= 15 ? 0x05400 + 8 * i : 0x0a200 + 8 * i;
}
export function RAH(i: number): number {
  return i <= 15 ? 0x05404 + 8 * i : 0x0a204 + 8 * i;
}
export const RAH_AV = 0x80000000;
/** Receive address entries of the 82599 and X540. */
export const RAR_ENTRIES = 128;
/** Pool select of receive address `i` (which pools take its frames), low and high dwords. */
export function MPSAR_LO(i: number): number {
  return 0x0a600 + 8 * i;
}
export function MPSAR_HI(i: number): number {
  return 0x0a604 + 8 * i;
}
export const VFTA = 0x0a000;
export const VFTA_WORDS = 128;
export const MRQC = 0x05818;
export const MRQC_RSSEN = 0x00000001;
export const MRQC_RSS_FIELD_IPV4_TCP = 0x00010000;
export const MRQC_RSS_FIELD_IPV4 = 0x00020000;
export const MRQC_RSS_FIELD_IPV6 = 0x00100000;
export const MRQC_RSS_FIELD_IPV6_TCP = 0x00200000;
export const MRQC_RSS_FIELD_IPV4_UDP = 0x00400000;
export const MRQC_RSS_FIELD_IPV6_UDP = 0x00800000;
export const RETA = 0x05c00;
export const RETA_ENTRIES = 128;
export const RSSRK = 0x05c80;
export const RSS_KEY_SIZE = 40;

// --- MAC ------------------------------------------------------------------------------------
export const HLREG0 = 0x04240;
export const HLREG0_TXCRCEN = 0x00000001;
export const HLREG0_RXCRCSTRP = 0x00000002;
export const HLREG0_JUMBOEN = 0x00000004;
export const HLREG0_TXPADEN = 0x00000400;
export const HLREG0_LPBK = 0x00008000;
/** Max frame size (bits 31:16), which jumbo frames use. */
export const MAXFRS = 0x04268;
export const MAXFRS_MFS_SHIFT = 16;
export const AUTOC = 0x042a0;
/** Force link up. */
export const AUTOC_FLU = 0x00000001;
/** Restart autonegotiation. */
export const AUTOC_AN_RESTART = 0x00001000;
export const AUTOC_LMS_SHIFT = 13;
export const AUTOC_LMS_MASK = 0x7 << AUTOC_LMS_SHIFT;
/** 10 GbE serial link (SFP+ SFI), no autonegotiation. */
export const AUTOC_LMS_10G_SERIAL = 0x3 << AUTOC_LMS_SHIFT;
/** KX4/KX/KR backplane autonegotiation. */
export const AUTOC_LMS_KX4_KX_KR = 0x4 << AUTOC_LMS_SHIFT;
export const LINKS = 0x042a4;
export const LINKS_UP = 0x40000000;
export const LINKS_SPEED_82599 = 0x30000000;
export const LINKS_SPEED_10G_82599 = 0x30000000;
export const LINKS_SPEED_1G_82599 = 0x20000000;
export const LINKS_SPEED_100_82599 = 0x10000000;
/** Backplane autonegotiation complete. */
export const LINKS_KX_AN_COMP = 0x80000000;
/** MDI single command and address: clause 45 register address, MMD, PHY address, op code, start code, go. */
export const MSCA = 0x0425c;
export const MSCA_NP_ADDR_MASK = 0x0000ffff;
export const MSCA_DEV_TYPE_SHIFT = 16;
export const MSCA_PHY_ADDR_SHIFT = 21;
export const MSCA_ADDR_CYCLE = 0x00000000;
export const MSCA_WRITE = 0x04000000;
export const MSCA_READ = 0x0c000000;
/** Start code 00: clause 45 (`IXGBE_MSCA_NEW_PROTOCOL`). */
export const MSCA_NEW_PROTOCOL = 0x00000000;
/** Set by software to run the command; the device clears it when done. */
export const MSCA_MDI_COMMAND = 0x40000000;
/** MDI single read and write data: write data in 15:0, read data in 31:16. */
export const MSRWD = 0x04260;
export const MSRWD_READ_DATA_SHIFT = 16;

// --- Transmit --------------------------------------------------------------------------------
export const TDBAL = (n: number): number => 0x06000 + QUEUE_STRIDE * n;
export const TDBAH = (n: number): number => 0x06004 + QUEUE_STRIDE * n;
export const TDLEN = (n: number): number => 0x06008 + QUEUE_STRIDE * n;
export const TDH = (n: number): number => 0x06010 + QUEUE_STRIDE * n;
export const TDT = (n: number): number => 0x06018 + QUEUE_STRIDE * n;
export const TXDCTL = (n: number): number => 0x06028 + QUEUE_STRIDE * n;
export const TXDCTL_ENABLE = 0x02000000;
export const XDCTL_HTHRESH_SHIFT = 8;
export const XDCTL_WTHRESH_SHIFT = 16;
export const DMATXCTL = 0x04a80;
export const DMATXCTL_TE = 0x00000001;

// --- Statistics (clear on read) --------------------------------------------------------------
export const CRCERRS = 0x04000;
export const ILLERRC = 0x04004;
export const ERRBC = 0x04008;
export const MSPDC = 0x04010;
export const MPC = (i: number): number => 0x03fa0 + 4 * i;
export const MLFC = 0x04034;
export const MRFC = 0x04038;
export const RLEC = 0x04040;
export const LXONTXC = 0x03f60;
export const LXOFFTXC = 0x03f68;
export const LXONRXCNT = 0x041a4;
export const LXOFFRXCNT = 0x041a8;
export const PRC64 = 0x0405c;
export const PRC127 = 0x04060;
export const PRC255 = 0x04064;
export const PRC511 = 0x04068;
export const PRC1023 = 0x0406c;
export const PRC1522 = 0x04070;
export const GPRC = 0x04074;
export const BPRC = 0x04078;
export const MPRC = 0x0407c;
export const GPTC = 0x04080;
export const GORCL = 0x04088;
export const GORCH = 0x0408c;
export const GOTCL = 0x04090;
export const GOTCH = 0x04094;
export const RNBC = (i: number): number => 0x03fc0 + 4 * i;
export const RUC = 0x040a4;
export const RFC = 0x040a8;
export const ROC = 0x040ac;
export const RJC = 0x040b0;
export const MNGPRC = 0x040b4;
export const MNGPDC = 0x040b8;
export const MNGPTC = 0x0cf90;
export const TORL = 0x040c0;
export const TORH = 0x040c4;
export const TPR = 0x040d0;
export const TPT = 0x040d4;
export const PTC64 = 0x040d8;
export const PTC127 = 0x040dc;
export const PTC255 = 0x040e0;
export const PTC511 = 0x040e4;
export const PTC1023 = 0x040e8;
export const PTC1522 = 0x040ec;
export const MPTC = 0x040f0;
export const BPTC = 0x040f4;
export const XEC = 0x04120;
/** Per-queue counters, by statistics index (RQSMR/TQSM map queues onto the 16 indices). */
export const QPRC = (i: number): number => 0x01030 + QUEUE_STRIDE * i;
export const QPTC = (i: number): number => 0x06030 + QUEUE_STRIDE * i;
export const QBRC_L = (i: number): number => 0x01034 + QUEUE_STRIDE * i;
export const QBRC_H = (i: number): number => 0x01038 + QUEUE_STRIDE * i;
export const QBTC_L = (i: number): number => 0x08700 + 8 * i;
export const QBTC_H = (i: number): number => 0x08704 + 8 * i;
export const QPRDC = (i: number): number => 0x01430 + QUEUE_STRIDE * i;
/** Queue-to-statistics-index maps: four queues per register, one byte each. */
export const RQSMR = (i: number): number => 0x02300 + 4 * i;
export const TQSM = (i: number): number => 0x08600 + 4 * i;
/** Statistics indices the per-queue counters have. */
export const QUEUE_STAT_COUNTERS = 16;
/** Packet buffers, each with its own MPC and RNBC. */
export const PACKET_BUFFERS = 8;
/** SDP3 drives the SFP+ cage's TX_DISABLE on 82599 SFP boards: set, the laser is off. */
export const ESDP_SDP3 = 0x00000008;
/** SDP3 is an output. */
export const ESDP_SDP3_DIR = 0x00000800;
