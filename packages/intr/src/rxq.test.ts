import { describe, expect, it } from 'vitest';
import { closeFd, eventfd, eventfdRead, eventfdWrite } from '@nic/native';
import { codeOf } from './__fixtures__/errors.js';
import { openFdCount } from './__fixtures__/fds.js';
import { IntrHandle, IntrHandleType, MAX_RXTX_INTR_VEC_ID } from './handle.js';
import { efdDisable, efdEnable, EventfdRxIntr, EVENTFD_COUNTER_SIZE, RxIntrWait, rxQueueFd } from './rxq.js';

describe('queue vectors (efdEnable / efdDisable)', () => {
  it('gives MSI-X one new eventfd per queue beside the misc vector, and closes them again', () => {
    const before = openFdCount();
    const h = new IntrHandle({ type: IntrHandleType.VFIO_MSIX, fd: 3, devFd: 4 });
    efdEnable(h, 4);
    expect(h.nbEfd).toBe(4);
    expect(h.maxIntr).toBe(5);
    expect(new Set(h.efds).size).toBe(4);
    expect(h.dpEnabled).toBe(true);
    expect(h.allowOthers).toBe(true);
    expect(openFdCount()).toBe(before + 4);
    efdDisable(h);
    expect([h.nbEfd, h.maxIntr, h.efds.length]).toEqual([0, 0, 0]);
    expect(openFdCount()).toBe(before);
  });

  it('caps the vectors at MAX_RXTX_INTR_VEC_ID', () => {
    const h = new IntrHandle({ type: IntrHandleType.VDEV });
    efdEnable(h, MAX_RXTX_INTR_VEC_ID + 5);
    expect(h.nbEfd).toBe(MAX_RXTX_INTR_VEC_ID);
    expect(h.efdCounterSize).toBe(EVENTFD_COUNTER_SIZE);
    efdDisable(h);
  });

  it('makes other types share their one fd, which efdDisable leaves open', () => {
    const fd = eventfd(0, { nonblock: true });
    const h = new IntrHandle({ type: IntrHandleType.UIO, fd });
    efdEnable(h, 8);
    expect([h.nbEfd, h.maxIntr, h.efds]).toEqual([1, 1, [fd]]);
    expect(h.allowOthers).toBe(false);
    efdDisable(h);
    eventfdWrite(fd, 1);
    closeFd(fd);
    expect(codeOf(() => efdEnable(new IntrHandle({ type: IntrHandleType.UIO }), 1))).toBe('NIC_EINVAL');
    expect(codeOf(() => efdEnable(h, -1))).toBe('NIC_EINVAL');
  });

  it('maps a queue to its eventfd through the vector list', () => {
    const h = new IntrHandle({ type: IntrHandleType.VFIO_MSIX, fd: 3, devFd: 4 });
    expect(codeOf(() => rxQueueFd(h, 0))).toBe('NIC_EPERM');
    efdEnable(h, 3);
    expect([0, 1, 2].map((q) => rxQueueFd(h, q))).toEqual(h.efds);
    h.vectors = [3, 3, 1];
    expect([0, 1, 2].map((q) => rxQueueFd(h, q))).toEqual([h.efds[2], h.efds[2], h.efds[0]]);
    h.vectors = [9];
    expect(codeOf(() => rxQueueFd(h, 0))).toBe('NIC_EPERM');
    efdDisable(h);
  });
});

describe('EventfdRxIntr', () => {
  it('writes the eventfd once per arming', () => {
    const fd = eventfd(0, { nonblock: true });
    const q = EventfdRxIntr.forFd(fd);
    expect(q.notify()).toBe(false);
    q.enable();
    expect(q.armed).toBe(true);
    expect(q.notify()).toBe(true);
    expect(q.notify()).toBe(false);
    expect(q.armed).toBe(false);
    expect(eventfdRead(fd)).toBe(1);
    q.enable();
    q.disable();
    expect(q.notify()).toBe(false);
    expect(eventfdRead(fd)).toBe(0);
    closeFd(fd);
  });

  it('shares its armed flag with a copy rebuilt from `shared`', () => {
    const fd = eventfd(0, { nonblock: true });
    const a = EventfdRxIntr.forFd(fd);
    const b = new EventfdRxIntr(structuredClone(a.shared));
    b.enable();
    expect(a.armed).toBe(true);
    expect(a.notify()).toBe(true);
    expect(b.armed).toBe(false);
    closeFd(fd);
  });
});

describe('RxIntrWait', () => {
  it('returns the fired fds, drained, and nothing on timeout', () => {
    const fds = [eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true }), eventfd(0, { nonblock: true })];
    const w = new RxIntrWait(fds);
    expect(w.fds).toEqual(fds);
    expect(w.wait(0)).toEqual([]);
    eventfdWrite(fds[0], 3);
    eventfdWrite(fds[2], 1);
    expect(w.wait(-1).sort()).toEqual([fds[0], fds[2]].sort());
    expect(eventfdRead(fds[0])).toBe(0);
    const t0 = performance.now();
    expect(w.wait(20)).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
    w.remove(fds[1]);
    eventfdWrite(fds[1], 1);
    expect(w.wait(0)).toEqual([]);
    expect(codeOf(() => w.add(fds[0]))).toBe('NIC_EEXIST');
    expect(codeOf(() => w.add(fds[1], 9))).toBe('NIC_EINVAL');
    w.close();
    w.close();
    for (const fd of fds) closeFd(fd);
  });

  it('leaves a read size 0 fd to its owner', () => {
    const fd = eventfd(0, { nonblock: true });
    const w = new RxIntrWait();
    w.add(fd, 0);
    eventfdWrite(fd, 2);
    expect(w.wait(0)).toEqual([fd]);
    expect(eventfdRead(fd)).toBe(2);
    w.close();
    closeFd(fd);
  });
});
