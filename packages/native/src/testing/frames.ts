/**
 * Ethernet frames for tests that send through real interfaces: frames of an EtherType the
 * kernel ignores, tagged so that a test recognises its own among what else the link carries.
 */

/** EtherType for local experiments (IEEE 802 "Local Experimental Ethertype 1"): the kernel ignores such frames. */
export const TEST_ETHERTYPE = 0x88b5;
/** Bytes of an Ethernet header (no VLAN tag). */
const ETH_LEN = 14;
/** The broadcast address. */
export const BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
/** The source address of {@link testFrame} unless told otherwise: locally administered. */
const TEST_SOURCE = Uint8Array.of(0x02, 0, 0, 0, 0, 1);

/** An Ethernet frame of `dst`, `src`, `etherType` and `payload`. */
export function etherFrame(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(ETH_LEN + payload.length);
  frame.set(dst, 0);
  frame.set(src, 6);
  frame[12] = etherType >> 8;
  frame[13] = etherType & 0xff;
  frame.set(payload, ETH_LEN);
  return frame;
}

/**
 * A broadcast frame of {@link TEST_ETHERTYPE} from `src`, `length` bytes in all: its payload
 * starts with `tag` (u16, so `frame[15]` is its low byte) and counts up from there.
 */
export function testFrame(tag: number, length = 100, src: Uint8Array = TEST_SOURCE): Uint8Array {
  const payload = new Uint8Array(length - ETH_LEN);
  for (let i = 0; i < payload.length; i++) payload[i] = (tag + i) & 0xff;
  payload[0] = tag >> 8;
  payload[1] = tag & 0xff;
  return etherFrame(BROADCAST, src, TEST_ETHERTYPE, payload);
}

/** The EtherType of `frame` (of the outer header: 0x8100 for a VLAN-tagged one). */
export function etherTypeOf(frame: Uint8Array): number {
  return (frame[12] << 8) | frame[13];
}

/** Whether `frame` is of {@link TEST_ETHERTYPE}, i.e. one a test sent. */
export function isTestFrame(frame: Uint8Array): boolean {
  return etherTypeOf(frame) === TEST_ETHERTYPE;
}
