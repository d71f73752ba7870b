/**
 * The control operations of a net_tap port (DPDK's `eth_dev_ops` of `rte_eth_tap.c`). The
 * TAP interface is the kernel's end of the port's wire: a start brings it up and a stop
 * takes it down, so the link (the interface's, up while it is up and running) follows the
 * port; MTU and MAC changes go to the interface. Each queue pair is one queue fd of the
 * multi-queue TAP, opened at configure. Every frame the kernel sends reaches the port, so
 * the receive modes are accepted and change nothing. A stop returns the mbufs the rx
 * stashes hold; a close also closes the fds, and the kernel deletes the interface.
 */
import { MbufView } from '@nic/eal';
import { NetifPortOps, type EthDev, type EthdevOps, type PmdDevInfo } from '@nic/ethdev/driver';
import { closeFd, netifSetMac, netifSetMtu, tapAttachQueue } from '@nic/native';
import { queueOffset, TAP_MAX_QUEUES, TP_NB_QUEUES, TQ_FD, TQ_STASH_COUNT } from './layout.js';
import { drainStash } from './rx.js';

/** The control side of one net_tap port. */
export class TapPortOps extends NetifPortOps implements EthdevOps {
  /** The open queue fds: queue pair `i` uses `fds[i]`; empty once closed. */
  readonly fds: number[];

  constructor(iface: string, fd: number) {
    super(iface);
    this.fds = [fd];
  }

  infoGet(): PmdDevInfo {
    return { maxRxQueues: TAP_MAX_QUEUES, maxTxQueues: TAP_MAX_QUEUES, maxMacAddrs: 1 };
  }

  /** Opens or closes queue fds so that there is one per queue pair. */
  configure(dev: EthDev): void {
    const pairs = Math.max(1, dev.data.nbRxQueues, dev.data.nbTxQueues);
    while (this.fds.length < pairs) this.fds.push(tapAttachQueue(this.iface));
    for (const fd of this.fds.splice(pairs)) closeFd(fd);
    this.writeQueues(dev);
  }

  /** Records the queue fds in the port's private data, with empty rx stashes. */
  writeQueues(dev: EthDev): void {
    const { u32 } = dev.eal.arena;
    const priv = dev.data.privOffset;
    u32[(priv + TP_NB_QUEUES) >>> 2] = this.fds.length;
    this.fds.forEach((fd, q) => {
      const record = queueOffset(priv, q);
      u32[(record + TQ_FD) >>> 2] = fd;
      u32[(record + TQ_STASH_COUNT) >>> 2] = 0;
    });
  }

  start(dev: EthDev): void {
    this.setLinkUp(dev);
  }

  stop(dev: EthDev): void {
    this.setLinkDown(dev);
    this.#drainStashes(dev);
  }

  close(dev: EthDev): void {
    this.#drainStashes(dev);
    this.release();
  }

  /** Closes every queue fd, which deletes the interface. Idempotent. */
  release(): void {
    for (const fd of this.fds.splice(0)) closeFd(fd);
  }

  rxQueueRelease(dev: EthDev, queue: number): void {
    drainStash(dev.eal.arena, new MbufView(dev.eal.arena), dev.data.privOffset, queue);
  }

  promiscuousEnable(): void {
    // The kernel's frames all reach the port: nothing to filter, nothing to change.
  }

  promiscuousDisable(): void {
    // As promiscuousEnable.
  }

  allmulticastEnable(): void {
    // As promiscuousEnable.
  }

  allmulticastDisable(): void {
    // As promiscuousEnable.
  }

  macAddrSet(_dev: EthDev, mac: Uint8Array): void {
    netifSetMac(this.iface, mac);
  }

  mtuSet(_dev: EthDev, mtu: number): void {
    netifSetMtu(this.iface, mtu);
  }

  rxQueueSetup(): void {
    // The queue fd was opened at configure; the stash fills at the first burst.
  }

  txQueueSetup(): void {
    // As rxQueueSetup.
  }

  #drainStashes(dev: EthDev): void {
    const mbufs = new MbufView(dev.eal.arena);
    for (let q = 0; q < this.fds.length; q++) drainStash(dev.eal.arena, mbufs, dev.data.privOffset, q);
  }
}
