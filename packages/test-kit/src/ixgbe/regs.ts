/**
 * Intel 82599 (ixgbe) register offsets and bits, named as in the 82599 datasheet (and in
 * the ixgbe shared code drivers use), for the device model. Offsets are bytes into BAR0.
 */
import { QUEUE_ENABLE, queueBlock } from '../model/rings.js';

/** Size of BAR0, the register space (flash not mapped). */
export const BAR0_SIZE = 128 * 1024;
/** Size of BAR4, the MSI-X table and pending-bit array. */
export const BAR4_SIZE = 16 * 1024;
/** MSI-X vectors of the physical function. */
export const MSIX_VECTORS = 64;
/** Receive and transmit queues. */
export const NUM_QUEUES = 128;
export { DESC_SIZE } from '../model/rings.js';
/** Queues RSS can spread over (a RETA entry holds 4 bits). */
export const RSS_QUEUES = 16;
/** Per-queue statistics registers (QPRC, QPTC, QBRC, QBTC, QPRDC). */
export const QUEUE_STATS = 16;

// ---- General -----------------------------------------------------------------------------
/** Device Control. */
export const CTRL = 0x00000;
/** Stops the device issuing new master (DMA) requests. */
export const CTRL_GIO_DIS = 0x00000004;
/** Link reset: resets the device, the link included (self-clearing). */
export const CTRL_LNK_RST = 0x00000008;
/** Software reset (self-clearing). */
export const CTRL_RST = 0x04000000;
export const CTRL_RST_MASK = CTRL_LNK_RST | CTRL_RST;

/** Device Status (read-only). */
export const STATUS = 0x00008;
/** LAN ID: which port of the device this function is. */
export const STATUS_LAN_ID_MASK = 0x0000000c;
export const STATUS_LAN_ID_SHIFT = 2;
/** Set while the device may master the bus (cleared by CTRL.GIO_DIS). */
export const STATUS_GIO = 0x00080000;

/** Extended Device Control. */
export const CTRL_EXT = 0x00018;
/** Extended SDP Control: pin data (bits 7:0), directions, native modes. */
export const ESDP = 0x00020;
/**
 * SDP2 reads 1 while an SFP+ module sits in the cage: on 82599 SFP+ boards the pin carries the
 * cage's presence line, which Linux's and DPDK's ixgbe read as "cage full" before they trust LINKS.
 */
export const ESDP_SDP2 = 0x00000004;
/** SFP+ I2C control (bit-banged). */
export const I2CCTL = 0x00028;
export const I2C_CLK_IN = 0x00000001;
export const I2C_CLK_OUT = 0x00000002;
export const I2C_DATA_IN = 0x00000004;
export const I2C_DATA_OUT = 0x00000008;

// ---- EEPROM, semaphores, manageability ----------------------------------------------------
/** EEPROM/Flash Control. */
export const EEC = 0x10010;
export const EEC_REQ = 0x00000040;
export const EEC_GNT = 0x00000080;
/** EEPROM present. */
export const EEC_PRES = 0x00000100;
/** EEPROM auto-read done. */
export const EEC_ARD = 0x00000200;
/** 16-bit EEPROM addresses. */
export const EEC_ADDR_SIZE = 0x00000400;
export const EEC_SIZE_SHIFT = 11;
export const EEC_SIZE_MASK = 0x00007800;
/** Bits of EEC software cannot change. */
export const EEC_RO_BITS = EEC_GNT | EEC_PRES | EEC_ARD | EEC_ADDR_SIZE | EEC_SIZE_MASK;
/** EEPROM Read: START bit 0, DONE bit 1, word address from bit 2, data from bit 16. */
export const EERD = 0x10014;
export { EERD_ADDR_MASK, EERD_ADDR_SHIFT, EERD_DATA_SHIFT, EERD_DONE, EERD_START } from '../model/nvm.js';
/** Software Semaphore. */
export const SWSM = 0x10140;
/** Software semaphore: set by hardware when SWSM is read while clear. */
export const SWSM_SMBI = 0x00000001;
/** Software/firmware semaphore. */
export const SWSM_SWESMBI = 0x00000002;
/** Firmware Semaphore: what the manageability firmware reports (read-only to drivers). */
export const FWSM = 0x10148;
/** Firmware valid: the firmware has loaded (Linux ixgbe warns of a firmware error without it). */
export const FWSM_FW_VAL = 0x00008000;
/** Software-firmware synchronisation (per-resource ownership bits). */
export const GSSR = 0x10160;
/** Core analog configuration (the SFP+ set-up sequences of the EEPROM are written here). */
export const CORECTL = 0x14f00;

// ---- Interrupts --------------------------------------------------------------------------
/** Extended Interrupt Cause Read. */
export const EICR = 0x00800;
/** Extended Interrupt Cause Set. */
export const EICS = 0x00808;
/** Extended Interrupt Auto Clear. */
export const EIAC = 0x00810;
/** Extended Interrupt Mask Set/Read. */
export const EIMS = 0x00880;
/** Extended Interrupt Mask Clear. */
export const EIMC = 0x00888;
/** Extended Interrupt Auto Mask Enable. */
export const EIAM = 0x00890;
/** General Purpose Interrupt Enable. */
export const GPIE = 0x00898;
/** The 64-vector extensions (n = 0: vectors 0-31, n = 1: vectors 32-63). */
export const EX_REGISTERS = 2;
export function EICS_EX(n: number): number {
  return 0x00a90 + 4 * n;
}
export function EIMS_EX(n: number): number {
  return 0x00aa0 + 4 * n;
}
export function EIMC_EX(n: number): number {
  return 0x00ab0 + 4 * n;
}
export function EIAM_EX(n: number): number {
  return 0x00ad0 + 4 * n;
}
/** Extended Interrupt Throttle of vector n (0-23 at 0x820, 24-63 at 0x12300). */
export function EITR(n: number): number {
  return n <= 23 ? 0x00820 + 4 * n : 0x12300 + 4 * (n - 24);
}
/** Interrupt Vector Allocation of queues 2n and 2n + 1 (64 registers). */
export function IVAR(n: number): number {
  return 0x00900 + 4 * n;
}
export const IVAR_COUNT = 64;
/** Vector allocation of the non-queue causes: byte 0 TCP timer, byte 1 other causes. */
export const IVAR_MISC = 0x00a00;
export const IVAR_ALLOC_VAL = 0x80;
export const IVAR_ALLOC_MASK = 0x3f;
export const IVAR_ENTRY_BITS = 8;
export const IVAR_ENTRY_MASK = 0xff;

/** EICR bits 15:0: queue causes (RTxQ), or in MSI-X mode the causes of vectors 0-15. */
export const EICR_RTX_QUEUE = 0x0000ffff;
export const EICR_FLOW_DIR = 0x00010000;
/** Packet buffer overrun: a frame was missed (MPC). */
export const EICR_RX_MISS = 0x00020000;
export const EICR_PCI = 0x00040000;
export const EICR_MAILBOX = 0x00080000;
/** Link status change. */
export const EICR_LSC = 0x00100000;
export const EICR_MNG = 0x00400000;
export const EICR_GPI_SDP0 = 0x01000000;
export const EICR_GPI_SDP1 = 0x02000000;
/** SDP2 changed: the SFP+ module was plugged or pulled. */
export const EICR_GPI_SDP2 = 0x04000000;
export const EICR_ECC = 0x10000000;
export const EICR_TCP_TIMER = 0x40000000;
export const EICR_OTHER = 0x80000000;
/** The non-queue causes of EICR. */
export const EICR_CAUSES = 0xffff0000;

/** GPIE: interrupts on SDP0-2 changes. */
export const GPIE_SDP0_GPIEN = 0x00000001;
export const GPIE_SDP1_GPIEN = 0x00000002;
export const GPIE_SDP2_GPIEN = 0x00000004;
/** MSI-X mode: IVAR entries name MSI-X vectors. */
export const GPIE_MSIX_MODE = 0x00000010;
/** Other clear disable: an EICR read clears only the non-queue causes. */
export const GPIE_OCD = 0x00000020;
/** Auto-mask a vector (EIAM) when its message is sent. */
export const GPIE_EIAME = 0x40000000;
export const GPIE_PBA_SUPPORT = 0x80000000;

// ---- MAC, link ---------------------------------------------------------------------------
/** MAC Core Control 0. */
export const HLREG0 = 0x04240;
/** Transmit: append the CRC. */
export const HLREG0_TXCRCEN = 0x00000001;
/** Receive: strip the CRC. */
export const HLREG0_RXCRCSTRP = 0x00000002;
/** Receive: accept frames up to MAXFRS.MFS. */
export const HLREG0_JUMBOEN = 0x00000004;
/** Transmit: pad short frames to 64 bytes. */
export const HLREG0_TXPADEN = 0x00000400;
/** MAC loopback. */
export const HLREG0_LPBK = 0x00008000;
/** Receive: check 802.3 length fields (RLEC). */
export const HLREG0_RXLNGTHERREN = 0x08000000;
/** Max Frame Size: MFS in bits 31:16 (bytes, CRC included). */
export const MAXFRS = 0x04268;
export const MAXFRS_MFS_SHIFT = 16;
/** MDI Single Command and Address (clause 45 MDIO to a PHY). */
export const MSCA = 0x0425c;
export const MSCA_NP_ADDR_MASK = 0x0000ffff;
export const MSCA_DEV_TYPE_MASK = 0x001f0000;
export const MSCA_DEV_TYPE_SHIFT = 16;
export const MSCA_PHY_ADDR_MASK = 0x03e00000;
export const MSCA_PHY_ADDR_SHIFT = 21;
export const MSCA_OP_CODE_MASK = 0x0c000000;
export const MSCA_ADDR_CYCLE = 0x00000000;
export const MSCA_WRITE = 0x04000000;
export const MSCA_READ_AUTOINC = 0x08000000;
export const MSCA_READ = 0x0c000000;
/** ST code: 00 is clause 45 ("new protocol"). */
export const MSCA_ST_CODE_MASK = 0x30000000;
/** Starts the command; clears when it is done. */
export const MSCA_MDI_COMMAND = 0x40000000;
/** MDI Single Read and Write Data: write data in bits 15:0, read data in 31:16. */
export const MSRWD = 0x04260;
export const MSRWD_WRITE_DATA_MASK = 0x0000ffff;
export const MSRWD_READ_DATA_SHIFT = 16;
/** Auto-Negotiation Control. */
export const AUTOC = 0x042a0;
export const AUTOC_FLU = 0x00000001;
export const AUTOC_AN_RESTART = 0x00001000;
export const AUTOC_LMS_SHIFT = 13;
export const AUTOC_LMS_MASK = 0x0000e000;
/** Link mode select values (AUTOC.LMS). */
export const AUTOC_LMS_1G_LINK_NO_AN = 0x0;
export const AUTOC_LMS_10G_LINK_NO_AN = 0x1;
export const AUTOC_LMS_1G_AN = 0x2;
export const AUTOC_LMS_10G_SERIAL = 0x3;
export const AUTOC_LMS_KX4_KX_KR = 0x4;
export const AUTOC_LMS_SGMII_1G_100M = 0x5;
export const AUTOC_LMS_KX4_KX_KR_1G_AN = 0x6;
export const AUTOC_LMS_KX4_KX_KR_SGMII = 0x7;
/** Link Status. */
export const LINKS = 0x042a4;
export const LINKS_KX_AN_COMP = 0x80000000;
export const LINKS_UP = 0x40000000;
export const LINKS_SPEED_82599 = 0x30000000;
export const LINKS_SPEED_10G_82599 = 0x30000000;
export const LINKS_SPEED_1G_82599 = 0x20000000;
export const LINKS_SPEED_100_82599 = 0x10000000;
export const LINKS_10G_ALIGN = 0x00020000;
export const LINKS_10G_LANE_SYNC = 0x00017000;
/** Auto-Negotiation Control 2. */
export const AUTOC2 = 0x042a8;
/** Link disabled by the NVM (any of these bits). */
export const AUTOC2_LINK_DISABLE_MASK = 0x70000000;
/** 10G serial PMA/PMD: SFI. */
export const AUTOC2_10G_SFI = 0x00020000;
export const AUTOC3 = 0x042ac;
/** Auto-Negotiation Link Partner 1: AN state machine state in bits 19:16. */
export const ANLP1 = 0x042b0;
export const ANLP1_AN_STATE_MASK = 0x000f0000;

// ---- Receive -----------------------------------------------------------------------------
/** Receive Control: RXEN enables the receive path. */
export const RXCTRL = 0x03000;
export const RXCTRL_RXEN = 0x00000001;
/** Receive DMA Control. */
export const RDRXCTL = 0x02f00;
export const RDRXCTL_CRCSTRIP = 0x00000002;
/** DMA initialisation done (read-only). */
export const RDRXCTL_DMAIDONE = 0x00000008;
/** Filter Control. */
export const FCTRL = 0x05080;
/** Store bad packets. */
export const FCTRL_SBP = 0x00000002;
/** Multicast promiscuous. */
export const FCTRL_MPE = 0x00000100;
/** Unicast promiscuous. */
export const FCTRL_UPE = 0x00000200;
/** Broadcast accept. */
export const FCTRL_BAM = 0x00000400;
/** VLAN Control: VET (TPID) in bits 15:0, VFE filters by VFTA. */
export const VLNCTRL = 0x05088;
export const VLNCTRL_VET_MASK = 0x0000ffff;
export const VLNCTRL_VFE = 0x40000000;
/** Multicast Control: MO (bits 1:0) selects the hashed bits, MFE enables MTA. */
export const MCSTCTRL = 0x05090;
export const MCSTCTRL_MO_MASK = 0x3;
export const MCSTCTRL_MFE = 0x00000004;
/** Receive Checksum Control. */
export const RXCSUM = 0x05000;
/** Packet checksum disable: the descriptor's second dword holds the RSS hash. */
export const RXCSUM_PCSD = 0x00002000;
/** Multicast Table Array (128 registers). */
export const MTA = 0x05200;
/** Receive Address Low/High of entry n (128 entries at 0xA200; 0-15 also at 0x5400). */
export function RAL(n: number): number {
  return 0x0a200 + 8 * n;
}
export function RAH(n: number): number {
  return 0x0a204 + 8 * n;
}
export const RAR_ENTRIES = 128;
/** Address valid. */
export { RAH_AV } from '../model/filters.js';
/** The first 16 receive-address entries seen through their 82598 window. */
export const RAR_ALIAS = 0x05400;
export const RAR_ALIAS_ENTRIES = 16;
/** VLAN Filter Table Array (128 registers). */
export const VFTA = 0x0a000;
/** MRQC.MRQE (bits 3:0), and its value for RSS only. MRQC, RETA and RSSRK are shared (model/rss). */
export const MRQC_MRQE_MASK = 0xf;
export const MRQC_RSSEN = 0x1;
export * from '../model/rss-regs.js';
/** Receive queue statistic mapping: 4 queues per register, a 4-bit counter index per byte. */
export function RQSMR(n: number): number {
  return 0x02300 + 4 * n;
}
/** Transmit queue statistic mapping, laid out as RQSMR. */
export function TQSM(n: number): number {
  return 0x08600 + 4 * n;
}
export const QSM_ENTRY_MASK = 0xf;
/** Flow Director control: INIT_DONE reads set once the (unmodelled) filter table is initialised. */
export const FDIRCTRL = 0x0ee00;
export const FDIRCTRL_INIT_DONE = 0x00000008;
/** Flow Director command: the command field (1:0) clears when the command is done. */
export const FDIRCMD = 0x0ee2c;
export const FDIRCMD_CMD_MASK = 0x00000003;
/** Security receive and transmit status: the security block is ready (always, here). */
export const SECRXSTAT = 0x08d04;
export const SECRXSTAT_SECRX_RDY = 0x00000001;
export const SECTXSTAT = 0x08804;
export const SECTXSTAT_SECTX_RDY = 0x00000001;
/** Receive and transmit packet buffer sizes (8 each). */
export function RXPBSIZE(n: number): number {
  return 0x03c00 + 4 * n;
}
export function TXPBSIZE(n: number): number {
  return 0x0cc00 + 4 * n;
}

/** Per-queue receive registers: queues 0-63 at 0x1000 + 0x40n, 64-127 at 0xD000 + 0x40(n - 64). */
export const RX_RING = queueBlock((n) => (n < 64 ? 0x01000 + 0x40 * n : 0x0d000 + 0x40 * (n - 64)));
/** Receive descriptor base address low/high, length, head, tail and control of queue n. */
export const { base: RDBAL, baseHigh: RDBAH, length: RDLEN, head: RDH, tail: RDT, control: RXDCTL } = RX_RING;
/** Split and Replication Receive Control (queues 0-15 also at 0x2100 + 4n). */
export function SRRCTL(n: number): number {
  return RDBAL(n) + 0x14;
}
/** The 82598 window of SRRCTL for queues 0-15. */
export const SRRCTL_ALIAS = 0x02100;
export const SRRCTL_ALIAS_QUEUES = 16;
/** Packet buffer size in 1 KiB units (bits 4:0). */
export const SRRCTL_BSIZEPKT_MASK = 0x1f;
export const SRRCTL_BSIZEPKT_SHIFT = 10;
export const SRRCTL_DESCTYPE_MASK = 0x0e000000;
export const SRRCTL_DESCTYPE_LEGACY = 0x00000000;
export const SRRCTL_DESCTYPE_ADV_ONEBUF = 0x02000000;
/** Drop frames when the queue has no free descriptor (counted in QPRDC). */
export const SRRCTL_DROP_EN = 0x10000000;
export const RXDCTL_ENABLE = QUEUE_ENABLE;
/** Strip VLAN tags of this queue's frames into the descriptor. */
export const RXDCTL_VME = 0x40000000;

// ---- Transmit ----------------------------------------------------------------------------
/** DMA Transmit Control: TE enables the transmit path; VT (31:16) is the TPID of inserted tags. */
export const DMATXCTL = 0x04a80;
export const DMATXCTL_TE = 0x00000001;
export const DMATXCTL_VT_SHIFT = 16;
/** Per-queue transmit registers: queue n at 0x6000 + 0x40n. */
export const TX_RING = queueBlock((n) => 0x06000 + 0x40 * n);
/** Transmit descriptor base address low/high, length, head, tail and control of queue n. */
export const { base: TDBAL, baseHigh: TDBAH, length: TDLEN, head: TDH, tail: TDT, control: TXDCTL } = TX_RING;
export const TXDCTL_ENABLE = QUEUE_ENABLE;
/** Transmit descriptor write-back flush (self-clearing). */
export const TXDCTL_SWFLSH = 0x04000000;

export { RING_ALIGN, RING_INDEX_MASK, RING_LEN_MASK } from '../model/rings.js';

/** Advanced receive write-back error bits (status_error dword). */
export const RXDADV_ERR_CE = 0x01000000;
export const RXDADV_ERR_LE = 0x02000000;
/** Any MAC error (CRC, length, symbol): only on frames kept with FCTRL.SBP. */
export const RXDADV_ERR_RXE = 0x20000000;
/** Legacy receive write-back errors (errors byte): CRC error, length error. */
export const RXD_ERR_CE = 0x01;
export const RXD_ERR_LE = 0x02;

// ---- Statistics (clear-on-read) ----------------------------------------------------------
export * from '../model/mac-counters.js';
export const ILLERRC = 0x04004;
export const ERRBC = 0x04008;
export const MSPDC = 0x04010;
export const RLEC = 0x04040;
/** Missed packets of packet buffer n (8). */
export function MPC(n: number): number {
  return 0x03fa0 + 4 * n;
}
/** Receive-no-buffer count of packet buffer n (8). */
export function RNBC(n: number): number {
  return 0x03fc0 + 4 * n;
}
/** Per statistics-queue counters n (16): packets and bytes received/transmitted, drops. */
export function QPRC(n: number): number {
  return 0x01030 + 0x40 * n;
}
export function QBRC_L(n: number): number {
  return 0x01034 + 0x40 * n;
}
export function QBRC_H(n: number): number {
  return 0x01038 + 0x40 * n;
}
export function QPRDC(n: number): number {
  return 0x01430 + 0x40 * n;
}
export function QPTC(n: number): number {
  return 0x06030 + 0x40 * n;
}
export function QBTC_L(n: number): number {
  return 0x08700 + 8 * n;
}
export function QBTC_H(n: number): number {
  return 0x08704 + 8 * n;
}
/** Flow-control and other MAC counters around the statistics block (all clear-on-read). */
export const STATS_PRE_FIRST = 0x03f00;
export const STATS_PRE_LAST = 0x03ffc;
export const STATS_FIRST = 0x04000;
export const STATS_LAST = 0x040fc;
export const STATS_POST_FIRST = 0x04120;
export const STATS_POST_LAST = 0x041ac;
