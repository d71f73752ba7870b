/**
 * The private data of a net_null port in the arena (at `data.privOffset`):
 *
 * | offset                 | width        | what                                         |
 * |------------------------|--------------|----------------------------------------------|
 * | {@link NP_SIZE}        | u32          | packet size (`size=`)                        |
 * | {@link NP_COPY}        | u32          | 1 with `copy=1`                              |
 * | {@link NP_NO_RX}       | u32          | 1 with `no-rx=1`                             |
 * | {@link NP_RX_PACKET}   | `size` bytes | the packet rx copies into each mbuf (zeros)  |
 * | after, line-aligned    | `size` bytes | where tx copies each packet to, with copy=1  |
 */

/** u32: packet size. */
export const NP_SIZE = 0;
/** u32: copy mode. */
export const NP_COPY = 4;
/** u32: no-rx mode. */
export const NP_NO_RX = 8;
/** The rx template packet. */
export const NP_RX_PACKET = 64;
/** Alignment of the packet areas. */
const LINE = 64;

/** Size of one packet area for packets of `size` bytes. */
function area(size: number): number {
  return Math.ceil(size / LINE) * LINE;
}

/** Offset of the tx sink area for packets of `size` bytes. */
export function txSinkOffset(size: number): number {
  return NP_RX_PACKET + area(size);
}

/** Bytes of private data for packets of `size` bytes. */
export function nullPrivSize(size: number): number {
  return NP_RX_PACKET + 2 * area(size);
}
