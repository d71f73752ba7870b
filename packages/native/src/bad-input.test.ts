import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  NicError,
  allocAnonymous,
  allocHugepages,
  attach,
  closeFd,
  epollWait,
  eventfd,
  eventfdWrite,
  mapFd,
  mapFile,
  pread,
  timerfdSet,
  virtToPhysRange,
  watchFd,
} from './index.js';

const invalid = expect.objectContaining({ name: 'NicError', code: 'NIC_EINVAL' });

describe('bad input', () => {
  it('negative, fractional, huge and non-finite lengths are NicErrors', () => {
    for (const length of [-1, 1.5, 2 ** 53, Number.NaN, Infinity, 0]) {
      expect(() => allocAnonymous(length)).toThrow(invalid);
    }
    expect(() => allocAnonymous(2 ** 52)).toThrow(expect.objectContaining({ code: 'NIC_ENOMEM', syscall: 'mmap' }));
    expect(() => mapFile('/proc/self/status', { offset: -4096, length: 1 })).toThrow(invalid);
    expect(() => allocHugepages(-1, { pageSize: 2 * 1024 * 1024 })).toThrow(invalid);
    expect(() => timerfdSet(0, -5)).toThrow(invalid);
    expect(() => eventfdWrite(0, -1)).toThrow(invalid);
  });

  it('closed and impossible fds are NicErrors carrying EBADF', () => {
    const fd = eventfd();
    closeFd(fd);
    const badf = expect.objectContaining({ name: 'NicError', code: 'NIC_EINVAL', errno: 9 });
    expect(() => mapFd(fd, { length: 4096 })).toThrow(expect.objectContaining({ errno: 9, syscall: 'fstat' }));
    expect(() => pread(fd, new Uint8Array(1), 0)).toThrow(badf);
    expect(() => epollWait([999_999], 0)).toThrow(badf);
    expect(() => watchFd(-3, () => undefined)).toThrow(badf);
    expect(() => closeFd(2 ** 31)).toThrow(invalid);
    expect(() => closeFd(-1)).toThrow(badf);
  });

  it('wrong argument types are TypeErrors', () => {
    expect(() => allocAnonymous('4096' as unknown as number)).toThrow(TypeError);
    expect(() => attach(undefined as unknown as number, 1)).toThrow(TypeError);
    expect(() => pread(0, [1, 2] as unknown as Uint8Array, 0)).toThrow(TypeError);
    expect(() => pread(0, new Uint16Array(2) as unknown as Uint8Array, 0)).toThrow(TypeError);
    expect(() => virtToPhysRange(0, 4096, [] as unknown as Float64Array)).toThrow(TypeError);
    expect(() => epollWait('3' as unknown as number[], 0)).toThrow(TypeError);
    expect(() => watchFd(0, 'f' as unknown as () => void)).toThrow(TypeError);
    expect(() => mapFile(7 as unknown as string)).toThrow(TypeError);
  });

  it('errors are NicErrors across package copies and carry what failed', () => {
    const error = (() => {
      try {
        mapFile('/nonexistent/file');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NicError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'NIC_ENOENT', errno: 2, syscall: 'open' });
    expect((error as Error).message).toBe('opening /nonexistent/file to map it: No such file or directory (open)');
  });

  it('a child process survives a battery of bad calls', () => {
    const child = spawnSync(process.execPath, [fileURLToPath(new URL('./__fixtures__/bad-input-child.mjs', import.meta.url))], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal).toBeNull();
    expect(child.stderr).toBe('');
    const report = JSON.parse(child.stdout) as { rawCalls: number; checked: number; failures: string[] };
    expect(report.failures).toEqual([]);
    expect(report.rawCalls).toBeGreaterThan(1000);
    expect(report.checked).toBeGreaterThan(15);
    expect(child.status).toBe(0);
  });
});
