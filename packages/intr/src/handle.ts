/**
 * Interrupt handles: what a device's interrupt is (its type), the fds that signal it, the
 * per-queue eventfd vectors, and how to enable, disable, acknowledge, mask and unmask it
 * (DPDK's `rte_intr_handle` with `rte_intr_enable/disable/ack`).
 */
import { LogLevel, registerLogtype } from '@nic/eal/driver';
import { NicError, pread, pwrite, uioWrite } from '@nic/native';
import { inContext } from './io.js';
import { vfioIssue, vfioRequests, type IntrOperation, type VfioIrqSource, type VfioSetIrqs } from './vfio.js';

/**
 * Interrupt handle types, numbered in DPDK's order (`enum rte_intr_handle_type`):
 * `UNKNOWN` is a generic fd read one byte at a time; `ALARM` a timerfd; `EXT` and `VDEV`
 * fds the owner drains; `DEV_EVENT` a uevent socket; `VFIO_REQ` the VFIO removal request.
 */
export const IntrHandleType = {
  UNKNOWN: 0,
  UIO: 1,
  UIO_INTX: 2,
  VFIO_LEGACY: 3,
  VFIO_MSI: 4,
  VFIO_MSIX: 5,
  ALARM: 6,
  EXT: 7,
  VDEV: 8,
  DEV_EVENT: 9,
  VFIO_REQ: 10,
} as const;
/** One of {@link IntrHandleType}. */
export type IntrHandleType = (typeof IntrHandleType)[keyof typeof IntrHandleType];

const TYPE_NAMES: Record<IntrHandleType, string> = {
  0: 'unknown', 1: 'uio', 2: 'uio_intx', 3: 'vfio_legacy', 4: 'vfio_msi', 5: 'vfio_msix',
  6: 'alarm', 7: 'ext', 8: 'vdev', 9: 'dev_event', 10: 'vfio_req',
};

/** The lower-case name of a handle type (`'vfio_msix'`), for messages. */
export function intrHandleTypeName(type: IntrHandleType): string {
  return TYPE_NAMES[type] ?? `type ${String(type)}`;
}

/** The vector of the "other" interrupt (link state, mailbox): `RTE_INTR_VEC_ZERO_OFFSET`. */
export const INTR_VEC_ZERO_OFFSET = 0;
/** The vector of the first rx queue: `RTE_INTR_VEC_RXTX_OFFSET`. */
export const INTR_VEC_RXTX_OFFSET = 1;
/** The most queue vectors one handle carries: `RTE_MAX_RXTX_INTR_VEC_ID`. */
export const MAX_RXTX_INTR_VEC_ID = 512;
/** How many vectors serve something other than queues: `NB_OTHER_INTR`. */
export const NB_OTHER_INTR = 1;

const log = registerLogtype('eal.intr');

/** PCI config space: the high byte of the Command register and its INTx-Disable bit (bit 10). */
const PCI_COMMAND_HIGH_BYTE = 5;
const PCI_COMMAND_HIGH_INTX_DISABLE = 0x4;

/** The fields of a new {@link IntrHandle}; fds default to -1 (none). */
export interface IntrHandleInit {
  readonly type: IntrHandleType;
  /** The fd that signals the interrupt (eventfd, `/dev/uioN`, timerfd, pipe ...). */
  readonly fd?: number;
  /** The VFIO device fd, or the UIO config-space fd for `UIO_INTX`. */
  readonly devFd?: number;
  /** For `VDEV`: how many bytes to read from a queue vector to drain it (0: eventfd's 8). */
  readonly efdCounterSize?: number;
  /**
   * For the VFIO types: who carries out `VFIO_DEVICE_SET_IRQS` requests. Default: the
   * ioctl on `devFd`. A device model passes its own, so that drivers program its vectors
   * exactly as they program the kernel's.
   */
  readonly setIrqs?: VfioSetIrqs;
}

const VFIO_KINDS: Partial<Record<IntrHandleType, VfioIrqSource['kind']>> = {
  [IntrHandleType.VFIO_MSIX]: 'msix',
  [IntrHandleType.VFIO_MSI]: 'msi',
  [IntrHandleType.VFIO_LEGACY]: 'intx',
  [IntrHandleType.VFIO_REQ]: 'req',
};

/**
 * A device's interrupt. The handle does not own its fds: whoever opened them closes them
 * (the queue vectors made by `efdEnable` are closed by `efdDisable`).
 */
export class IntrHandle {
  /** What kind of interrupt this is; decides how it is read, enabled and acknowledged. */
  type: IntrHandleType;
  /** The fd that signals the interrupt, -1 for none. */
  fd: number;
  /** The VFIO device fd or UIO config fd, -1 for none. */
  devFd: number;
  /** The queue vectors' eventfds: `efds[i]` serves vector `INTR_VEC_RXTX_OFFSET + i`. */
  efds: number[] = [];
  /** How many of `efds` are in use (`nb_efd`); non-zero means datapath interrupts are on. */
  nbEfd = 0;
  /** How many vectors the device is programmed with, the misc vector included (`max_intr`). */
  maxIntr = 0;
  /** See {@link IntrHandleInit.efdCounterSize}. */
  efdCounterSize: number;
  /** Queue to vector map (`intr_vec`): `vectors[q]` is the vector rx queue `q` raises. */
  vectors: number[] = [];
  /** See {@link IntrHandleInit.setIrqs}. */
  readonly setIrqs: VfioSetIrqs | undefined;

  constructor(init: IntrHandleInit) {
    if (typeof init !== 'object' || init === null || !(init.type in TYPE_NAMES)) {
      throw new TypeError('IntrHandle: expected { type: IntrHandleType, fd?, devFd? }');
    }
    this.type = init.type;
    this.fd = init.fd ?? -1;
    this.devFd = init.devFd ?? -1;
    this.efdCounterSize = init.efdCounterSize ?? 0;
    this.setIrqs = init.setIrqs;
  }

  /** Datapath (queue) interrupts are set up: `rte_intr_dp_is_en`. */
  get dpEnabled(): boolean {
    return this.nbEfd !== 0;
  }

  /** A vector other than the queues' is free for link-state interrupts: `rte_intr_allow_others`. */
  get allowOthers(): boolean {
    return !this.dpEnabled || this.maxIntr > this.nbEfd;
  }

  /** The handle can carry one vector per queue: `rte_intr_cap_multiple`. */
  get capMultiple(): boolean {
    return this.type === IntrHandleType.VFIO_MSIX || this.type === IntrHandleType.VDEV;
  }

  /**
   * Lets the device interrupt (`rte_intr_enable`): UIO writes 1 to its fd, `UIO_INTX`
   * clears INTx-Disable in config space, VFIO binds the eventfds with `SET_IRQS` (and
   * unmasks INTx). `VDEV` does nothing. No fd is `NIC_EINVAL`; a type that cannot be
   * enabled (`UNKNOWN`, `ALARM`, `EXT`, `DEV_EVENT`) is `NIC_ENOTSUP`; a refused system
   * call is a NicError with its errno.
   */
  enable(): void {
    this.#run('enable');
  }

  /** Stops the device interrupting (`rte_intr_disable`); errors as {@link enable}. */
  disable(): void {
    this.#run('disable');
  }

  /**
   * Re-arms after an interrupt was handled (`rte_intr_ack`): UIO and `UIO_INTX` enable
   * again, VFIO INTx unmasks, MSI and MSI-X need nothing. Errors as {@link enable}, and
   * `VFIO_REQ` is `NIC_ENOTSUP`.
   */
  ack(): void {
    this.#run('ack');
  }

  /**
   * Holds the interrupt without unbinding it: UIO writes 0, `UIO_INTX` sets INTx-Disable,
   * VFIO INTx uses `ACTION_MASK`. VFIO MSI and MSI-X cannot be masked through VFIO
   * (`NIC_ENOTSUP`; use {@link disable}).
   */
  mask(): void {
    this.#run('mask');
  }

  /** Releases a {@link mask}; same types as {@link mask}. */
  unmask(): void {
    this.#run('unmask');
  }

  #run(op: IntrOperation): void {
    if (this.type === IntrHandleType.VDEV) return;
    const what = `intr ${op}: ${this.#describe()}`;
    if (this.fd < 0) throw new NicError('NIC_EINVAL', `${what} has no fd`);
    const off = op === 'disable' || op === 'mask';
    if (this.type === IntrHandleType.UIO) {
      inContext(what, () => uioWrite(this.fd, !off));
    } else if (this.type === IntrHandleType.UIO_INTX) {
      this.#intxDisable(off, what);
    } else {
      this.#vfio(op, what);
    }
  }

  #describe(): string {
    return `${intrHandleTypeName(this.type)} handle (fd ${this.fd})`;
  }

  #intxDisable(disable: boolean, what: string): void {
    if (this.devFd < 0) throw new NicError('NIC_EINVAL', `${what} has no config-space fd`);
    const byte = new Uint8Array(1);
    const state = (b: number): string => ((b & PCI_COMMAND_HIGH_INTX_DISABLE) !== 0 ? 'set' : 'clear');
    inContext(`${what}, PCI command register`, () => {
      if (pread(this.devFd, byte, PCI_COMMAND_HIGH_BYTE) !== 1) throw new NicError('NIC_EIO', 'short read');
      const was = byte[0];
      byte[0] = disable ? was | PCI_COMMAND_HIGH_INTX_DISABLE : was & ~PCI_COMMAND_HIGH_INTX_DISABLE;
      if (pwrite(this.devFd, byte, PCI_COMMAND_HIGH_BYTE) !== 1) throw new NicError('NIC_EIO', 'short write');
      if (log.enabled(LogLevel.DEBUG)) log.debug(`${what}, PCI command register: INTx-Disable ${state(was)} -> ${state(byte[0])}`);
    });
  }

  #vfio(op: IntrOperation, what: string): void {
    const kind = VFIO_KINDS[this.type];
    const requests = kind && vfioRequests({ kind, fd: this.fd, efds: this.efds, vectors: msixVectors(this.maxIntr) }, op);
    if (requests === undefined) throw new NicError('NIC_ENOTSUP', `${what}: not supported`);
    if (this.devFd < 0 && !this.setIrqs) throw new NicError('NIC_EINVAL', `${what} has no VFIO device fd`);
    vfioIssue(this.devFd, requests, what, this.setIrqs);
  }
}

/** The MSI-X vectors DPDK programs: `max_intr` clamped to [1, MAX_RXTX_INTR_VEC_ID + 1]. */
function msixVectors(maxIntr: number): number {
  return maxIntr === 0 ? 1 : Math.min(maxIntr, MAX_RXTX_INTR_VEC_ID + 1);
}
