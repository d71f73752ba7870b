/**
 * The link of a port backed by a kernel network interface (net_af_packet, net_tap): the
 * interface's own link, up while the interface is up and running.
 */
import { netifLink, netifLinkWait, netifSetUp } from '@nic/native';
import { linkStatusSet } from './link.js';
import type { EthdevOps } from './ops.js';
import type { EthDev } from './port.js';

/** Longest wait for the link of an interface coming up, when the caller waits (`linkGet`). */
export const NETIF_LINK_WAIT_MS = 1000;

/**
 * The link operations of a port on kernel interface {@link iface}, for a driver's ops class
 * to extend: the link reported is the interface's, and setting the link up or down sets the
 * interface up or down.
 */
export abstract class NetifPortOps implements Pick<EthdevOps, 'linkUpdate' | 'setLinkUp' | 'setLinkDown'> {
  /** The kernel interface behind the port. */
  readonly iface: string;

  constructor(iface: string) {
    this.iface = iface;
  }

  /**
   * Stores the interface's link as the port's. Waiting, a link that is coming up (the
   * interface up, not running yet) gets up to {@link NETIF_LINK_WAIT_MS} to settle first.
   */
  linkUpdate(dev: EthDev, waitToComplete = false): void | Promise<void> {
    if (!waitToComplete) {
      linkStatusSet(dev, netifLink(this.iface));
      return;
    }
    return netifLinkWait(this.iface, NETIF_LINK_WAIT_MS).then((link) => {
      linkStatusSet(dev, link);
    });
  }

  /** Brings the interface up and stores its link as it is now. */
  setLinkUp(dev: EthDev): void {
    netifSetUp(this.iface, true);
    this.linkUpdate(dev);
  }

  /** Takes the interface down and stores its link as it is now. */
  setLinkDown(dev: EthDev): void {
    netifSetUp(this.iface, false);
    this.linkUpdate(dev);
  }
}
