/**
 * The device arguments of net_vhost, DPDK's:
 *
 * - `iface=<path>` (required): the vhost-user socket;
 * - `queues=<n>`: queue pairs, 1 to {@link VHOST_MAX_QUEUE_PAIRS}, default 1;
 * - `client=0|1`: connect to a frontend that listens (and reconnect), instead of listening;
 * - `iommu-support`, `postcopy-support`, `tso`, `linear-buffer`, `ext-buffer`,
 *   `legacy-ol-flags`: accepted as DPDK's keys; only `0` is supported yet.
 */
import { NicError, type Kvargs } from '@nic/eal';

export const IFACE_KEY = 'iface';
export const QUEUES_KEY = 'queues';
export const CLIENT_KEY = 'client';
/** DPDK's keys for features this driver does not have yet: only 0 is accepted. */
export const UNSUPPORTED_KEYS: readonly string[] = ['iommu-support', 'postcopy-support', 'tso', 'linear-buffer', 'ext-buffer', 'legacy-ol-flags'];
export const VALID_KEYS: readonly string[] = [IFACE_KEY, QUEUES_KEY, CLIENT_KEY, ...UNSUPPORTED_KEYS];
/** Most queue pairs (DPDK's `RTE_MAX_QUEUES_PER_PORT` / 2 bound by the vring limit). */
export const VHOST_MAX_QUEUE_PAIRS = 128;

/** What a net_vhost device's arguments ask for. */
export interface VhostArgs {
  readonly iface: string;
  readonly queues: number;
  readonly client: boolean;
}

/**
 * Reads the arguments of net_vhost device `device`.
 * @throws NicError `NIC_EINVAL` naming the device and key (no `iface`, bad numbers),
 *   `NIC_ENOTSUP` for a feature key set to 1.
 */
export function parseVhostArgs(device: string, kv: Kvargs): VhostArgs {
  try {
    const iface = kv.getString(IFACE_KEY);
    if (iface === undefined || iface === '') throw new NicError('NIC_EINVAL', `"${IFACE_KEY}" (the vhost-user socket path) is required`);
    const queues = kv.getInt(QUEUES_KEY, { min: 1, max: VHOST_MAX_QUEUE_PAIRS, default: 1 });
    const client = kv.getInt(CLIENT_KEY, { min: 0, max: 1, default: 0 }) === 1;
    for (const key of UNSUPPORTED_KEYS) {
      if (kv.getInt(key, { min: 0, max: 1, default: 0 }) === 1) throw new NicError('NIC_ENOTSUP', `"${key}=1" is not supported yet`);
    }
    return { iface, queues, client };
  } catch (e) {
    throw e instanceof NicError ? new NicError(e.code, `${device}: ${e.message}`, { cause: e }) : e;
  }
}
