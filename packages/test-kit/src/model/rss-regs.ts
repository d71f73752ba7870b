/**
 * The RSS registers and bits the 82576 and 82599 datasheets give the same offsets and
 * values: MRQC's field bits, the 128-entry redirection table and the 40-byte key.
 */

/** Multiple Receive Queues Command, the redirection table (32 registers of four one-byte entries) and the RSS key (10 registers). */
export const MRQC = 0x05818;
export const RETA = 0x05c00;
export const RSSRK = 0x05c80;
/** Queue index bits of a redirection-table entry (16 queues). */
export const RETA_QUEUE_MASK = 0x0f;
/** MRQC bits choosing the fields hashed for each protocol. */
export const MRQC_RSS_FIELD_IPV4_TCP = 0x00010000;
export const MRQC_RSS_FIELD_IPV4 = 0x00020000;
export const MRQC_RSS_FIELD_IPV6_TCP_EX = 0x00040000;
export const MRQC_RSS_FIELD_IPV6_EX = 0x00080000;
export const MRQC_RSS_FIELD_IPV6 = 0x00100000;
export const MRQC_RSS_FIELD_IPV6_TCP = 0x00200000;
export const MRQC_RSS_FIELD_IPV4_UDP = 0x00400000;
export const MRQC_RSS_FIELD_IPV6_UDP = 0x00800000;
export const MRQC_RSS_FIELD_IPV6_UDP_EX = 0x01000000;
/** Entries of the redirection table (RETA) and bytes of the key (RSSRK). */
export const RETA_ENTRIES = 128;
export const RSSRK_BYTES = 40;
