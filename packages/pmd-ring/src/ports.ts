/**
 * Creating net_ring ports: on rings of their own (`ETH_RXTX<i>_<name>`), on existing rings,
 * and joined to a peer.
 */
import { NicError, Ring, RING_F_SC_DEQ, RING_F_SP_ENQ, RING_NAMESIZE, type Eal, type Kvargs } from '@nic/eal';
import {
  allocatePort,
  findDevByName,
  linkStatusSet,
  PortState,
  portIdByName,
  probingFinish,
  type EthDev,
} from '@nic/ethdev/driver';
import { parseRingArgs, RX_RINGS_KEY, TX_RINGS_KEY, type RingAction } from './args.js';
import { FROM_RINGS_PREFIX, RING_MAX_QUEUES, RING_NAME_PREFIX, RING_PRIV_SIZE, RING_SIZE, RP_NB_RX, RP_NB_TX, RP_RX_RINGS, RP_TX_RINGS } from './layout.js';
import { isRingPort, LINK_DOWN, ringCounts, RingPortOps } from './ops.js';
import { NET_RING } from './datapath.js';

/** Characters a ring name given to {@link ringPort} may not contain (they delimit device arguments). */
const RESERVED_CHARS = /[,[\]=]/;

function writeTable(dev: EthDev, table: number, rings: readonly Ring[]): void {
  const { u32 } = dev.eal.arena;
  rings.forEach((ring, i) => {
    u32[(dev.data.privOffset + table + i * 4) >>> 2] = ring.offset;
  });
}

/** Allocates a port on `rx` and `tx` rings; `owned` are the rings it frees at close. */
function createPort(eal: Eal, name: string, device: string, rx: readonly Ring[], tx: readonly Ring[], owned: Ring[]): EthDev {
  const dev = allocatePort(eal, name, NET_RING, new RingPortOps(eal.arena, owned), {
    device,
    privateSize: RING_PRIV_SIZE,
    promiscuous: true,
    allmulticast: true,
  });
  const { u32 } = eal.arena;
  u32[(dev.data.privOffset + RP_NB_RX) >>> 2] = rx.length;
  u32[(dev.data.privOffset + RP_NB_TX) >>> 2] = tx.length;
  writeTable(dev, RP_RX_RINGS, rx);
  writeTable(dev, RP_TX_RINGS, tx);
  linkStatusSet(dev, LINK_DOWN);
  probingFinish(dev);
  return dev;
}

function ringName(name: string, i: number): string {
  return `${RING_NAME_PREFIX}${i}_${name}`;
}

/**
 * The rings of port `name`: created (`CREATE`, unless they exist already, then found, as
 * DPDK falls back to attaching) or found (`ATTACH`). Returns them and those created.
 */
function portRings(eal: Eal, device: string, name: string, action: RingAction): { rings: Ring[]; created: Ring[] } {
  const longest = ringName(name, RING_MAX_QUEUES - 1);
  if (new TextEncoder().encode(longest).length > RING_NAMESIZE) {
    throw new NicError('NIC_EINVAL', `${device}: port name '${name}' is too long for ring names like '${longest}' (${RING_NAMESIZE} bytes at most)`);
  }
  const attach = action === 'ATTACH' || exists(eal, ringName(name, 0));
  const rings: Ring[] = [];
  try {
    for (let i = 0; i < RING_MAX_QUEUES; i++) {
      rings.push(attach ? Ring.lookup(eal.arena, ringName(name, i)) : Ring.create(eal.arena, ringName(name, i), RING_SIZE, RING_F_SP_ENQ | RING_F_SC_DEQ));
    }
  } catch (e) {
    if (!attach) for (const ring of rings) ring.free();
    if (e instanceof NicError && e.code === 'NIC_ENOENT') throw new NicError('NIC_ENOENT', `${device}: cannot attach to rings of '${name}': ${e.message}`, { cause: e });
    throw e;
  }
  return { rings, created: attach ? [] : rings };
}

function exists(eal: Eal, name: string): boolean {
  try {
    Ring.lookup(eal.arena, name);
    return true;
  } catch (e) {
    if (e instanceof NicError && e.code === 'NIC_ENOENT') return false;
    throw e;
  }
}

/** A port on rings of its own, freeing the rings it created when allocation fails. */
function ownPort(eal: Eal, device: string, name: string, action: RingAction): EthDev {
  const { rings, created } = portRings(eal, device, name, action);
  try {
    return createPort(eal, name, device, rings, rings, [...created]);
  } catch (e) {
    for (const ring of created) ring.free();
    throw e;
  }
}

/** Crosses the wires of `dev` and net_ring port `peerName`: each one's tx rings are the other's rx rings. */
function joinPeer(eal: Eal, dev: EthDev, peerName: string): void {
  const peer = findDevByName(peerName, eal);
  if (!peer || !isRingPort(peer)) throw new NicError('NIC_ENODEV', `${dev.device}: peer=${peerName}: no net_ring port has that name`);
  if (peer.state === PortState.STARTED) throw new NicError('NIC_EBUSY', `${dev.device}: peer=${peerName}: the peer is started (stop it first)`);
  const mine = ringCounts(dev);
  const theirs = ringCounts(peer);
  if (mine.rx !== theirs.tx || mine.tx !== theirs.rx) throw new NicError('NIC_EINVAL', `${dev.device}: peer=${peerName}: ring counts differ`);
  const { u32 } = eal.arena;
  for (let i = 0; i < theirs.rx; i++) {
    u32[(dev.data.privOffset + RP_TX_RINGS + i * 4) >>> 2] = u32[(peer.data.privOffset + RP_RX_RINGS + i * 4) >>> 2];
  }
  for (let i = 0; i < mine.rx; i++) {
    u32[(peer.data.privOffset + RP_TX_RINGS + i * 4) >>> 2] = u32[(dev.data.privOffset + RP_RX_RINGS + i * 4) >>> 2];
  }
  peer.data.bumpGen();
  dev.data.bumpGen();
}

function lookupRings(eal: Eal, device: string, key: string, names: readonly string[]): Ring[] {
  if (names.length > RING_MAX_QUEUES) throw new NicError('NIC_EINVAL', `${device}: ${key}: ${names.length} rings, at most ${RING_MAX_QUEUES}`);
  return names.map((name) => {
    try {
      return Ring.lookup(eal.arena, name);
    } catch (e) {
      throw new NicError('NIC_EINVAL', `${device}: invalid value "${name}" for key "${key}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  });
}

/** Creates the port(s) of net_ring device `device` (the vdev driver's probe). */
export function probeRingDevice(eal: Eal, device: string, kv: Kvargs): void {
  const args = parseRingArgs(device, kv);
  if (args.kind === 'nodeactions') {
    for (const { name, action } of args.actions) ownPort(eal, device, name, action);
    return;
  }
  if (args.kind === 'rings') {
    if (args.rx.length + args.tx.length === 0) throw new NicError('NIC_EINVAL', `${device}: a port needs at least one ring (${RX_RINGS_KEY}, ${TX_RINGS_KEY})`);
    createPort(eal, device, device, lookupRings(eal, device, RX_RINGS_KEY, args.rx), lookupRings(eal, device, TX_RINGS_KEY, args.tx), []);
    return;
  }
  const dev = ownPort(eal, device, device, 'CREATE');
  if (args.peer !== undefined) joinPeer(eal, dev, args.peer);
}

function ringList(rings: readonly Ring[]): string {
  for (const ring of rings) {
    if (RESERVED_CHARS.test(ring.name)) throw new NicError('NIC_EINVAL', `ringPort: ring name '${ring.name}' contains one of , [ ] =`);
  }
  return `[${rings.map((r) => r.name).join(',')}]`;
}

/**
 * Creates a port whose rx queue `i` dequeues from `rxRings[i]` and tx queue `i` enqueues to
 * `txRings[i]` (DPDK's `rte_eth_from_rings`): the vdev `net_ring_<name>`, whose port has
 * that name. Two such ports on two rings, crossed, make a wire. The rings stay the
 * caller's: closing the port drains its rx rings but frees no ring.
 * @throws NicError `NIC_EINVAL` for more than 16 rings a side, none at all, or a ring
 *   name with `, [ ] =`; `NIC_EEXIST` when the vdev exists.
 */
export async function ringPort(eal: Eal, name: string, rxRings: readonly Ring[], txRings: readonly Ring[]): Promise<number> {
  const device = `${FROM_RINGS_PREFIX}${name}`;
  await eal.vdev.attach(`${device},${RX_RINGS_KEY}=${ringList(rxRings)},${TX_RINGS_KEY}=${ringList(txRings)}`);
  return portIdByName(device, eal);
}

/** A port whose one rx and one tx queue both use `ring` (DPDK's `rte_eth_from_ring`). */
export function ringPortFromRing(eal: Eal, ring: Ring): Promise<number> {
  return ringPort(eal, ring.name, [ring], [ring]);
}
