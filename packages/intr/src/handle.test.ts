import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NicError, VFIO } from '@nic/native';
import { IntrHandle, IntrHandleType, intrHandleTypeName, MAX_RXTX_INTR_VEC_ID } from './handle.js';
import { vfioRequests } from './vfio.js';

const dir = mkdtempSync(join(tmpdir(), 'nic-intr-handle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): NicError | Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

describe('IntrHandle', () => {
  it('numbers the types in DPDK\'s order', () => {
    expect(Object.keys(IntrHandleType)).toEqual([
      'UNKNOWN', 'UIO', 'UIO_INTX', 'VFIO_LEGACY', 'VFIO_MSI', 'VFIO_MSIX', 'ALARM', 'EXT', 'VDEV', 'DEV_EVENT', 'VFIO_REQ',
    ]);
    expect(Object.values(IntrHandleType)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(intrHandleTypeName(IntrHandleType.VFIO_MSIX)).toBe('vfio_msix');
  });

  it('starts without fds or vectors and rejects an unknown type', () => {
    const h = new IntrHandle({ type: IntrHandleType.UIO });
    expect([h.fd, h.devFd, h.nbEfd, h.maxIntr, h.efds.length]).toEqual([-1, -1, 0, 0, 0]);
    expect(h.dpEnabled).toBe(false);
    expect(h.allowOthers).toBe(true);
    expect(() => new IntrHandle({ type: 42 as IntrHandleType })).toThrow(TypeError);
  });

  it('tells which handles carry one vector per queue', () => {
    const caps = Object.values(IntrHandleType).filter((type) => new IntrHandle({ type }).capMultiple);
    expect(caps).toEqual([IntrHandleType.VFIO_MSIX, IntrHandleType.VDEV]);
  });

  it('treats VDEV operations as no-ops, even without fds', () => {
    const h = new IntrHandle({ type: IntrHandleType.VDEV });
    for (const op of ['enable', 'disable', 'ack', 'mask', 'unmask'] as const) expect(() => h[op]()).not.toThrow();
  });

  it('refuses ack for alarm, dev_event and the VFIO request interrupt', () => {
    for (const type of [IntrHandleType.ALARM, IntrHandleType.DEV_EVENT, IntrHandleType.VFIO_REQ, IntrHandleType.EXT]) {
      const h = new IntrHandle({ type, fd: 0, devFd: 0 });
      expect((errorOf(() => h.ack()) as NicError).code).toBe('NIC_ENOTSUP');
    }
  });
});

describe('UIO_INTX: the INTx-Disable bit in the PCI command register', () => {
  function configSpace(commandHigh: number): { fd: number; file: string } {
    const file = join(dir, `config-${commandHigh}`);
    const bytes = new Uint8Array(64).fill(0xa5);
    bytes[5] = commandHigh;
    writeFileSync(file, bytes);
    return { fd: openSync(file, 'r+'), file };
  }

  it('clears bit 0x4 of byte 5 to enable and ack, sets it to disable and mask, touching nothing else', () => {
    const { fd, file } = configSpace(0x07);
    const h = new IntrHandle({ type: IntrHandleType.UIO_INTX, fd: 3, devFd: fd });
    const byte5 = (): number => readFileSync(file)[5];
    h.enable();
    expect(byte5()).toBe(0x03);
    h.disable();
    expect(byte5()).toBe(0x07);
    h.ack();
    expect(byte5()).toBe(0x03);
    h.mask();
    expect(byte5()).toBe(0x07);
    h.unmask();
    expect(byte5()).toBe(0x03);
    const all = readFileSync(file);
    expect([...all.subarray(0, 5), ...all.subarray(6)].every((b) => b === 0xa5)).toBe(true);
    closeSync(fd);
  });

  it('needs the config fd, and reports a refused pread with its errno', () => {
    const noCfg = new IntrHandle({ type: IntrHandleType.UIO_INTX, fd: 3 });
    expect((errorOf(() => noCfg.enable()) as NicError).code).toBe('NIC_EINVAL');
    const { fd } = configSpace(0);
    closeSync(fd);
    const closed = new IntrHandle({ type: IntrHandleType.UIO_INTX, fd: 3, devFd: fd });
    const err = errorOf(() => closed.enable()) as NicError;
    expect(err).toBeInstanceOf(NicError);
    expect(err.syscall).toBe('pread');
    expect(err.errno).toBe(9);
    expect(err.message).toContain('uio_intx');
  });
});

// The requests as built; issued on a real vfio-pci function whose INTx and MSI the device
// raises itself, they run in the QEMU guest (pmd-igb's guest.test.ts, kernel paths).
describe('VFIO: SET_IRQS requests by type', () => {
  const { VFIO_PCI_MSIX_IRQ_INDEX: MSIX, VFIO_PCI_MSI_IRQ_INDEX: MSI, VFIO_PCI_INTX_IRQ_INDEX: INTX, VFIO_PCI_REQ_IRQ_INDEX: REQ } = VFIO;

  it('MSI-X binds the misc fd to vector 0 and the queue eventfds after it; disable tears down; ack does nothing', () => {
    const src = { kind: 'msix' as const, fd: 10, efds: [11, 12], vectors: 3 };
    expect(vfioRequests(src, 'enable')).toEqual([{ index: MSIX, action: 'trigger', fds: [10, 11, 12] }]);
    expect(vfioRequests({ ...src, vectors: 4 }, 'enable')).toEqual([{ index: MSIX, action: 'trigger', fds: [10, 11, 12, -1] }]);
    expect(vfioRequests(src, 'disable')).toEqual([{ index: MSIX, action: 'disable' }]);
    expect(vfioRequests(src, 'ack')).toEqual([]);
    expect(vfioRequests(src, 'mask')).toBeUndefined();
  });

  it('MSI binds one vector; INTx triggers then unmasks, masks then tears down, acks by unmasking', () => {
    const msi = { kind: 'msi' as const, fd: 10, efds: [11], vectors: 2 };
    expect(vfioRequests(msi, 'enable')).toEqual([{ index: MSI, action: 'trigger', fds: [10] }]);
    expect(vfioRequests(msi, 'disable')).toEqual([{ index: MSI, action: 'disable' }]);
    const intx = { kind: 'intx' as const, fd: 10, efds: [], vectors: 1 };
    expect(vfioRequests(intx, 'enable')).toEqual([{ index: INTX, action: 'trigger', fds: [10] }, { index: INTX, action: 'unmask' }]);
    expect(vfioRequests(intx, 'disable')).toEqual([{ index: INTX, action: 'mask' }, { index: INTX, action: 'disable' }]);
    expect(vfioRequests(intx, 'ack')).toEqual([{ index: INTX, action: 'unmask' }]);
    expect(vfioRequests(intx, 'mask')).toEqual([{ index: INTX, action: 'mask' }]);
    const req = { kind: 'req' as const, fd: 10, efds: [], vectors: 1 };
    expect(vfioRequests(req, 'enable')).toEqual([{ index: REQ, action: 'trigger', fds: [10] }]);
    expect(vfioRequests(req, 'ack')).toBeUndefined();
  });

  it('programs max_intr vectors, at least one and at most MAX_RXTX_INTR_VEC_ID + 1', () => {
    // Through a handle: the ioctl on a non-VFIO fd fails after the request was built.
    const file = join(dir, 'not-vfio');
    writeFileSync(file, '');
    const fd = openSync(file, 'r');
    const h = new IntrHandle({ type: IntrHandleType.VFIO_MSIX, fd: 5, devFd: fd });
    h.maxIntr = MAX_RXTX_INTR_VEC_ID + 10;
    const err = errorOf(() => h.enable()) as NicError;
    expect(err).toBeInstanceOf(NicError);
    expect(err.syscall).toBe('ioctl');
    expect(err.errno).toBe(25);
    expect(err.message).toContain(`count ${MAX_RXTX_INTR_VEC_ID + 1}`);
    h.ack();
    expect((errorOf(() => h.mask()) as NicError).code).toBe('NIC_ENOTSUP');
    const noDev = new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd: 5 });
    expect((errorOf(() => noDev.enable()) as NicError).code).toBe('NIC_EINVAL');
    closeSync(fd);
  });
});
