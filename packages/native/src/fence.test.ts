import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch } from 'node:process';
import { describe, expect, it } from 'vitest';
import { mb, rmb, wmb } from './index.js';

/** The addon binary this process loaded, as its memory map names it. */
function loadedAddon(): string {
  const path = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/).slice(5).join(' '))
    .find((file) => /nic_native\.node$/.test(file));
  if (path === undefined) throw new Error('no nic_native.node mapped in this process');
  return path;
}

/** The instructions of each function of `binary` whose symbol contains `name`, from objdump. */
function disassembly(binary: string, name: RegExp): string[][] {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', binary], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return text
    .split('\n\n')
    .filter((block) => name.test(block.split('\n').find((l) => l.endsWith('>:')) ?? ''))
    .map((block) => block.split('\n').flatMap((l) => /^\s+[0-9a-f]+:\s+(\S+)/.exec(l)?.[1] ?? []));
}

/** The fence each function must issue, per CPU (fence.cc). */
const FENCES: Record<string, Record<string, string>> = {
  x64: { Mb: 'mfence', Rmb: 'lfence', Wmb: 'sfence' },
  arm64: { Mb: 'dsb', Rmb: 'dsb', Wmb: 'dsb' },
};

describe('fences', () => {
  it('are plain native calls that return nothing', () => {
    expect(mb()).toBeUndefined();
    expect(rmb()).toBeUndefined();
    expect(wmb()).toBeUndefined();
  });

  // A no-op would pass the test above: the loaded binary's code shows the fence itself.
  it('each issues the CPU fence DPDK uses (mfence, lfence, sfence on x86-64), in the loaded addon', () => {
    const binary = loadedAddon();
    expect(FENCES[arch], `the fences of ${arch}`).toBeDefined();
    for (const [fn, fence] of Object.entries(FENCES[arch])) {
      const bodies = disassembly(binary, new RegExp(`<_ZN3nic\\d*_GLOBAL__N_\\d+${fn}EP10napi_env`));
      expect(bodies.length, `${fn} in ${binary}`).toBe(1);
      expect(bodies[0], `${fn}'s instructions`).toContain(fence);
    }
  });
});
