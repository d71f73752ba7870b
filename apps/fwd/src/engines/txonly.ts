/**
 * txonly: generate UDP/IPv4 frames (testpmd's): destination MAC the tx port's peer, source
 * MAC the tx port's, IPv4 with a correct header checksum and TTL 64, UDP without checksum,
 * zero payload. With several flows, consecutive frames take consecutive UDP source ports.
 *
 * Like testpmd, a burst takes raw objects from the pool (`getBulk`, no full mbuf reset) and
 * sets only the fields a generated packet needs: data offset, lengths, offload flags and
 * VLAN tags. The rest holds by the pool's invariant (a free mbuf is one direct segment with
 * refcnt 1 and no next). The frame is copied 64 bytes at a time with straight-line stores:
 * V8 runs a word loop here about three times slower.
 */
import { pktmbufDataRoomSize } from '@nic/eal';
import { MBUF_HEADROOM } from '@nic/eal/layout';
import {
  ETH_DST,
  ETH_HDR_LEN,
  ETH_SRC,
  ETH_TYPE,
  ETHER_TYPE_IPV4,
  IP_CSUM,
  IP_DEFAULT_TTL,
  IP_DST,
  IP_HDR_LEN,
  IP_PROTO,
  IP_SRC,
  IP_TOTAL_LEN,
  IP_TTL,
  IP_VERSION_IHL,
  IP_VERSION_IHL_DEFAULT,
  IPPROTO_UDP,
  UDP_DST_PORT,
  UDP_LEN,
  UDP_SRC_PORT,
  ipv4Checksum,
  writeBe16,
  writeBe32,
  writeMac,
} from '../frame.js';
import type { EngineSpec, TxonlyConfig } from './engine.js';

/** Offset of the IPv4 header in the frame. */
const IP_AT = ETH_HDR_LEN;
/** Offset of the UDP header in the frame. */
const UDP_AT = ETH_HDR_LEN + IP_HDR_LEN;
/** Offset of the UDP source port in the frame. */
const FLOW_PORT_AT = UDP_AT + UDP_SRC_PORT;
const WORD = 4;
/** Words copied by one straight-line block. */
const BLOCK_WORDS = 16;
const UDP_PORT_MASK = 0xffff;

/**
 * The frame txonly sends (flow 0), padded with zeros to whole 32-bit words.
 * @param dst destination MAC
 * @param src source MAC
 */
export function buildUdpFrame(config: TxonlyConfig, dst: Uint8Array, src: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.ceil(config.length / WORD) * WORD);
  writeMac(frame, ETH_DST, dst);
  writeMac(frame, ETH_SRC, src);
  writeBe16(frame, ETH_TYPE, ETHER_TYPE_IPV4);
  frame[IP_AT + IP_VERSION_IHL] = IP_VERSION_IHL_DEFAULT;
  writeBe16(frame, IP_AT + IP_TOTAL_LEN, config.length - ETH_HDR_LEN);
  frame[IP_AT + IP_TTL] = IP_DEFAULT_TTL;
  frame[IP_AT + IP_PROTO] = IPPROTO_UDP;
  writeBe32(frame, IP_AT + IP_SRC, config.ipSrc);
  writeBe32(frame, IP_AT + IP_DST, config.ipDst);
  writeBe16(frame, IP_AT + IP_CSUM, ipv4Checksum(frame, IP_AT));
  writeBe16(frame, UDP_AT + UDP_SRC_PORT, config.udpSrc);
  writeBe16(frame, UDP_AT + UDP_DST_PORT, config.udpDst);
  writeBe16(frame, UDP_AT + UDP_LEN, config.length - UDP_AT);
  return frame;
}

/** The txonly engine. */
export const txonlyEngine: EngineSpec = {
  mode: 'txonly',
  receives: false,
  transmits: true,
  create({ mbufs, u8, u32, pool, peerMac, txMac, txonly }) {
    const template = buildUdpFrame(txonly, peerMac, txMac);
    const room = pktmbufDataRoomSize(pool) - MBUF_HEADROOM;
    if (template.length > room) throw new RangeError(`txonly: ${txonly.length}-byte frames do not fit the ${room} bytes of data room of pool ${pool.name}`);
    const words = new Uint32Array(template.buffer);
    const nbWords = words.length;
    const blockEnd = nbWords - (nbWords % BLOCK_WORDS);
    const { length, flows, udpSrc } = txonly;
    let flow = 0;
    return {
      apply(handles: Uint32Array, n: number): number {
        if (pool.getBulk(handles, n) !== 0) return 0;
        for (let i = 0; i < n; i++) {
          const h = handles[i];
          mbufs.setDataOff(h, MBUF_HEADROOM);
          mbufs.setDataLen(h, length);
          mbufs.setPktLen(h, length);
          mbufs.setOlFlagsLo(h, 0);
          mbufs.setOlFlagsHi(h, 0);
          mbufs.setVlanTci(h, 0);
          mbufs.setVlanTciOuter(h, 0);
          // The buffer and the headroom are cache-line multiples, so the data is word-aligned.
          const w = (mbufs.bufAddr(h) + MBUF_HEADROOM) >>> 2;
          let k = 0;
          for (; k < blockEnd; k += BLOCK_WORDS) copyBlock(u32, w + k, words, k);
          for (; k < nbWords; k++) u32[w + k] = words[k];
          if (flows > 1) {
            writeBe16(u8, w * WORD + FLOW_PORT_AT, (udpSrc + flow) & UDP_PORT_MASK);
            flow = flow + 1 === flows ? 0 : flow + 1;
          }
        }
        return n;
      },
    };
  },
};

/** Copies {@link BLOCK_WORDS} words from `src[from ..]` to `dst[to ..]`. */
function copyBlock(dst: Uint32Array, to: number, src: Uint32Array, from: number): void {
  dst[to] = src[from];
  dst[to + 1] = src[from + 1];
  dst[to + 2] = src[from + 2];
  dst[to + 3] = src[from + 3];
  dst[to + 4] = src[from + 4];
  dst[to + 5] = src[from + 5];
  dst[to + 6] = src[from + 6];
  dst[to + 7] = src[from + 7];
  dst[to + 8] = src[from + 8];
  dst[to + 9] = src[from + 9];
  dst[to + 10] = src[from + 10];
  dst[to + 11] = src[from + 11];
  dst[to + 12] = src[from + 12];
  dst[to + 13] = src[from + 13];
  dst[to + 14] = src[from + 14];
  dst[to + 15] = src[from + 15];
}
