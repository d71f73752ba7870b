/**
 * txonly: generate UDP/IPv4 frames (testpmd's): destination MAC the tx port's peer, source
 * MAC the tx port's, IPv4 with a correct header checksum and TTL 64, UDP without checksum,
 * zero payload. With several flows, consecutive frames take consecutive UDP source ports.
 *
 * Like testpmd, a burst takes raw objects from the pool (`getBulk`, no full mbuf reset) and
 * sets only the fields a generated packet needs: data offset, lengths, offload flags and
 * VLAN tags. The rest holds by the pool's invariant (a free mbuf is one direct segment with
 * refcnt 1 and no next). Metadata and frame go in with one WebAssembly loop (see
 * packet-writer.ts), which reads the handles from the arena: the burst array must be a view
 * of it, as nic-fwd's loops' arrays are.
 */
import { ArenaViews, NicError, pktmbufDataRoomSize, pktmbufPrivSize } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_HDR_SIZE, MBUF_HEADROOM } from '@nic/eal/layout';
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
import { frameCopyLength, packetWriter } from './packet-writer.js';

/** Offset of the IPv4 header in the frame. */
const IP_AT = ETH_HDR_LEN;
/** Offset of the UDP header in the frame. */
const UDP_AT = ETH_HDR_LEN + IP_HDR_LEN;
/** Offset of the UDP source port in the frame. */
const FLOW_PORT_AT = UDP_AT + UDP_SRC_PORT;
const WORD = 4;
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
  create({ mbufs, u8, pool, peerMac, txMac, txonly }) {
    const template = buildUdpFrame(txonly, peerMac, txMac);
    const bufLen = pktmbufDataRoomSize(pool);
    const room = bufLen - MBUF_HEADROOM;
    if (frameCopyLength(template.length) > room) throw new RangeError(`txonly: ${txonly.length}-byte frames do not fit the ${room} bytes of data room of pool ${pool.name}`);
    const arenaU32 = mbufs.arena.u32;
    const views = new ArenaViews(mbufs.arena.buffer);
    const writePackets = packetWriter(template, txonly.length, mbufs.arena, { bufOffset: MBUF_HDR_SIZE + pktmbufPrivSize(pool), bufLen });
    const { flows, udpSrc } = txonly;
    let flow = 0;
    return {
      apply(handles: Uint32Array, n: number): number {
        const at = views.offset(handles);
        if (at < 0) throw new NicError('NIC_EINVAL', 'txonly: the burst array must be a view of the arena');
        if (pool.getBulk(handles, n) !== 0) return 0;
        writePackets(at, n);
        if (flows > 1) {
          const bytes = u8;
          const u32 = arenaU32;
          const count = flows | 0;
          const firstPort = udpSrc | 0;
          let next = flow;
          for (let i = 0; i < n; i++) {
            writeBe16(bytes, u32[(handles[i] + MBUF_BUF_ADDR) >>> 2] + MBUF_HEADROOM + FLOW_PORT_AT, (firstPort + next) & UDP_PORT_MASK);
            next = next + 1 === count ? 0 : next + 1;
          }
          flow = next;
        }
        return n;
      },
    };
  },
};
