/**
 * Register offsets (BAR0 bytes) and bit fields of the 82575/82576/I350 family, by their
 * datasheet names. Queue registers are functions of the queue index. Values are facts of
 * the Intel 82576 datasheet (also in DPDK's `base/e1000_regs.h`, `e1000_defines.h`).
 */

// --- General -------------------------------------------------------------------------
/** Device control. */
export const CTRL = 0x00000;
/** Device status (read only). */
export const STATUS = 0x00008;
/** EEPROM/flash control. */
export const EECD = 0x00010;
/** EEPROM read. */
export const EERD = 0x00014;
/** Extended device control. */
export const CTRL_EXT = 0x00018;
/** MDI control: PHY register access. */
export const MDIC = 0x00020;
/** VLAN ether type: bits 15:0 the VLAN TPID. */
export const VET = 0x00038;

export const CTRL_FD = 0x00000001;
/** Set link up (forces the MAC/PHY link on). */
export const CTRL_SLU = 0x00000040;
/** Software reset of the whole function; self-clearing. */
export const CTRL_RST = 0x04000000;
/** VLAN mode enable: strip received tags. */
export const CTRL_VME = 0x40000000;
/** PHY reset. */
export const CTRL_PHY_RST = 0x80000000;

export const STATUS_FD = 0x00000001;
export const STATUS_LU = 0x00000002;
export const STATUS_SPEED_MASK = 0x000000c0;
export const STATUS_SPEED_10 = 0x00000000;
export const STATUS_SPEED_100 = 0x00000040;
export const STATUS_SPEED_1000 = 0x00000080;

/** EEPROM present. */
export const EECD_PRES = 0x00000100;
/** EEPROM auto-read done. */
export const EECD_AUTO_RD = 0x00000200;

/** EERD: start a read. */
export const EERD_START = 0x00000001;
/** EERD: the read is done. */
export const EERD_DONE = 0x00000002;
/** EERD: shift of the word address. */
export const EERD_ADDR_SHIFT = 2;
/** EERD: shift of the data read. */
export const EERD_DATA_SHIFT = 16;

/** CTRL_EXT: the PF driver has finished resetting (tells VFs). */
export const CTRL_EXT_PFRSTD = 0x00004000;
/** CTRL_EXT: driver loaded. */
export const CTRL_EXT_DRV_LOAD = 0x10000000;

export const MDIC_DATA_MASK = 0x0000ffff;
export const MDIC_REG_SHIFT = 16;
export const MDIC_PHY_SHIFT = 21;
export const MDIC_OP_WRITE = 0x04000000;
export const MDIC_OP_READ = 0x08000000;
export const MDIC_READY = 0x10000000;
export const MDIC_ERROR = 0x40000000;

/** The TPID of 802.1Q tags. */
export const ETHERTYPE_VLAN = 0x8100;

// --- Interrupts ------------------------------------------------------------------------
/** Interrupt cause read: read to clear. */
export const ICR = 0x000c0;
/** Interrupt cause set. */
export const ICS = 0x000c8;
/** Interrupt mask set. */
export const IMS = 0x000d0;
/** Interrupt mask clear. */
export const IMC = 0x000d8;
/** Extended interrupt cause (one bit per MSI-X vector). */
export const EICR = 0x01580;
/** Extended interrupt cause set. */
export const EICS = 0x01520;
/** Extended interrupt mask set. */
export const EIMS = 0x01524;
/** Extended interrupt mask clear. */
export const EIMC = 0x01528;
/** Extended interrupt auto clear. */
export const EIAC = 0x0152c;
/** Extended interrupt auto mask. */
export const EIAM = 0x01530;
/** General purpose interrupt enable. */
export const GPIE = 0x01514;
/** Interrupt throttle rate of vector `n`. */
export function EITR(n: number): number {
  return 0x01680 + 4 * n;
}
/** Interrupt vector allocation: one register per queue pair index. */
export function IVAR0(n: number): number {
  return 0x01700 + 4 * n;
}
/** Vector of the "other" causes (link, mailbox). */
export const IVAR_MISC = 0x01740;

/** ICR/IMS: link status change. */
export const ICR_LSC = 0x00000004;
/** Every interrupt cause (IMC). */
export const IMC_ALL = 0xffffffff;

export const GPIE_NSICR = 0x00000001;
export const GPIE_MSIX_MODE = 0x00000010;
export const GPIE_EIAME = 0x40000000;
export const GPIE_PBA = 0x80000000;

/** IVAR entry: the vector number is valid. */
export const IVAR_VALID = 0x80;
/** IVAR_MISC: shift of the "other causes" entry. */
export const IVAR_MISC_OTHER_SHIFT = 8;
/** Queues sharing one IVAR register on the 82576 (rx queues q and q+8, tx likewise). */
export const IVAR_QUEUES_PER_REG = 8;
/** IVAR0: shift of the rx entry of queue q (< 8); queue q+8 uses shift 16. */
export const IVAR_RX_SHIFT_LOW = 0;
export const IVAR_RX_SHIFT_HIGH = 16;

// --- Receive ---------------------------------------------------------------------------
/** Receive control. */
export const RCTL = 0x00100;
/** Receive long packet maximum length. */
export const RLPML = 0x05004;
/** Receive checksum control. */
export const RXCSUM = 0x05000;
/** Multicast table array: 128 words. */
export const MTA = 0x05200;
/** Receive address low of entry `i` (0 to 15). */
export function RAL(i: number): number {
  return 0x05400 + 8 * i;
}
/** Receive address high of entry `i`. */
export function RAH(i: number): number {
  return 0x05404 + 8 * i;
}
/** VLAN filter table array: 128 words. */
export const VFTA = 0x05600;
/** Multiple receive queues command. */
export const MRQC = 0x05818;
/** Redirection table: 32 registers of four 1-byte entries. */
export const RETA = 0x05c00;
/** RSS random key: 10 registers. */
export const RSSRK = 0x05c80;

export const RCTL_EN = 0x00000002;
export const RCTL_SBP = 0x00000004;
export const RCTL_UPE = 0x00000008;
export const RCTL_MPE = 0x00000010;
export const RCTL_LPE = 0x00000020;
export const RCTL_RDMTS_HALF = 0x00000000;
/** Multicast offset: which 12 address bits index the MTA (0 = bits 47:36). */
export const RCTL_MO_SHIFT = 12;
export const RCTL_BAM = 0x00008000;
export const RCTL_VFE = 0x00040000;
export const RCTL_SECRC = 0x04000000;

/** RXCSUM: packet checksum disable, so the descriptor carries the RSS hash. */
export const RXCSUM_PCSD = 0x00002000;

/** RAH: address valid. */
export const RAH_AV = 0x80000000;
/** Receive address entries this driver uses. */
export const RAR_ENTRIES = 16;
/** MTA words. */
export const MTA_WORDS = 128;
/** VFTA words. */
export const VFTA_WORDS = 128;

export const MRQC_ENABLE_RSS_4Q = 0x00000002;
export const MRQC_RSS_FIELD_IPV4_TCP = 0x00010000;
export const MRQC_RSS_FIELD_IPV4 = 0x00020000;
export const MRQC_RSS_FIELD_IPV6_TCP_EX = 0x00040000;
export const MRQC_RSS_FIELD_IPV6_EX = 0x00080000;
export const MRQC_RSS_FIELD_IPV6 = 0x00100000;
export const MRQC_RSS_FIELD_IPV6_TCP = 0x00200000;
export const MRQC_RSS_FIELD_IPV4_UDP = 0x00400000;
export const MRQC_RSS_FIELD_IPV6_UDP = 0x00800000;
export const MRQC_RSS_FIELD_IPV6_UDP_EX = 0x01000000;
/** Redirection table entries (bytes). */
export const RETA_ENTRIES = 128;
/** Bytes of the RSS key. */
export const RSS_KEY_SIZE = 40;

/** Rx descriptor ring base low/high and length, head, tail, control of queue `n`. */
function rxq(n: number, reg: number): number {
  return n < 4 ? 0x02800 + 0x100 * n + reg : 0x0c000 + 0x40 * n + reg;
}
export const RDBAL = (n: number): number => rxq(n, 0x00);
export const RDBAH = (n: number): number => rxq(n, 0x04);
export const RDLEN = (n: number): number => rxq(n, 0x08);
export const SRRCTL = (n: number): number => rxq(n, 0x0c);
export const RDH = (n: number): number => rxq(n, 0x10);
export const RDT = (n: number): number => rxq(n, 0x18);
export const RXDCTL = (n: number): number => rxq(n, 0x28);

/** SRRCTL: packet buffer size in 1 KiB units (bits 6:0). */
export const SRRCTL_BSIZEPKT_MASK = 0x0000007f;
export const SRRCTL_BSIZEPKT_SHIFT = 10;
/** SRRCTL: advanced descriptors, one buffer. */
export const SRRCTL_DESCTYPE_ADV_ONEBUF = 0x02000000;
/** SRRCTL: drop packets when the queue has no descriptors, instead of holding the FIFO. */
export const SRRCTL_DROP_EN = 0x80000000;

/** RXDCTL/TXDCTL: queue enable. */
export const XDCTL_QUEUE_ENABLE = 0x02000000;
/** RXDCTL/TXDCTL: prefetch, host and write-back threshold shifts. */
export const XDCTL_HTHRESH_SHIFT = 8;
export const XDCTL_WTHRESH_SHIFT = 16;

// --- Transmit --------------------------------------------------------------------------
/** Transmit control. */
export const TCTL = 0x00400;
export const TCTL_EN = 0x00000002;
export const TCTL_PSP = 0x00000008;
export const TCTL_CT_SHIFT = 4;
export const TCTL_CT_MASK = 0x00000ff0;
export const TCTL_COLD_SHIFT = 12;
export const TCTL_RTLC = 0x01000000;
/** The collision threshold DPDK and Linux program (IEEE's 15). */
export const TCTL_CT_DEFAULT = 15;
/** The full-duplex collision distance. */
export const TCTL_COLD_FD = 0x3f;

function txq(n: number, reg: number): number {
  return n < 4 ? 0x03800 + 0x100 * n + reg : 0x0e000 + 0x40 * n + reg;
}
export const TDBAL = (n: number): number => txq(n, 0x00);
export const TDBAH = (n: number): number => txq(n, 0x04);
export const TDLEN = (n: number): number => txq(n, 0x08);
export const TDH = (n: number): number => txq(n, 0x10);
export const TDT = (n: number): number => txq(n, 0x18);
export const TXDCTL = (n: number): number => txq(n, 0x28);

// --- Statistics (clear on read) ---------------------------------------------------------
export const CRCERRS = 0x04000;
export const ALGNERRC = 0x04004;
export const SYMERRS = 0x04008;
export const RXERRC = 0x0400c;
export const MPC = 0x04010;
export const SCC = 0x04014;
export const ECOL = 0x04018;
export const MCC = 0x0401c;
export const LATECOL = 0x04020;
export const COLC = 0x04028;
export const DC = 0x04030;
export const SEC = 0x04038;
export const RLEC = 0x04040;
export const GPRC = 0x04074;
export const BPRC = 0x04078;
export const MPRC = 0x0407c;
export const GPTC = 0x04080;
export const GORCL = 0x04088;
export const GORCH = 0x0408c;
export const GOTCL = 0x04090;
export const GOTCH = 0x04094;
export const RNBC = 0x040a0;
export const RUC = 0x040a4;
export const RFC = 0x040a8;
export const ROC = 0x040ac;
export const RJC = 0x040b0;
export const TORL = 0x040c0;
export const TORH = 0x040c4;
export const TOTL = 0x040c8;
export const TOTH = 0x040cc;
export const TPR = 0x040d0;
export const TPT = 0x040d4;
export const MPTC = 0x040f0;
export const BPTC = 0x040f4;
