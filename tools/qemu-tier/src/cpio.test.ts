import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpioArchive } from './cpio.js';

/** The entries of a newc archive: name, mode and data, read back by the format's rules. */
function readArchive(archive: Buffer): { name: string; mode: number; data: string }[] {
  const entries = [];
  let at = 0;
  const align = (n: number): number => (n + 3) & ~3;
  for (;;) {
    expect(archive.toString('latin1', at, at + 6)).toBe('070701');
    const field = (i: number): number => parseInt(archive.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const [mode, size, nameSize] = [field(1), field(6), field(11)];
    const name = archive.toString('latin1', at + 110, at + 110 + nameSize - 1);
    const dataAt = align(at + 110 + nameSize);
    if (name === 'TRAILER!!!') return entries;
    entries.push({ name, mode, data: archive.toString('latin1', dataAt, dataAt + size) });
    at = align(dataAt + size);
  }
}

const CPIO = spawnSync('cpio', ['--version'], { stdio: 'ignore' }).error === undefined;
if (!CPIO) console.warn('!! qemu-tier: the GNU cpio check is skipped: cpio is missing (apt-get install cpio)');

describe('cpioArchive', () => {
  const entries = [
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'file', path: 'bin/hello', mode: 0o644, data: Buffer.from('hello') },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
  ] as const;

  it('writes directories, files and symlinks in the newc layout, four-byte aligned, with a trailer', () => {
    const archive = cpioArchive(entries);
    expect(archive.length % 4).toBe(0);
    expect(readArchive(archive)).toEqual([
      { name: 'bin', mode: 0o040755, data: '' },
      { name: 'bin/hello', mode: 0o100644, data: 'hello' },
      { name: 'bin/sh', mode: 0o120777, data: 'busybox' },
    ]);
  });

  it.skipIf(!CPIO)('writes an archive GNU cpio unpacks as the kernel would: the directory, the file with its bytes and mode, the symlink', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nic-cpio-'));
    try {
      execFileSync('cpio', ['-i', '--make-directories', '--no-absolute-filenames', '--quiet'], { cwd: dir, input: cpioArchive(entries) });
      expect(lstatSync(join(dir, 'bin')).mode).toBe(0o040755);
      expect(lstatSync(join(dir, 'bin/hello')).mode & 0o170777).toBe(0o100644);
      expect(readFileSync(join(dir, 'bin/hello'), 'utf8')).toBe('hello');
      expect(lstatSync(join(dir, 'bin/sh')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(dir, 'bin/sh'))).toBe('busybox');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives equal bytes for equal contents, so that the cache can key on them', () => {
    const entries = [{ type: 'file', path: 'init', mode: 0o755, data: Buffer.from('#!/bin/sh\n') }] as const;
    expect(cpioArchive(entries).equals(cpioArchive(entries))).toBe(true);
  });
});
