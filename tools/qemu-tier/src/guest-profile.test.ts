import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestCounter } from './guest-counts.js';
import { blockRuns, GuestSymbolizer, KERNEL, parseBlockProfile, PAST_THE_CAP, PROFILE_MAGIC, SymbolTable, workByFunction, type BlockProfile } from './guest-profile.js';

/** A snapshot as the plugin writes it: blocks of [vaddr, insns, ...counts per vCPU]. */
function snapshot(vcpus: number, blocks: readonly (readonly bigint[])[]): Buffer {
  const words = [PROFILE_MAGIC, BigInt(vcpus), BigInt(blocks.length), ...blocks.flat()];
  const data = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => data.writeBigUInt64LE(w, i * 8));
  return data;
}

describe('block profiles', () => {
  const before = snapshot(2, [
    [0n, 0n, 0n, 0n],
    [0x1000n, 4n, 10n, 100n],
  ]);
  const after = snapshot(2, [
    [0n, 0n, 0n, 3n],
    [0x1000n, 4n, 15n, 130n],
    [0xffffffff81000000n, 7n, 0n, 2n],
    [0x1010n, 3n, 1n, 5n],
  ]);

  it('parses what the plugin writes and refuses what it does not', () => {
    const p = parseBlockProfile(after);
    expect(p.vcpus).toBe(2);
    expect(p.blocks[2]).toEqual({ vaddr: 0xffffffff81000000n, insns: 7, counts: [0, 2] });
    expect(() => parseBlockProfile(after.subarray(0, after.length - 8))).toThrow(expect.objectContaining({ code: 'NIC_EIO' }));
    const wrongMagic = Buffer.from(after);
    wrongMagic.writeBigUInt64LE(1n, 0);
    expect(() => parseBlockProfile(wrongMagic)).toThrow(expect.objectContaining({ code: 'NIC_EIO' }));
    expect(() => parseBlockProfile(Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'NIC_EIO' }));
  });

  it("gives one vCPU's executions between two snapshots, blocks new in the second included", () => {
    const [b, a]: BlockProfile[] = [parseBlockProfile(before), parseBlockProfile(after)];
    expect(blockRuns(b, a, 1)).toEqual([
      { vaddr: 0n, insns: 0, executions: 3 },
      { vaddr: 0x1000n, insns: 4, executions: 30 },
      { vaddr: 0xffffffff81000000n, insns: 7, executions: 2 },
      { vaddr: 0x1010n, insns: 3, executions: 5 },
    ]);
    expect(blockRuns(b, a, 0)).toEqual([
      { vaddr: 0x1000n, insns: 4, executions: 5 },
      { vaddr: 0x1010n, insns: 3, executions: 1 },
    ]);
    expect(() => blockRuns(b, a, 2)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    const work = workByFunction(blockRuns(b, a, 1), (v) => (v >= 0x1000n && v < 0x2000n ? 'f' : 'other'));
    expect(Object.fromEntries(work)).toEqual({ f: { instructions: 4 * 30 + 3 * 5, blocks: 35 }, other: { instructions: 14, blocks: 5 } });
  });
});

describe('symbols', () => {
  it('looks up ranges, the nearest start first and the last listed of equal starts', () => {
    const t = new SymbolTable([
      { start: 0x100n, size: 0x100n, name: 'outer' },
      { start: 0x140n, size: 0x10n, name: 'inner' },
      { start: 0x300n, size: 0x10n, name: 'old' },
      { start: 0x300n, size: 0x20n, name: 'new' },
    ]);
    expect([0xffn, 0x100n, 0x13fn, 0x148n, 0x150n, 0x1ffn, 0x200n, 0x305n, 0x31fn, 0x320n].map((a) => t.lookup(a))).toEqual([
      undefined,
      'outer',
      'outer',
      'inner',
      'outer',
      'outer',
      undefined,
      'new',
      'new',
      undefined,
    ]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'nic-guest-profile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names JIT code by the perf map, a file's code by its ELF symbols, then the file, the kernel and the cap", () => {
    // The plugin itself is an ELF file with known symbols: mapped whole at `base`.
    const so = GuestCounter.create(join(dir, 'counts')).plugin.split(',')[0];
    const nm = spawnSync('nm', ['-D', '--defined-only', so], { encoding: 'utf8' });
    const install = BigInt(`0x${/^([0-9a-f]+) T qemu_plugin_install$/m.exec(nm.stdout)?.[1]}`);
    const base = 0x7f0000000000n;
    const maps = [`7f0000000000-7f0000100000 r-xp 00000000 08:01 1234                       ${so}`, '7f0000200000-7f0000300000 rw-p 00000000 00:00 0 ', ''].join('\n');
    const perfMap = '3000 100 JS:*rxBurst file:///x/burst.js:1:1\n3000 40 JS:~rxBurst file:///x/burst.js:1:1\nnot a line\n';
    const s = new GuestSymbolizer(perfMap, maps);
    expect(s.name(0x3010n)).toBe('JS:~rxBurst file:///x/burst.js:1:1');
    expect(s.name(0x3050n)).toBe('JS:*rxBurst file:///x/burst.js:1:1');
    expect(s.name(base + install)).toBe(`qemu_plugin_install (${basename(so)})`);
    expect(s.name(0x7f00000ff000n)).toBe(`[${basename(so)}]`);
    expect(s.name(0x7f0000200000n)).toBe('[anonymous]');
    expect(s.name(0xffffffff81000000n)).toBe(KERNEL);
    expect(s.name(0n)).toBe(PAST_THE_CAP);
  });
});
