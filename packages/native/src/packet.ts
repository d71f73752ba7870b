import { addon, type PacketStatistics, type RawPacketSocket } from './addon.js';
import { Mapping, pageSize, type MemoryMapping } from './memory.js';
import { packetRingBytes, type PacketRingGeometry } from './packet-layout.js';

/** `fanoutGroup` value of the raw call: no fanout. */
const FANOUT_NONE = -1;
/** `fanoutGroup` value of the raw call: a new group, its id chosen by the kernel. */
const FANOUT_UNIQUE = -2;

/** Options of {@link packetOpen}: the ring geometry and the socket's behaviour. */
export interface PacketSocketOptions extends PacketRingGeometry {
  /**
   * Milliseconds after which the kernel hands over a partly filled rx block, bounding the
   * latency of sparse traffic. 0 (default): the kernel derives it from the link speed
   * (1 ms at 10 Gbps, 8 ms when the speed is unknown).
   */
  readonly retireTimeoutMs?: number;
  /**
   * Joins a `PACKET_FANOUT_HASH` group, so that sockets of one interface share its
   * traffic by flow: `group` joins that group (0 to 65535, ids are per network
   * namespace), no `group` creates a group whose id the kernel chooses (read it from
   * {@link PacketSocket.fanoutGroup} to add more sockets).
   */
  readonly fanout?: { readonly group?: number };
  /** `PACKET_QDISC_BYPASS`: frames go straight to the driver, skipping traffic control. */
  readonly qdiscBypass?: boolean;
  /** `PACKET_IGNORE_OUTGOING` (Linux 4.20): the rx ring sees only frames arriving on the interface. */
  readonly ignoreOutgoing?: boolean;
}

/**
 * A non-blocking, close-on-exec `AF_PACKET`/`SOCK_RAW` socket bound to one interface for
 * every protocol, with a TPACKET_V3 rx ring and a TPACKET_V3 tx ring mapped as one region
 * ({@link PacketSocket.ring}): the rx ring at offset 0, the tx ring at
 * {@link PacketSocket.txRingOffset}. The region is registered like every nic mapping, so
 * another thread views it with `attach(ring.address, ring.length)`.
 */
export class PacketSocket {
  /** The socket; valid until {@link PacketSocket.close}. */
  readonly fd: number;
  readonly ifname: string;
  readonly ifindex: number;
  /** The fanout group the socket joined, -1 for none. */
  readonly fanoutGroup: number;
  readonly geometry: PacketRingGeometry;
  /** Both rings. */
  readonly ring: MemoryMapping;
  /** Where the tx ring starts in {@link PacketSocket.ring}. */
  readonly txRingOffset: number;
  #closed = false;

  /** @internal Built by {@link packetOpen}. */
  constructor(ifname: string, geometry: PacketRingGeometry, raw: RawPacketSocket) {
    this.fd = raw.fd;
    this.ifname = ifname;
    this.ifindex = raw.ifindex;
    this.fanoutGroup = raw.fanoutGroup;
    this.geometry = geometry;
    this.ring = new Mapping(raw.region, pageSize());
    this.txRingOffset = packetRingBytes(geometry);
  }

  /** Whether {@link PacketSocket.close} has run. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Unmaps the rings (views read zeros afterwards) and closes the socket, which leaves its
   * fanout group and drops its memberships. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The mapping holds the socket open: unmap first, so that close() releases it.
    this.ring.unmap();
    addon.close(this.fd);
  }
}

/**
 * Opens an AF_PACKET socket on interface `ifname` (in the calling thread's network
 * namespace) with TPACKET_V3 rx and tx rings of the given geometry, `PACKET_LOSS` set (a
 * malformed tx frame is dropped instead of stopping the ring), and the options asked for.
 * Needs CAP_NET_RAW, and Linux 4.11 or later (V3 tx ring).
 * @throws NicError naming the interface: `NIC_ENODEV` when no interface has that name;
 *   `NIC_EINVAL` naming the broken rule for a bad geometry (block size a non-zero multiple
 *   of the page size, frame size a multiple of 16 holding 48 header bytes + MTU + 14,
 *   frame size at most the block size, frame count = block count x frames per block), or
 *   for a fanout group whose mode differs; `NIC_EPERM` without the capability;
 *   `NIC_ENOMEM` when the kernel cannot allocate the rings.
 */
export function packetOpen(ifname: string, options: PacketSocketOptions): PacketSocket {
  const geometry: PacketRingGeometry = {
    blockSize: options.blockSize,
    blockCount: options.blockCount,
    frameSize: options.frameSize,
    frameCount: options.frameCount,
  };
  const fanout = options.fanout === undefined ? FANOUT_NONE : (options.fanout.group ?? FANOUT_UNIQUE);
  const raw = addon.packetOpen(
    ifname,
    geometry.blockSize,
    geometry.blockCount,
    geometry.frameSize,
    geometry.frameCount,
    options.retireTimeoutMs ?? 0,
    fanout,
    options.qdiscBypass ?? false,
    options.ignoreOutgoing ?? false,
  );
  return new PacketSocket(ifname, geometry, raw);
}

/**
 * The tx kick: asks the kernel to send every tx frame marked `TP_STATUS_SEND_REQUEST`
 * (`sendto(fd, NULL, 0, MSG_DONTWAIT)`), once per burst. Returns the bytes handed to the
 * device, or a negative errno when it took none now (`-EAGAIN`, `-ENOBUFS`, `-ENETDOWN`
 * while the interface is down...): the frames stay requested and leave with a later kick.
 * The `ENETDOWN` the kernel leaves pending on a socket after its interface went down is
 * taken care of: the send is tried once more, so a kick after the link came back sends.
 * Never throws for what the kernel says; usable from any thread.
 */
export function packetTxKick(fd: number): number {
  return addon.packetTxKick(fd);
}

/**
 * The socket's counters since the previous call (`PACKET_STATISTICS`: reading resets them
 * in the kernel, so callers accumulate).
 * @throws NicError `NIC_EINVAL` for an fd that is no open AF_PACKET socket.
 */
export function packetStatistics(fd: number): PacketStatistics {
  return addon.packetStatistics(fd);
}

/** A receive mode obtained through a socket membership. */
export type PacketMembershipType = 'promisc' | 'allmulti';

/**
 * Adds (`add`) or drops a promiscuous or all-multicast membership of socket `fd` on
 * interface `ifindex` (`PACKET_ADD_MEMBERSHIP` / `PACKET_DROP_MEMBERSHIP`). The interface
 * stays in that mode while at least one membership holds; closing the socket drops its
 * memberships, so the mode never outlives the program. Memberships count: each add needs
 * its own drop; dropping one the socket does not hold does nothing.
 * @throws NicError with the errno of `setsockopt` (`NIC_EINVAL` for an fd that is no
 *   AF_PACKET socket or an unknown interface index).
 */
export function packetMembership(fd: number, ifindex: number, type: PacketMembershipType, add: boolean): void {
  addon.packetMembership(fd, ifindex, type, add);
}
