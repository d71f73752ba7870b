import { describe, expect, it } from 'vitest';
import { closeFd, eventfd, uioRead, uioWrite } from './index.js';

const EINVAL = 22;

describe('UIO', () => {
  it('reports a fd that is not a UIO device through the read/write errno', () => {
    // An eventfd takes only 8-byte reads and writes, so the 4-byte UIO access is EINVAL.
    const fd = eventfd(1);
    expect(() => uioRead(fd)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', errno: EINVAL, syscall: 'read' }));
    expect(() => uioWrite(fd, true)).toThrow(expect.objectContaining({ errno: EINVAL, syscall: 'write' }));
    expect(() => uioWrite(fd, 0)).toThrow(expect.objectContaining({ errno: EINVAL, message: expect.stringContaining('disabling') }));
    closeFd(fd);
  });

  it('checks arguments', () => {
    expect(() => uioRead(-1)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', errno: 9 }));
    expect(() => uioWrite(0, 2 as 1)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => uioWrite(0, 'yes' as unknown as boolean)).toThrow(TypeError);
  });
});
