import { describe, expect, it } from 'vitest';
import { IORESOURCE_MEM_64, parseResourceFile, type PciBar } from './resource.js';
import { DPDK_TEST_RESOURCE } from './testing/fake-sysfs.js';

describe('parseResourceFile', () => {
  it("decodes DPDK's test resource file: memory BARs 0 and 4, an I/O BAR 2", () => {
    const bars = parseResourceFile(DPDK_TEST_RESOURCE) as PciBar[];
    expect(bars).toHaveLength(6);
    expect(bars[0]).toMatchObject({ index: 0, kind: 'mem', start: 0xd0080000, length: 0x80000, is64: true, prefetchable: true });
    expect(bars[1]).toMatchObject({ kind: 'none', length: 0 });
    expect(bars[2]).toMatchObject({ kind: 'io', start: 0xe020, length: 0x20, is64: false });
    expect(bars[4]).toMatchObject({ kind: 'mem', start: 0xd0104000, length: 0x4000 });
  });

  it("decodes this machine's kind of 64-bit BAR above 4 GiB", () => {
    const line = '0x0000004000100000 0x000000400017ffff 0x0000000000140204';
    const text = [line, ...Array(6).fill('0x0000000000000000 0x0000000000000000 0x0000000000000000'), ''].join('\n');
    const [bar0] = parseResourceFile(text) as PciBar[];
    expect(bar0).toMatchObject({ kind: 'mem', start: 0x4000100000, length: 0x80000, is64: true, prefetchable: false });
    expect(bar0.flags & IORESOURCE_MEM_64).not.toBe(0);
  });

  it.each([
    ['too few lines', '0x0 0x0 0x0\n', /at least 6 lines/],
    ['a malformed line', DPDK_TEST_RESOURCE.replace('0x000000000000e020', 'zz'), /line 3/],
    ['an end before its start', DPDK_TEST_RESOURCE.replace('0x00000000d00fffff', '0x00000000d007ffff'), /line 1 ends before/],
  ])('reports %s', (_what, text, reason) => {
    expect(parseResourceFile(text)).toMatch(reason);
  });
});
