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

/** IPv6 vectors of the same suite: addresses as 16 bytes, hash of addresses and of addresses and TCP ports. */
export const MS_IPV6_VECTORS = [
  {
    dst: [0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01],
    dport: 1766,
    src: [0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x07],
    sport: 2794,
    ip: 0x2cc18cd5,
    tcp: 0x40207d3d,
  },
  {
    dst: [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01],
    dport: 4739,
    src: [0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab],
    sport: 14230,
    ip: 0x0f0c461c,
    tcp: 0xdde51bbf,
  },
  {
    dst: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf],
    dport: 38024,
    src: [0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf],
    sport: 44251,
    ip: 0x4b61e985,
    tcp: 0x02d1feef,
  },
] as const;

/** An Ethernet + IPv6 + TCP (`proto` 6) or UDP (17) frame. */
export function l4v6Frame(src: readonly number[], dst: readonly number[], sport: number, dport: number, dmac: readonly number[] = [0x33, 0x33, 0, 0, 0, 1], proto = 6): Uint8Array {
  const f = new Uint8Array(14 + 40 + 20);
  f.set(dmac, 0);
  f.set([0x02, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60], 6);
  f[14 + 5] = 20;
  f[14 + 6] = proto;
  f[14 + 7] = 64;
  f.set(src, 22);
  f.set(dst, 38);
  f.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff], 54);
  return f;
}

/** An Ethernet + IPv4 + UDP frame. */
export function udp4Frame(src: readonly number[], dst: readonly number[], sport: number, dport: number, dmac: readonly number[]): Uint8Array {
  const f = tcp4Frame(src, dst, sport, dport, [...dmac]);
  f[14 + 9] = 17;
  return f;
}

/**
 * The Toeplitz hash by its definition, written independently of the models' shift-register
 * form: the key as one 320-bit number, and for each set input bit i (most significant
 * first) the 32 key bits starting at bit i XORed in.
 */
export function toeplitzByDefinition(key: Uint8Array, input: Uint8Array): number {
  let k = 0n;
  for (const byte of key) k = (k << 8n) | BigInt(byte);
  const keyBits = BigInt(key.length * 8);
  let hash = 0n;
  for (let i = 0; i < input.length * 8; i++) {
    if ((input[i >> 3] & (0x80 >> (i & 7))) === 0) continue;
    hash ^= (k >> (keyBits - 32n - BigInt(i))) & 0xffffffffn;
  }
  return Number(hash);
}
