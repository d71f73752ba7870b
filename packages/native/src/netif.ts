import { addon } from './addon.js';

/** Interface flag (`<net/if.h>`): administratively up. */
export const IFF_UP = 0x1;
/** Interface flag: has a broadcast address. */
export const IFF_BROADCAST = 0x2;
/** Interface flag: the loopback interface. */
export const IFF_LOOPBACK = 0x8;
/** Interface flag: operationally up (up, with carrier). */
export const IFF_RUNNING = 0x40;
/** Interface flag: promiscuous mode set by a user (`ip link set ... promisc on`). */
export const IFF_PROMISC = 0x100;
/** Interface flag: all-multicast mode set by a user. */
export const IFF_ALLMULTI = 0x200;
/** Interface flag: supports multicast. */
export const IFF_MULTICAST = 0x1000;
/** Duplex as ethtool reports it (`<linux/ethtool.h>`): half. */
export const DUPLEX_HALF = 0;
/** Duplex: full. */
export const DUPLEX_FULL = 1;
/** Duplex: unknown. */
export const DUPLEX_UNKNOWN = 0xff;
/** Bytes of an interface name field, its NUL included: names hold at most 15 bytes. */
export const IFNAMSIZ = 16;

/** An interface as the kernel reports it. */
export interface NetifInfo {
  readonly name: string;
  readonly ifindex: number;
  readonly mtu: number;
  /** The hardware address (6 bytes; meaningful when {@link NetifInfo.ether}). */
  readonly mac: Uint8Array;
  /** The interface has an Ethernet address (veth, tap, NICs; not lo or tun). */
  readonly ether: boolean;
  /** The `IFF_*` flags (promiscuous and all-multicast only when set by a user, not by sockets). */
  readonly flags: number;
  /** `IFF_UP`: administratively up. */
  readonly up: boolean;
  /** `IFF_RUNNING`: up and with carrier, so frames flow. */
  readonly running: boolean;
  /** Link speed in Mbps from ethtool, 0 when the interface does not know it. */
  readonly speed: number;
  readonly duplex: 'full' | 'half' | 'unknown';
  /** Autonegotiation is on. */
  readonly autoneg: boolean;
}

/** An interface's link as a port reports it (the shape of ethdev's `Link`). */
export interface NetifLink {
  /** Administratively up and with carrier (`IFF_UP` and `IFF_RUNNING`). */
  readonly up: boolean;
  /** Mbps; 0 while down or unknown. */
  readonly speed: number;
  readonly fullDuplex: boolean;
  readonly autoneg: boolean;
}

function duplexName(duplex: number): NetifInfo['duplex'] {
  if (duplex === DUPLEX_FULL) return 'full';
  if (duplex === DUPLEX_HALF) return 'half';
  return 'unknown';
}

/**
 * The index of interface `name` in the calling thread's network namespace.
 * @throws NicError `NIC_ENODEV` naming the interface when there is none of that name;
 *   `NIC_EINVAL` for a name longer than 15 bytes or with NUL or '/'.
 */
export function netifIndex(name: string): number {
  return addon.netifIndex(name);
}

/**
 * Index, MTU, MAC address, flags and link settings of interface `name`.
 * @throws NicError as {@link netifIndex}.
 */
export function netifInfo(name: string): NetifInfo {
  const raw = addon.netifInfo(name);
  return {
    name,
    ifindex: raw.ifindex,
    mtu: raw.mtu,
    mac: raw.mac,
    ether: raw.ether,
    flags: raw.flags,
    up: (raw.flags & IFF_UP) !== 0,
    running: (raw.flags & IFF_RUNNING) !== 0,
    speed: raw.speed,
    duplex: duplexName(raw.duplex),
    autoneg: raw.autoneg,
  };
}

/**
 * The link of interface `name` as a port reports it: up while the interface is up and
 * running, with ethtool's speed (0 while down or unknown), duplex and autonegotiation.
 * @throws NicError as {@link netifIndex}.
 */
export function netifLink(name: string): NetifLink {
  const info = netifInfo(name);
  const up = info.up && info.running;
  return { up, speed: up ? info.speed : 0, fullDuplex: info.duplex === 'full', autoneg: info.autoneg };
}

/** Milliseconds between two looks at the interface while {@link netifLinkWait} waits. */
const LINK_POLL_MS = 5;

/**
 * The link of interface `name` once it settles: while the interface is administratively up
 * but not running yet (its carrier or the kernel's link watch is pending), looks again every
 * few milliseconds, for at most `timeoutMs`; then resolves with the link as it is. An
 * interface that is down resolves at once.
 * @throws NicError as {@link netifIndex} (the promise rejects).
 */
export async function netifLinkWait(name: string, timeoutMs: number): Promise<NetifLink> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = netifInfo(name);
    if (!info.up || info.running || Date.now() >= deadline) return netifLink(name);
    await new Promise((resolve) => setTimeout(resolve, LINK_POLL_MS));
  }
}

/**
 * Brings interface `name` up or down (sets or clears `IFF_UP`). Needs CAP_NET_ADMIN.
 * @throws NicError `NIC_ENODEV` for an unknown interface, `NIC_EPERM` without the capability.
 */
export function netifSetUp(name: string, up: boolean): void {
  addon.netifSetUp(name, up);
}

/**
 * Sets the MTU of interface `name`. Needs CAP_NET_ADMIN.
 * @throws NicError `NIC_EINVAL` when the interface refuses the value, else as {@link netifSetUp}.
 */
export function netifSetMtu(name: string, mtu: number): void {
  addon.netifSetMtu(name, mtu);
}

/**
 * Sets the Ethernet address of interface `name`. Needs CAP_NET_ADMIN; some interfaces
 * accept it only while down.
 * @throws NicError `NIC_EINVAL` for an address that is not 6 bytes, `NIC_EIO` with errno
 *   EADDRNOTAVAIL for one the interface refuses (multicast), `NIC_EBUSY` when it must be
 *   down first, else as {@link netifSetUp}.
 */
export function netifSetMac(name: string, mac: Uint8Array): void {
  addon.netifSetMac(name, mac);
}
