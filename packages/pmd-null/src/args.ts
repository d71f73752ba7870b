/**
 * The device arguments of net_null (DPDK's): `size=<bytes>` (default 64), `copy=0|1`,
 * `no-rx=0|1`; `copy` and `no-rx` exclude each other.
 */
import { NicError, type Kvargs } from '@nic/eal';
import { MBUF_MAX_BUF_LEN } from '@nic/eal/layout';

/** Packet size key. */
export const SIZE_KEY = 'size';
/** Copy mode key. */
export const COPY_KEY = 'copy';
/** No-rx mode key. */
export const NO_RX_KEY = 'no-rx';
/** Every key net_null accepts. */
export const VALID_KEYS: readonly string[] = [SIZE_KEY, COPY_KEY, NO_RX_KEY];
/** Packet size without `size=` (DPDK's `default_packet_size`). */
export const DEFAULT_PACKET_SIZE = 64;

/** What a net_null device's arguments ask for. */
export interface NullArgs {
  /** Bytes of each received packet. */
  readonly size: number;
  /** Rx copies a template packet into each mbuf; tx copies each packet out before freeing it. */
  readonly copy: boolean;
  /** Rx returns nothing; tx still sinks. */
  readonly noRx: boolean;
}

/**
 * Reads the arguments of net_null device `device`.
 * @throws NicError `NIC_EINVAL` naming the key and value for a value out of range, or when
 *   `copy` and `no-rx` are both on.
 */
export function parseNullArgs(device: string, kv: Kvargs): NullArgs {
  try {
    const size = kv.getInt(SIZE_KEY, { min: 1, max: MBUF_MAX_BUF_LEN, default: DEFAULT_PACKET_SIZE });
    const copy = kv.getInt(COPY_KEY, { min: 0, max: 1, default: 0 }) === 1;
    const noRx = kv.getInt(NO_RX_KEY, { min: 0, max: 1, default: 0 }) === 1;
    if (copy && noRx) throw new NicError('NIC_EINVAL', `keys "${COPY_KEY}" and "${NO_RX_KEY}" cannot both be 1`);
    return { size, copy, noRx };
  } catch (e) {
    if (e instanceof NicError) throw new NicError(e.code, `${device}: ${e.message}`, { cause: e });
    throw e;
  }
}
