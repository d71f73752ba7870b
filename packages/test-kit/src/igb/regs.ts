/**
 * Intel 82576 (igb) register offsets and bits, named as in the datasheet (and in the
 * e1000 shared code drivers use), for the device model. Offsets are bytes into BAR0.
 */
import { QUEUE_ENABLE, queueBlock } from '../model/rings.js';

/** Size of BAR0, the register space. */
export const BAR0_SIZE = 128 * 1024;
/** Size of BAR3, the MSI-X table and pending-bit array. */
export const BAR3_SIZE = 16 * 1024;
/** MSI-X vectors of the physical function (QEMU's igb has 10). */
export const MSIX_VECTORS = 10;
/** Receive and transmit queues. */
export const NUM_QUEUES = 16;
export { DESC_SIZE } from '../model/rings.js';

// ---- General -----------------------------------------------------------------------------
/** Device Control. */
export const CTRL = 0x0000;
export const CTRL_FD = 0x00000001;
/** Stops the device issuing new master (DMA) requests. */
export const CTRL_GIO_MASTER_DISABLE = 0x00000004;
/** Set Link Up: forces the MAC/PHY link when the PHY reports one. */
export const CTRL_SLU = 0x00000040;
/** Software reset (self-clearing). */
export const CTRL_RST = 0x04000000;
/** Device reset (self-clearing). */
export const CTRL_DEV_RST = 0x20000000;
/** VLAN mode enable: strip VLAN tags on receive. */
export const CTRL_VME = 0x40000000;
/** PHY reset. */
export const CTRL_PHY_RST = 0x80000000;

/** Device Status (read-only). */
export const STATUS = 0x0008;
export const STATUS_FD = 0x00000001;
export const STATUS_LU = 0x00000002;
export const STATUS_SPEED_1000 = 0x00000080;
/** Set once the NVM has been read after a reset. */
export const STATUS_LAN_INIT_DONE = 0x00000200;
/** Clear while CTRL.GIO_MASTER_DISABLE holds the master off. */
export const STATUS_GIO_MASTER_ENABLE = 0x00080000;

/** EEPROM/Flash Control. */
export const EECD = 0x0010;
/** EEPROM present. */
export const EECD_PRES = 0x00000100;
/** EEPROM auto-read done. */
export const EECD_AUTO_RD = 0x00000200;
export const EECD_SIZE_EX_SHIFT = 11;
export const EECD_SIZE_EX_MASK = 0x00007800;
/** Bits of EECD software cannot change. */
export const EECD_RO_BITS = EECD_PRES | EECD_AUTO_RD | EECD_SIZE_EX_MASK;

/** EEPROM Read (82576 layout). */
export const EERD = 0x0014;
export { EERD_ADDR_MASK, EERD_ADDR_SHIFT, EERD_DATA_SHIFT, EERD_DONE, EERD_START } from '../model/nvm.js';

/** Manageability EEPROM control: bits telling the driver NVM configuration is done. */
export const EEMNGCTL = 0x1010;
/** NVM configuration of port 0 done (e1000_get_cfg_done polls it after a PHY reset). */
export const EEMNGCTL_CFG_DONE_PORT_0 = 0x00040000;

/** Extended Device Control. */
export const CTRL_EXT = 0x0018;

/** MDI Control: PHY register access. */
export const MDIC = 0x0020;
export const MDIC_DATA_MASK = 0x0000ffff;
export const MDIC_REG_SHIFT = 16;
export const MDIC_REG_MASK = 0x001f0000;
export const MDIC_PHY_SHIFT = 21;
export const MDIC_PHY_MASK = 0x03e00000;
export const MDIC_OP_WRITE = 0x04000000;
export const MDIC_OP_READ = 0x08000000;
export const MDIC_READY = 0x10000000;
export const MDIC_ERROR = 0x40000000;

/** VLAN Ether Type: bits 15:0 the inner TPID, 31:16 the outer (default 0x8100 both). */
export const VET = 0x0038;
export const VET_DEFAULT = 0x81008100;
export const VET_TPID_MASK = 0xffff;

// ---- Interrupts --------------------------------------------------------------------------
/** Interrupt Cause Read. */
export const ICR = 0x00c0;
/** Interrupt Cause Set. */
export const ICS = 0x00c8;
/** Interrupt Mask Set/Read. */
export const IMS = 0x00d0;
/** Interrupt Mask Clear. */
export const IMC = 0x00d8;
/** Interrupt Acknowledge Auto Mask. */
export const IAM = 0x00e0;
export const ICR_TXDW = 0x00000001;
export const ICR_LSC = 0x00000004;
export const ICR_RXO = 0x00000040;
export const ICR_RXDW = 0x00000080;
/** Device reset asserted (signalled on the TCP-timer vector of IVAR_MISC). */
export const ICR_DRSTA = 0x40000000;

/** General Purpose Interrupt Enable. */
export const GPIE = 0x1514;
export const GPIE_NSICR = 0x00000001;
export const GPIE_MSIX_MODE = 0x00000010;
export const GPIE_EIAME = 0x40000000;
export const GPIE_PBA = 0x80000000;

export const EICS = 0x1520;
export const EIMS = 0x1524;
export const EIMC = 0x1528;
export const EIAC = 0x152c;
export const EIAM = 0x1530;
export const EICR = 0x1580;
/** EICR bits that are MSI-X vectors of the physical function. */
export const EICR_VECTOR_MASK = (1 << MSIX_VECTORS) - 1;

/** Extended Interrupt Throttle of vector n. */
export function EITR(n: number): number {
  return 0x1680 + 4 * n;
}

/** Interrupt Vector Allocation array (8 registers, 4 byte-wide entries each). */
export const IVAR0 = 0x1700;
export const IVAR_COUNT = 8;
/** Vector allocation of the non-queue causes: bits 7:0 TCP timer, 15:8 other causes. */
export const IVAR_MISC = 0x1740;
export const IVAR_VALID = 0x80;
export const IVAR_VECTOR_MASK = 0x1f;
export const IVAR_MISC_OTHER_SHIFT = 8;
export const IVAR_ENTRY_BITS = 8;
export const IVAR_ENTRY_MASK = 0xff;

export * from '../model/rss-regs.js';

// ---- Receive -----------------------------------------------------------------------------
/** Receive Control. */
export const RCTL = 0x0100;
export const RCTL_EN = 0x00000002;
/** Store bad packets. */
export const RCTL_SBP = 0x00000004;
/** Unicast promiscuous. */
export const RCTL_UPE = 0x00000008;
/** Multicast promiscuous. */
export const RCTL_MPE = 0x00000010;
/** Long packet enable. */
export const RCTL_LPE = 0x00000020;
/** Multicast offset (which 12 destination-address bits index MTA). */
export const RCTL_MO_SHIFT = 12;
export const RCTL_MO_MASK = 0x00003000;
/** Broadcast accept mode. */
export const RCTL_BAM = 0x00008000;
/** Buffer size (legacy, used when SRRCTL.BSIZEPKT is 0). */
export const RCTL_BSIZE_SHIFT = 16;
export const RCTL_BSIZE_MASK = 0x00030000;
/** VLAN filter enable. */
export const RCTL_VFE = 0x00040000;
/** Buffer size extension (multiplies BSIZE by 16). */
export const RCTL_BSEX = 0x02000000;
/** Strip Ethernet CRC. */
export const RCTL_SECRC = 0x04000000;

/** Receive Checksum Control. */
export const RXCSUM = 0x5000;
/** Packet checksum disable: the descriptor's second dword holds the RSS hash. */
export const RXCSUM_PCSD = 0x00002000;
/** Receive Long Packet Maximum Length (bytes, FCS included). */
export const RLPML = 0x5004;
export const RLPML_MASK = 0x3fff;

/** Multicast Table Array: 128 registers, 4096 bits. */
export const MTA = 0x5200;
export const MTA_COUNT = 128;
/** Receive Address Low/High of entry n (16 entries). */
export function RAL(n: number): number {
  return 0x5400 + 8 * n;
}
export function RAH(n: number): number {
  return 0x5404 + 8 * n;
}
export const RAR_ENTRIES = 16;
/** Address valid. */
export { RAH_AV } from '../model/filters.js';
export const RAH_ADDR_MASK = 0xffff;
/** VLAN Filter Table Array: 128 registers, one bit per VLAN id. */
export const VFTA = 0x5600;

/** MRQC.MRQE (bits 2:0), and its value for RSS only. MRQC, RETA and RSSRK are shared (model/rss). */
export const MRQC_MRQE_MASK = 0x7;
export const MRQC_MRQE_RSS = 0x2;

/** Per-queue receive registers: queues 0-3 at 0x2800 + 0x100n, others at 0xC000 + 0x40n. */
export const RX_RING = queueBlock((n) => (n < 4 ? 0x2800 + 0x100 * n : 0xc000 + 0x40 * n));
/** Receive descriptor base address low/high, length, head, tail and control of queue n. */
export const { base: RDBAL, baseHigh: RDBAH, length: RDLEN, head: RDH, tail: RDT, control: RXDCTL } = RX_RING;
/** Split and Replication Receive Control of queue n. */
export function SRRCTL(n: number): number {
  return RDBAL(n) + 0x0c;
}
/** Packet buffer size in 1 KiB units. */
export const SRRCTL_BSIZEPKT_MASK = 0x7f;
export const SRRCTL_BSIZEPKT_SHIFT = 10;
export const SRRCTL_DESCTYPE_MASK = 0x0e000000;
export const SRRCTL_DESCTYPE_ADV_ONEBUF = 0x02000000;
export const SRRCTL_DROP_EN = 0x80000000;
export const RXDCTL_ENABLE = QUEUE_ENABLE;

// ---- Transmit ----------------------------------------------------------------------------
/** Transmit Control. */
export const TCTL = 0x0400;
export const TCTL_EN = 0x00000002;
/** Pad short packets. */
export const TCTL_PSP = 0x00000008;

/** Per-queue transmit registers: queues 0-3 at 0x3800 + 0x100n, others at 0xE000 + 0x40n. */
export const TX_RING = queueBlock((n) => (n < 4 ? 0x3800 + 0x100 * n : 0xe000 + 0x40 * n));
/** Transmit descriptor base address low/high, length, head, tail and control of queue n. */
export const { base: TDBAL, baseHigh: TDBAH, length: TDLEN, head: TDH, tail: TDT, control: TXDCTL } = TX_RING;
export const TXDCTL_ENABLE = QUEUE_ENABLE;

/** The second register window of queues 0-3 (0xC000/0xE000 + 0x40n), aliasing the first. */
export const RX_QUEUE_ALIAS = 0xc000;
export const TX_QUEUE_ALIAS = 0xe000;
export const QUEUE_ALIAS_STRIDE = 0x40;
export const LOW_QUEUES = 4;


/** Advanced receive write-back error: a receive data error (CRC, symbol, ...), on frames kept with RCTL.SBP. */
export const RXD_ERR_RXE = 0x80000000;

export { RING_ALIGN, RING_INDEX_MASK, RING_LEN_MASK } from '../model/rings.js';

// ---- Software/firmware synchronisation ---------------------------------------------------
/** Software Semaphore. */
export const SWSM = 0x5b50;
/** Software semaphore bit: set by hardware when SWSM is read. */
export const SWSM_SMBI = 0x00000001;

// ---- Statistics (all clear-on-read) ------------------------------------------------------
export * from '../model/mac-counters.js';
export const ALGNERRC = 0x4004;
export const SYMERRS = 0x4008;
export const RXERRC = 0x400c;
export const MPC = 0x4010;
export const RNBC = 0x40a0;
export const TOTL = 0x40c8;
export const TOTH = 0x40cc;
/** First and last byte offset of the statistics block. */
export const STATS_FIRST = 0x4000;
export const STATS_LAST = 0x40fc;
