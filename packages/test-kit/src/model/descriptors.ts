/**
 * Descriptor layouts shared by the 82576 and the 82599 (16 bytes, little-endian dwords;
 * both datasheets give the same advanced and legacy formats), as the models read and
 * write them. Dword indexes count from the start of the descriptor. Error bits of the
 * advanced receive write-back differ between the two and live with each device.
 */

/** Dwords of a descriptor. */
export const DESC_DWORDS = 4;

// ---- Advanced receive descriptor, one buffer ---------------------------------------------
// Read format: dwords 0-1 pkt_addr, dwords 2-3 hdr_addr (header split is not modelled).
/** Read format: buffer address low and high dwords. */
export const RXD_PKT_ADDR_LO = 0;
export const RXD_PKT_ADDR_HI = 1;
/** Write-back: pkt_info (RSS type 3:0, packet type 16:4) and hdr_info (31:16). */
export const RXD_WB_INFO = 0;
/** Write-back: RSS hash. */
export const RXD_WB_RSS = 1;
/** Write-back: extended status (19:0) and errors (31:20). */
export const RXD_WB_STATUS_ERROR = 2;
/** Write-back: length (15:0) and VLAN tag (31:16). */
export const RXD_WB_LENGTH_VLAN = 3;
export const RXD_VLAN_SHIFT = 16;
/** Descriptor done. */
export const RXD_STAT_DD = 0x00000001;
/** End of packet. */
export const RXD_STAT_EOP = 0x00000002;
/** VLAN packet: the tag was stripped into the vlan field. */
export const RXD_STAT_VP = 0x00000008;

// ---- Legacy receive descriptor --------------------------------------------------------
// Read format: dwords 0-1 buffer address; the write-back leaves them and fills 2-3.
/** Write-back: length (15:0) and fragment checksum (31:16). */
export const RXD_LEGACY_LENGTH_CSUM = 2;
/** Write-back: status (7:0), errors (15:8) and VLAN tag (31:16). */
export const RXD_LEGACY_STATUS = 3;
export const RXD_LEGACY_ERRORS_SHIFT = 8;

// ---- Transmit descriptors ----------------------------------------------------------------
/** Buffer address low/high (data), or vlan_macip_lens (context, dword 0). */
export const TXD_ADDR_LO = 0;
export const TXD_ADDR_HI = 1;
/** Advanced context: VLAN tag in bits 31:16 of vlan_macip_lens. */
export const TXD_CTX_VLAN_MACIP_LENS = 0;
export const TXD_CTX_VLAN_SHIFT = 16;
/** Advanced context: mss_l4len_idx; the context index is bit 4. */
export const TXD_CTX_MSS_L4LEN_IDX = 3;
/** cmd_type_len (advanced) or length/cso/cmd (legacy). */
export const TXD_CMD_TYPE_LEN = 2;
/** olinfo_status (advanced) or status/css/special (legacy); DD is bit 0 in both. */
export const TXD_OLINFO_STATUS = 3;
export const TXD_LENGTH_MASK = 0x0000ffff;
export const TXD_DTYP_MASK = 0x00f00000;
export const TXD_DTYP_CTXT = 0x00200000;
export const TXD_DTYP_DATA = 0x00300000;
export const TXD_CMD_EOP = 0x01000000;
export const TXD_CMD_RS = 0x08000000;
export const TXD_CMD_DEXT = 0x20000000;
export const TXD_CMD_VLE = 0x40000000;
/** Context index: bit 4 of olinfo_status (data) and of mss_l4len_idx (context). */
export const TXD_IDX_SHIFT = 4;
export const TXD_IDX_MASK = 0x1;
/** Legacy: the VLAN tag to insert is in bits 31:16 of the status dword ("special"). */
export const TXD_LEGACY_SPECIAL_SHIFT = 16;
export const TXD_STAT_DD = 0x00000001;
