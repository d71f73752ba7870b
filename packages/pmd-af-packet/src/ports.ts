/**
 * Creating a net_af_packet port: one AF_PACKET socket per queue pair on the interface, each
 * with TPACKET_V3 rx and tx rings, joined in one hash fanout group when there are several,
 * all opened at probe as DPDK does, so that a bad interface or ring geometry fails the
 * device's creation.
 */
import type { Eal, Kvargs } from '@nic/eal';
import { allocatePort, isAssignableMac, linkStatusSet, probingFinish, randomMac } from '@nic/ethdev/driver';
import { netifInfo, netifLink, NicError, packetOpen, type PacketSocket } from '@nic/native';
import { IFACE_KEY, parseAfPacketArgs, ringArgsText, type AfPacketArgs } from './args.js';
import { NET_AF_PACKET } from './datapath.js';
import {
  AF_PACKET_PRIV_SIZE,
  AP_BLOCK_COUNT,
  AP_BLOCK_SIZE,
  AP_FRAME_COUNT,
  AP_FRAME_SIZE,
  AP_NB_QPAIRS,
  QP_FD,
  QP_RING_LO,
  qpairOffset,
  writeAddress,
} from './layout.js';
import { AfPacketPortOps } from './ops.js';

/**
 * Milliseconds after which the kernel hands over a partly filled rx block: the latency
 * bound of sparse traffic (the kernel's own choice would be up to 8 ms).
 */
export const RX_RETIRE_TIMEOUT_MS = 1;

/** Re-raises a NicError of the native layer with the device name and `context` in front. */
function wrap(device: string, context: string, e: unknown): unknown {
  return e instanceof NicError ? new NicError(e.code, `${device}: ${context}: ${e.message}`, { cause: e }) : e;
}

/** Opens the sockets of every queue pair; none stays open when one fails. */
function openSockets(device: string, args: AfPacketArgs): PacketSocket[] {
  const sockets: PacketSocket[] = [];
  try {
    for (let q = 0; q < args.qpairs; q++) {
      const fanout = args.qpairs === 1 ? undefined : q === 0 ? {} : { group: sockets[0].fanoutGroup };
      sockets.push(
        packetOpen(args.iface, {
          blockSize: args.blockSize,
          blockCount: args.blockCount,
          frameSize: args.frameSize,
          frameCount: args.frameCount,
          retireTimeoutMs: RX_RETIRE_TIMEOUT_MS,
          fanout,
          qdiscBypass: args.qdiscBypass,
          // Like a NIC, the port receives what arrives on the interface, not what the host sends out of it.
          ignoreOutgoing: true,
        }),
      );
    }
  } catch (e) {
    for (const socket of sockets) socket.close();
    throw wrap(device, `queue pair ${sockets.length} (${ringArgsText(args)})`, e);
  }
  return sockets;
}

/** Creates the port of net_af_packet device `device` (the vdev driver's probe), named as the device. */
export function probeAfPacketDevice(eal: Eal, device: string, kv: Kvargs): void {
  const args = parseAfPacketArgs(device, kv);
  let mac: Uint8Array;
  try {
    mac = netifInfo(args.iface).mac;
  } catch (e) {
    throw wrap(device, `${IFACE_KEY}=${args.iface}`, e);
  }
  const sockets = openSockets(device, args);
  try {
    const dev = allocatePort(eal, device, NET_AF_PACKET, new AfPacketPortOps(args.iface, sockets), {
      privateSize: AF_PACKET_PRIV_SIZE,
      // An interface without an Ethernet address of its own (lo) gets a random one.
      mac: isAssignableMac(mac) ? mac : randomMac(),
    });
    const { u32 } = eal.arena;
    const priv = dev.data.privOffset;
    u32[(priv + AP_NB_QPAIRS) >>> 2] = args.qpairs;
    u32[(priv + AP_BLOCK_SIZE) >>> 2] = args.blockSize;
    u32[(priv + AP_BLOCK_COUNT) >>> 2] = args.blockCount;
    u32[(priv + AP_FRAME_SIZE) >>> 2] = args.frameSize;
    u32[(priv + AP_FRAME_COUNT) >>> 2] = args.frameCount;
    sockets.forEach((socket, q) => {
      const record = qpairOffset(priv, q);
      u32[(record + QP_FD) >>> 2] = socket.fd;
      writeAddress(u32, record + QP_RING_LO, socket.ring.address);
    });
    linkStatusSet(dev, netifLink(args.iface));
    probingFinish(dev);
  } catch (e) {
    for (const socket of sockets) socket.close();
    throw e;
  }
}
