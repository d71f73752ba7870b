/**
 * The device arguments of net_ring:
 *
 * - none: the port `<device>` on its own rings (created, or found when they exist);
 * - `nodeaction=<name>:<node>:CREATE|ATTACH`, repeatable (DPDK's): one port `<name>` per
 *   value, on rings `ETH_RXTX<i>_<name>` created (found, when they exist) or found;
 * - `peer=<port>`: the port's tx rings become the rx rings of net_ring port `<port>` and
 *   the other way round, a wire between two ports;
 * - `rxrings=[<ring>,...]`, `txrings=[<ring>,...]`: the port on existing rings, by name
 *   (what `ringPort`, DPDK's `rte_eth_from_rings`, passes).
 */
import { NicError, splitListValue, type Kvargs } from '@nic/eal';

/** The keys net_ring accepts. */
export const NODE_ACTION_KEY = 'nodeaction';
/** See {@link NODE_ACTION_KEY}. */
export const PEER_KEY = 'peer';
/** See {@link NODE_ACTION_KEY}. */
export const RX_RINGS_KEY = 'rxrings';
/** See {@link NODE_ACTION_KEY}. */
export const TX_RINGS_KEY = 'txrings';
/** Every key net_ring accepts. */
export const VALID_KEYS: readonly string[] = [NODE_ACTION_KEY, PEER_KEY, RX_RINGS_KEY, TX_RINGS_KEY];

/** What a `nodeaction` asks for. */
export type RingAction = 'CREATE' | 'ATTACH';

/** One `nodeaction` value. */
export interface NodeAction {
  readonly name: string;
  /** NUMA node (recorded for DPDK compatibility; the arena has one). */
  readonly node: number;
  readonly action: RingAction;
}

/** What a device's arguments ask for. */
export type RingDeviceArgs =
  | { readonly kind: 'own'; readonly peer: string | undefined }
  | { readonly kind: 'nodeactions'; readonly actions: readonly NodeAction[] }
  | { readonly kind: 'rings'; readonly rx: readonly string[]; readonly tx: readonly string[] };

const NODE_ACTION_RE = /^([^:]+):([0-9]+):(CREATE|ATTACH)$/;

function bad(device: string, key: string, value: string, expected: string): NicError {
  return new NicError('NIC_EINVAL', `${device}: invalid value "${value}" for key "${key}": expected ${expected}`);
}

/**
 * Reads the arguments of net_ring device `device`.
 * @throws NicError `NIC_EINVAL` naming the device, key and value for a malformed value or a
 *   combination of keys that does not go together.
 */
export function parseRingArgs(device: string, kv: Kvargs): RingDeviceArgs {
  const has = (key: string): boolean => kv.has(key);
  if (has(NODE_ACTION_KEY)) {
    const other = [PEER_KEY, RX_RINGS_KEY, TX_RINGS_KEY].find(has);
    if (other) throw new NicError('NIC_EINVAL', `${device}: key "${other}" cannot be combined with "${NODE_ACTION_KEY}"`);
    const actions: NodeAction[] = [];
    kv.process(NODE_ACTION_KEY, (value) => {
      const m = NODE_ACTION_RE.exec(value);
      if (!m) throw bad(device, NODE_ACTION_KEY, value, 'name:node:CREATE|ATTACH');
      actions.push({ name: m[1], node: Number(m[2]), action: m[3] as RingAction });
    });
    return { kind: 'nodeactions', actions };
  }
  if (has(RX_RINGS_KEY) || has(TX_RINGS_KEY)) {
    if (has(PEER_KEY)) throw new NicError('NIC_EINVAL', `${device}: key "${PEER_KEY}" cannot be combined with ring lists`);
    const list = (key: string): string[] => {
      const value = kv.getString(key);
      if (value === undefined) return [];
      try {
        return splitListValue(value);
      } catch {
        throw bad(device, key, value, 'a list of ring names [a,b,...]');
      }
    };
    return { kind: 'rings', rx: list(RX_RINGS_KEY), tx: list(TX_RINGS_KEY) };
  }
  const peer = kv.getString(PEER_KEY);
  if (peer === '') throw bad(device, PEER_KEY, peer, 'the name of a net_ring port');
  return { kind: 'own', peer };
}
