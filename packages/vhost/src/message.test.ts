import { describe, expect, it } from 'vitest';
import { checkHeader, checkMessage, memTableRegions } from './message.js';
import { FLAG_VERSION, MAX_PAYLOAD, Request } from './protocol.js';

function payload(bytes: number, fill: (v: DataView) => void = () => {}): DataView {
  const v = new DataView(new ArrayBuffer(bytes));
  fill(v);
  return v;
}

function header(request: number, size: number, flags = FLAG_VERSION) {
  return { request, flags, size };
}

function memTable(regions: [bigint, bigint, bigint, bigint][], count = regions.length): DataView {
  return payload(8 + 32 * regions.length, (v) => {
    v.setUint32(0, count, true);
    regions.forEach((r, i) => r.forEach((x, j) => v.setBigUint64(8 + 32 * i + 8 * j, x, true)));
  });
}

describe('vhost-user message checks', () => {
  it('accepts well-formed messages', () => {
    expect(() => checkMessage(header(Request.GET_FEATURES, 0), payload(0), 0)).not.toThrow();
    expect(() => checkMessage(header(Request.SET_VRING_KICK, 8), payload(8, (v) => v.setUint32(0, 1, true)), 1)).not.toThrow();
    expect(() => checkMessage(header(Request.SET_VRING_CALL, 8), payload(8, (v) => v.setUint32(0, 0x101, true)), 0)).not.toThrow();
    expect(() => checkMessage(header(Request.SET_VRING_NUM, 8), payload(8, (v) => v.setUint32(4, 256, true)), 0)).not.toThrow();
    expect(memTableRegions(memTable([[0x1000n, 0x2000n, 0x7f0000000000n, 0n]]))).toEqual([
      { guestPhysAddr: 0x1000, size: 0x2000, userspaceAddr: 0x7f0000000000, mmapOffset: 0 },
    ]);
  });

  it.each([
    ['an unknown request', header(99, 0), payload(0), 0, 'NIC_ENOTSUP'],
    ['version 0', header(Request.GET_FEATURES, 0, 0), payload(0), 0, 'NIC_EINVAL'],
    ['an oversized payload', header(Request.SET_MEM_TABLE, MAX_PAYLOAD + 1), payload(MAX_PAYLOAD + 1), 0, 'NIC_EINVAL'],
    ['a short u64 payload', header(Request.SET_FEATURES, 4), payload(4), 0, 'NIC_EINVAL'],
    ['a payload shorter than its header says', header(Request.SET_FEATURES, 8), payload(4), 0, 'NIC_EINVAL'],
    ['an fd where none belongs', header(Request.SET_FEATURES, 8), payload(8), 1, 'NIC_EINVAL'],
    ['more than 8 fds', header(Request.SET_MEM_TABLE, 8), payload(8), 9, 'NIC_EINVAL'],
    ['a kick without its fd', header(Request.SET_VRING_KICK, 8), payload(8), 0, 'NIC_EINVAL'],
    ['a no-fd kick with an fd', header(Request.SET_VRING_KICK, 8), payload(8, (v) => v.setUint32(0, 0x100, true)), 1, 'NIC_EINVAL'],
    ['reserved kick bits', header(Request.SET_VRING_KICK, 8), payload(8, (v) => v.setUint32(0, 0x200, true)), 1, 'NIC_EINVAL'],
    // CVE-2020-10723: the index is checked as the 32-bit value it is, never truncated.
    ['a vring index past 255', header(Request.SET_VRING_NUM, 8), payload(8, (v) => (v.setUint32(0, 0x10000, true), v.setUint32(4, 256, true))), 0, 'NIC_EINVAL'],
    ['a ring size over 32768', header(Request.SET_VRING_NUM, 8), payload(8, (v) => v.setUint32(4, 65536, true)), 0, 'NIC_EINVAL'],
    ['a ring size of 0', header(Request.SET_VRING_NUM, 8), payload(8), 0, 'NIC_EINVAL'],
    ['nine memory regions', header(Request.SET_MEM_TABLE, 8 + 9 * 32), memTable(Array(9).fill([0n, 4096n, 0n, 0n])), 9, 'NIC_EINVAL'],
    ['fewer fds than regions', header(Request.SET_MEM_TABLE, 40), memTable([[0n, 4096n, 0n, 0n]]), 0, 'NIC_EINVAL'],
    ['a region count the size does not hold', header(Request.SET_MEM_TABLE, 40), memTable([[0n, 4096n, 0n, 0n]], 2), 2, 'NIC_EINVAL'],
    ['an empty region', header(Request.SET_MEM_TABLE, 40), memTable([[0n, 0n, 0n, 0n]]), 1, 'NIC_EINVAL'],
    // DPDK 0fe99cf73e: mmap_offset + size must not wrap.
    ['mmap_offset + size overflowing', header(Request.SET_MEM_TABLE, 40), memTable([[0n, 0x1000n, 0n, 0xfffffffffffff000n]]), 1, 'NIC_EINVAL'],
    ['gpa + size overflowing', header(Request.SET_MEM_TABLE, 40), memTable([[(1n << 53n) - 4096n, 0x2000n, 0n, 0n]]), 1, 'NIC_EINVAL'],
  ])('refuses %s', (_what, h, p, fds, code) => {
    expect(() => checkMessage(h, p, fds)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a bad header before its payload is read', () => {
    expect(() => checkHeader(header(Request.SET_MEM_TABLE, 0xffffffff), 0)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
  });
});
