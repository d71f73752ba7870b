/**
 * The mediated used rings of software-assisted live migration (DPDK's `m_vring` of
 * `m_ifcvf_start`): for each vring the device writes into while migrating (net rx vrings,
 * every blk vring) a used ring of the driver's own, DMA-mapped into the function's private
 * container at {@link IFCVF_MEDIATED_VRING} onwards, a private eventfd its MSI-X vector
 * signals instead of the frontend's call eventfd, and the relay that copies its entries to
 * the frontend's used ring, logging what the device wrote.
 */
import { allocAnonymous, closeFd, eventfd, NicError, type MemoryMapping } from '@nic/native';
import type { PciDmaContainer } from '@nic/pci/driver';
import { UsedRingRelay, usedRingBytes, type VdpaVhostDevice } from '@nic/vdpa/driver';

/** IOVA of the first mediated ring (DPDK's IFCVF_MEDIATED_VRING). */
export const IFCVF_MEDIATED_VRING = 0x200000000000;
const PAGE = 4096;
const USED_IDX = 2;

interface Ring {
  readonly memory: MemoryMapping;
  readonly iova: number;
  readonly intrFd: number;
  relay: UsedRingRelay | undefined;
}

/** The mediated rings of one switch-over, undone by {@link close}. */
export class MediatedRings {
  readonly #dma: PciDmaContainer;
  readonly #name: string;
  readonly #rings = new Map<number, Ring>();
  #nextIova = IFCVF_MEDIATED_VRING;

  constructor(dma: PciDmaContainer, name: string) {
    this.#dma = dma;
    this.#name = name;
  }

  /**
   * A mediated used ring for vring `qid` of `size` entries whose used index starts at
   * `usedIdx` (where the device resumes); returns the IOVA to program as its used ring.
   */
  add(qid: number, size: number, usedIdx: number): number {
    const bytes = Math.ceil(usedRingBytes(size) / PAGE) * PAGE;
    const memory = allocAnonymous(bytes);
    let intrFd = -1;
    try {
      new DataView(memory.buffer).setUint16(USED_IDX, usedIdx, true);
      const iova = this.#nextIova;
      this.#dma.dmaMap({ vaddr: memory.address, iova, length: bytes });
      this.#nextIova += bytes;
      intrFd = eventfd(0, { nonblock: true });
      this.#rings.set(qid, { memory, iova, intrFd, relay: undefined });
      return iova;
    } catch (e) {
      if (intrFd >= 0) closeFd(intrFd);
      memory.unmap();
      throw e;
    }
  }

  /** Whether vring `qid` goes through a mediated ring. */
  has(qid: number): boolean {
    return this.#rings.has(qid);
  }

  /** The eventfd vring `qid`'s MSI-X vector signals. */
  intrFd(qid: number): number {
    return this.#ring(qid).intrFd;
  }

  /** Vrings with a mediated ring. */
  get qids(): number[] {
    return [...this.#rings.keys()];
  }

  /** Sets up the relays to `vhost`'s rings (once the hardware is programmed). */
  attach(vhost: VdpaVhostDevice): void {
    for (const [qid, ring] of this.#rings) ring.relay = new UsedRingRelay(vhost, qid, ring.memory.address, this.#name);
  }

  /** Relays vring `qid`'s new used entries; returns how many. */
  relay(qid: number): number {
    return this.#ring(qid).relay?.relay() ?? 0;
  }

  /** Unmaps and frees every ring and closes the eventfds (the vectors must be unbound first). */
  close(): void {
    for (const ring of this.#rings.values()) {
      try {
        this.#dma.dmaUnmap(ring.iova);
      } finally {
        closeFd(ring.intrFd);
        ring.memory.unmap();
      }
    }
    this.#rings.clear();
  }

  #ring(qid: number): Ring {
    const ring = this.#rings.get(qid);
    if (!ring) throw new NicError('NIC_EINVAL', `${this.#name}: vring ${qid} has no mediated ring`);
    return ring;
  }
}
