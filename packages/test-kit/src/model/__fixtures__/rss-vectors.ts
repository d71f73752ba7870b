/** Microsoft's RSS verification suite (default key, IPv4 vectors) and a frame builder. */
/** The default key of Microsoft's RSS verification suite. */
export const MS_RSS_KEY = Uint8Array.from([
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
  0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
]);

/** IPv4 vectors: destination, source, hash of addresses, hash of addresses and TCP ports. */
export const MS_IPV4_VECTORS = [
  { dst: [161, 142, 100, 80], dport: 1766, src: [66, 9, 149, 187], sport: 2794, ip: 0x323e8fc2, tcp: 0x51ccc178 },
  { dst: [65, 69, 140, 83], dport: 4739, src: [199, 92, 111, 2], sport: 14230, ip: 0xd718262a, tcp: 0xc626b0ea },
  { dst: [12, 22, 207, 184], dport: 38024, src: [24, 19, 198, 95], sport: 12898, ip: 0xd2d0a5de, tcp: 0x5c2b394a },
  { dst: [209, 142, 163, 6], dport: 2217, src: [38, 27, 205, 30], sport: 48228, ip: 0x82989176, tcp: 0xafc7327f },
  { dst: [202, 188, 127, 2], dport: 1303, src: [153, 39, 163, 191], sport: 44251, ip: 0x5d1809c5, tcp: 0x10e828a2 },
] as const;

/** An Ethernet + IPv4 + TCP frame. */
export function tcp4Frame(src: readonly number[], dst: readonly number[], sport: number, dport: number, dmac = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]): Uint8Array {
  const f = new Uint8Array(14 + 20 + 20 + 10);
  f.set(dmac, 0);
  f.set([0x02, 0, 0, 0, 0, 1], 6);
  f.set([0x08, 0x00, 0x45, 0, 0, 50, 0, 0, 0, 0, 64, 6, 0, 0], 12);
  f.set(src, 26);
  f.set(dst, 30);
  f.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff], 34);
  return f;
}
