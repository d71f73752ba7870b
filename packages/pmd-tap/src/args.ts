/**
 * The device arguments of net_tap, DPDK's:
 *
 * - `iface=<name>`: the TAP interface to create; default `dtap%d`, the kernel replacing
 *   `%d` by the lowest free number (`dtap0`, `dtap1`, ...). An existing interface of that
 *   name fails the device: the driver never takes over someone else's interface.
 * - `mac=<xx:xx:xx:xx:xx:xx>` or `mac=fixed`: the port's address, which the TAP interface
 *   takes too; `fixed` is DPDK's `00:64:74:61:70:<n>` ("dtap" and a counter); default random.
 */
import { NicError, type Kvargs } from '@nic/eal';
import { isAssignableMac, parseMac } from '@nic/ethdev/driver';

/** Interface key. */
export const IFACE_KEY = 'iface';
/** MAC address key. */
export const MAC_KEY = 'mac';
/** Every key net_tap accepts. */
export const VALID_KEYS: readonly string[] = [IFACE_KEY, MAC_KEY];
/** Interface name without `iface=` (DPDK's `dtap<N>`, the kernel choosing N). */
export const DEFAULT_TAP_NAME = 'dtap%d';
/** The `mac=` value asking for DPDK's fixed address. */
export const MAC_FIXED = 'fixed';
/** First five bytes of a fixed address: 0, then "dtap". */
const FIXED_MAC_PREFIX = [0x00, 0x64, 0x74, 0x61, 0x70];
/** The last byte of the n-th fixed address is the character '0' + n, as DPDK makes it. */
const FIXED_MAC_BASE = 0x30;

const FIXED_KEY = Symbol.for('nic.pmd-tap.fixedMacCount.v1');

/** The next fixed address of this process. */
function nextFixedMac(): Uint8Array {
  const g = globalThis as { [FIXED_KEY]?: number };
  const n = g[FIXED_KEY] ?? 0;
  g[FIXED_KEY] = n + 1;
  return Uint8Array.of(...FIXED_MAC_PREFIX, (FIXED_MAC_BASE + n) & 0xff);
}

/** What a net_tap device's arguments ask for. */
export interface TapArgs {
  /** The interface name, or a template with `%d`. */
  readonly iface: string;
  /** The port's address; undefined for a random one. */
  readonly mac: Uint8Array | undefined;
}

/**
 * Reads the arguments of net_tap device `device`.
 * @throws NicError `NIC_EINVAL` naming the device, key and value for an empty interface
 *   name or an address that is malformed, multicast or zero.
 */
export function parseTapArgs(device: string, kv: Kvargs): TapArgs {
  try {
    const iface = kv.getString(IFACE_KEY, { default: DEFAULT_TAP_NAME });
    if (iface === '') throw new NicError('NIC_EINVAL', `"${IFACE_KEY}" names no interface`);
    const text = kv.getString(MAC_KEY);
    let mac: Uint8Array | undefined;
    if (text !== undefined && text.toLowerCase() === MAC_FIXED) mac = nextFixedMac();
    else if (text !== undefined) {
      const bad = (): NicError => new NicError('NIC_EINVAL', `invalid value "${text}" for key "${MAC_KEY}": expected a unicast, non-zero address xx:xx:xx:xx:xx:xx or "${MAC_FIXED}"`);
      try {
        mac = parseMac(text);
      } catch {
        throw bad();
      }
      if (!isAssignableMac(mac)) throw bad();
    }
    return { iface, mac };
  } catch (e) {
    if (e instanceof NicError) throw new NicError(e.code, `${device}: ${e.message}`, { cause: e });
    throw e;
  }
}
