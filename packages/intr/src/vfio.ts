/**
 * VFIO interrupt programming for a handle: which `VFIO_DEVICE_SET_IRQS` requests carry out
 * enable, disable, ack, mask and unmask for each VFIO handle type (DPDK's
 * `vfio_enable_msix`, `vfio_disable_intx`, `vfio_ack_intx` ...), and issuing them.
 */
import { VFIO, vfioDeviceSetIrqs } from '@nic/native';
import { inContext } from './io.js';

/** An operation of the enable/disable/ack table. */
export type IntrOperation = 'enable' | 'disable' | 'ack' | 'mask' | 'unmask';

/**
 * One `VFIO_DEVICE_SET_IRQS` request: bind `fds` as triggers of vectors `0 ..
 * fds.length - 1` (-1 unbinds a vector), or mask, unmask or tear down interrupt `index`.
 */
export type VfioIrqRequest =
  | { readonly index: number; readonly action: 'trigger'; readonly fds: readonly number[] }
  | { readonly index: number; readonly action: 'mask' | 'unmask' | 'disable' };

/** What a VFIO handle holds that the requests depend on. */
export interface VfioIrqSource {
  readonly kind: 'msix' | 'msi' | 'intx' | 'req';
  readonly fd: number;
  readonly efds: readonly number[];
  /** Vectors to program for MSI-X (the misc vector included). */
  readonly vectors: number;
}

/**
 * The requests that carry out `op`, in order; an empty list when VFIO needs nothing (ack
 * of MSI and MSI-X), undefined when VFIO cannot do it (masking MSI or MSI-X, acking a
 * request interrupt). MSI-X binds `fd` to vector 0 and `efds[i]` to vector `1 + i`.
 */
export function vfioRequests(src: VfioIrqSource, op: IntrOperation): readonly VfioIrqRequest[] | undefined {
  switch (src.kind) {
    case 'msix':
    case 'msi': {
      const index = src.kind === 'msix' ? VFIO.VFIO_PCI_MSIX_IRQ_INDEX : VFIO.VFIO_PCI_MSI_IRQ_INDEX;
      if (op === 'ack') return [];
      if (op === 'disable') return [{ index, action: 'disable' }];
      if (op !== 'enable') return undefined;
      const count = src.kind === 'msix' ? src.vectors : 1;
      const fds = Array.from({ length: count }, (_, v) => (v === 0 ? src.fd : (src.efds[v - 1] ?? -1)));
      return [{ index, action: 'trigger', fds }];
    }
    case 'intx': {
      const index = VFIO.VFIO_PCI_INTX_IRQ_INDEX;
      if (op === 'enable') return [{ index, action: 'trigger', fds: [src.fd] }, { index, action: 'unmask' }];
      if (op === 'disable') return [{ index, action: 'mask' }, { index, action: 'disable' }];
      return [{ index, action: op === 'mask' ? 'mask' : 'unmask' }];
    }
    case 'req': {
      const index = VFIO.VFIO_PCI_REQ_IRQ_INDEX;
      if (op === 'enable') return [{ index, action: 'trigger', fds: [src.fd] }];
      if (op === 'disable') return [{ index, action: 'disable' }];
      return undefined;
    }
  }
}

/**
 * One `VFIO_DEVICE_SET_IRQS`: bind `how` (eventfds, -1 for none) to vectors `start ..` of
 * interrupt `index`, or mask, unmask or disable it. The shape of @nic/native's
 * `vfioDeviceSetIrqs` without the device fd.
 */
export type VfioSetIrqs = (index: number, start: number, how: readonly number[] | 'mask' | 'unmask' | 'disable') => void;

/**
 * Issues `requests` through `setIrqs`, or on the VFIO device fd when it is not given; a
 * refusal is a NicError naming `what`.
 */
export function vfioIssue(deviceFd: number, requests: readonly VfioIrqRequest[], what: string, setIrqs?: VfioSetIrqs): void {
  const issue: VfioSetIrqs = setIrqs ?? ((index, start, how) => vfioDeviceSetIrqs(deviceFd, index, start, how));
  inContext(what, () => {
    for (const r of requests) issue(r.index, 0, r.action === 'trigger' ? r.fds : r.action);
  });
}
