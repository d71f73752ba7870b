/**
 * Ethernet addresses in the API: strings `aa:bb:cc:dd:ee:ff` (lower case when returned),
 * six bytes in shared memory.
 */
import { randomBytes } from 'node:crypto';
import { NicError } from '@nic/eal';
import { MAC_LENGTH } from './shared.js';

const MAC_RE = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
const HEX = 16;
/** First-byte bit of a group (multicast) address. */
const GROUP_BIT = 0x01;
/** First-byte bit of a locally administered address. */
const LOCAL_BIT = 0x02;

/**
 * The six bytes of `text` (`aa:bb:cc:dd:ee:ff`, either case).
 * @throws NicError `NIC_EINVAL` naming the text when it is not a MAC address.
 */
export function parseMac(text: string): Uint8Array {
  if (typeof text !== 'string' || !MAC_RE.test(text)) throw new NicError('NIC_EINVAL', `'${String(text)}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return Uint8Array.from(text.split(':'), (part) => Number.parseInt(part, HEX));
}

/** `bytes` (six of them) as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, MAC_LENGTH), (b) => b.toString(HEX).padStart(2, '0')).join(':');
}

/** Whether `bytes` is a unicast, non-zero address (DPDK's `rte_is_valid_assigned_ether_addr`). */
export function isAssignableMac(bytes: Uint8Array): boolean {
  return (bytes[0] & GROUP_BIT) === 0 && bytes.some((b) => b !== 0);
}

/** Whether `bytes` is 00:00:00:00:00:00. */
export function isZeroMac(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** A random locally administered unicast address (DPDK's `rte_eth_random_addr`). */
export function randomMac(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(MAC_LENGTH));
  bytes[0] = (bytes[0] & ~GROUP_BIT) | LOCAL_BIT;
  return bytes;
}
