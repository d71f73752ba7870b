/**
 * Interrupt handles: what a device's interrupt is (its type), the fds that signal it, the
 * per-queue eventfd vectors, and how to enable, disable, acknowledge, mask and unmask it
 * (DPDK's `rte_intr_handle` with `rte_intr_enable/disable/ack`).
 */
import { writeSync } from 'node:fs';
import { NicError } from '@nic/native';
import { configByteUpdate, errnoError } from './io.js';
import { VFIO_IRQ_SET, VFIO_PCI_IRQ_INDEX, vfioSetIrqs, type VfioIrqRequest } from './vfio.js';

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

/** PCI config space: the high byte of the Command register and its INTx-Disable bit (bit 10). */
const PCI_COMMAND_HIGH_BYTE = 5;
const PCI_COMMAND_HIGH_INTX_DISABLE = 0x4;

/** What the UIO driver's irqcontrol receives: 1 unmasks the interrupt, 0 masks it. */
const UIO_IRQ_ON = 1;
const UIO_IRQ_OFF = 0;

/** The fields of a new {@link IntrHandle}; fds default to -1 (none). */
export interface IntrHandleInit {
  readonly type: IntrHandleType;
  /** The fd that signals the interrupt (eventfd, `/dev/uioN`, timerfd, pipe ...). */
  readonly fd?: number;
  /** The VFIO device fd, or the UIO config-space fd for `UIO_INTX`. */
  readonly devFd?: number;
  /** For `VDEV`: how many bytes to read from a queue vector to drain it (0: eventfd's 8). */
  readonly efdCounterSize?: number;
}

/** The three operations of the enable/disable/ack table, by handle type. */
type Operation = 'enable' | 'disable' | 'ack' | 'mask' | 'unmask';

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

  constructor(init: IntrHandleInit) {
    if (typeof init !== 'object' || init === null || !(init.type in TYPE_NAMES)) {
      throw new TypeError('IntrHandle: expected { type: IntrHandleType, fd?, devFd? }');
    }
    this.type = init.type;
    this.fd = init.fd ?? -1;
    this.devFd = init.devFd ?? -1;
    this.efdCounterSize = init.efdCounterSize ?? 0;
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

  #run(op: Operation): void {
    const T = IntrHandleType;
    if (this.type === T.VDEV) return;
    if (this.fd < 0) throw new NicError('NIC_EINVAL', `intr ${op}: ${this.#describe()} has no fd`);
    switch (this.type) {
      case T.UIO:
        this.#uioControl(op === 'disable' || op === 'mask' ? UIO_IRQ_OFF : UIO_IRQ_ON, op);
        return;
      case T.UIO_INTX:
        this.#intxDisableBit(op === 'disable' || op === 'mask', op);
        return;
      case T.VFIO_MSIX:
      case T.VFIO_MSI:
      case T.VFIO_LEGACY:
      case T.VFIO_REQ:
        this.#vfio(op);
        return;
      default:
        throw new NicError('NIC_ENOTSUP', `intr ${op}: not supported for ${this.#describe()}`);
    }
  }

  #describe(): string {
    return `${intrHandleTypeName(this.type)} handle (fd ${this.fd})`;
  }

  #uioControl(value: number, op: Operation): void {
    const word = new Int32Array([value]);
    try {
      writeSync(this.fd, new Uint8Array(word.buffer));
    } catch (e) {
      throw errnoError(e, `intr ${op}: writing ${value} to ${this.#describe()}`);
    }
  }

  #intxDisableBit(set: boolean, op: Operation): void {
    if (this.devFd < 0) throw new NicError('NIC_EINVAL', `intr ${op}: ${this.#describe()} has no config-space fd`);
    configByteUpdate(this.devFd, PCI_COMMAND_HIGH_BYTE, (b) => (set ? b | PCI_COMMAND_HIGH_INTX_DISABLE : b & ~PCI_COMMAND_HIGH_INTX_DISABLE), `intr ${op}: ${this.#describe()} PCI command register`);
  }

  #vfio(op: Operation): void {
    if (this.devFd < 0) throw new NicError('NIC_EINVAL', `intr ${op}: ${this.#describe()} has no VFIO device fd`);
    const requests = vfioRequests(this, op);
    if (requests === undefined) throw new NicError('NIC_ENOTSUP', `intr ${op}: not supported for ${this.#describe()}`);
    for (const r of requests) vfioSetIrqs(this.devFd, r, `intr ${op}: ${this.#describe()}`);
  }
}

/** The MSI-X vector count DPDK programs: `max_intr` clamped to [1, MAX_RXTX_INTR_VEC_ID + 1]. */
function msixCount(h: IntrHandle): number {
  return h.maxIntr === 0 ? 1 : Math.min(h.maxIntr, MAX_RXTX_INTR_VEC_ID + 1);
}

/**
 * The `VFIO_DEVICE_SET_IRQS` requests that carry out `op` on a VFIO handle, in order, or
 * undefined when VFIO has no such operation for the type. MSI-X binds the handle's fd to
 * vector 0 and `efds[i]` to vector `1 + i`; vectors beyond them get -1 (no trigger).
 */
export function vfioRequests(h: IntrHandle, op: Operation): readonly VfioIrqRequest[] | undefined {
  const S = VFIO_IRQ_SET;
  const trigger = (index: number, fds: readonly number[]): VfioIrqRequest => ({
    index, start: 0, count: fds.length, flags: S.DATA_EVENTFD | S.ACTION_TRIGGER, fds,
  });
  const untrigger = (index: number): VfioIrqRequest => ({ index, start: 0, count: 0, flags: S.DATA_NONE | S.ACTION_TRIGGER, fds: [] });
  const intx = (action: number): VfioIrqRequest => ({ index: VFIO_PCI_IRQ_INDEX.INTX, start: 0, count: 1, flags: S.DATA_NONE | action, fds: [] });
  switch (h.type) {
    case IntrHandleType.VFIO_MSIX: {
      if (op === 'ack') return [];
      if (op === 'mask' || op === 'unmask') return undefined;
      if (op === 'disable') return [untrigger(VFIO_PCI_IRQ_INDEX.MSIX)];
      const fds = Array.from({ length: msixCount(h) }, (_, i) => (i === INTR_VEC_ZERO_OFFSET ? h.fd : (h.efds[i - INTR_VEC_RXTX_OFFSET] ?? -1)));
      return [trigger(VFIO_PCI_IRQ_INDEX.MSIX, fds)];
    }
    case IntrHandleType.VFIO_MSI:
      if (op === 'ack') return [];
      if (op === 'mask' || op === 'unmask') return undefined;
      return op === 'disable' ? [untrigger(VFIO_PCI_IRQ_INDEX.MSI)] : [trigger(VFIO_PCI_IRQ_INDEX.MSI, [h.fd])];
    case IntrHandleType.VFIO_LEGACY:
      if (op === 'enable') return [trigger(VFIO_PCI_IRQ_INDEX.INTX, [h.fd]), intx(S.ACTION_UNMASK)];
      if (op === 'disable') return [intx(S.ACTION_MASK), untrigger(VFIO_PCI_IRQ_INDEX.INTX)];
      return [intx(op === 'mask' ? S.ACTION_MASK : S.ACTION_UNMASK)];
    case IntrHandleType.VFIO_REQ:
      if (op === 'enable') return [trigger(VFIO_PCI_IRQ_INDEX.REQ, [h.fd])];
      if (op === 'disable') return [untrigger(VFIO_PCI_IRQ_INDEX.REQ)];
      return undefined;
    default:
      return undefined;
  }
}
