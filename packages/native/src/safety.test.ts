// The review's findings (shared/reference/reviews/native-addon-review.md), each replayed in a
// child process against the raw addon: a defect there is a crash, a hang or memory it must not
// touch, which only a separate process survives to report. Each child prints one JSON line of
// what it saw. NIC_ADDON (inherited) points the children at the sanitizer build.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface ChildResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderr: string;
  readonly seen: Record<string, unknown> | undefined;
}

function child(name: string): Promise<ChildResult> {
  const script = fileURLToPath(new URL(`./__fixtures__/safety/${name}.cjs`, import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--expose-gc', script], { timeout: 20_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1);
      resolve({
        code: error ? ((error as { code?: number }).code ?? null) : 0,
        signal: error ? ((error as { signal?: string }).signal ?? null) : null,
        stderr,
        seen: last ? (JSON.parse(last) as Record<string, unknown>) : undefined,
      });
    });
  });
}

async function seen(name: string): Promise<Record<string, unknown>> {
  const r = await child(name);
  expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  return r.seen ?? {};
}

describe('memory safety under careless or hostile JavaScript (review findings)', () => {
  it('1: a placed region keeps its host memory: readable after the WebAssembly.Memory is collected', async () => {
    expect(await seen('placed-host-dropped')).toEqual({ mapped: true, value: 7 });
  });

  it('2: one live placement per range; a region is no host; the range is free again once released', async () => {
    expect(await seen('placed-twice')).toEqual({ second: 'NIC_EBUSY', nested: 'NIC_EINVAL', kept: 42, again: { value: 0 }, plain: true });
  });

  it('3: unixSendmsg reads the fds array before taking the data pointer', async () => {
    // The getter detached `data`: the send sees an empty buffer, refused with fds; the peer gets nothing.
    expect(await seen('sendmsg-detach')).toEqual({ sent: { error: 'NIC_EINVAL' }, detached: true, received: -1 });
  });

  it('4: tapReadBurst uses its checked copy of the offsets, whatever a frame writes', async () => {
    expect(await seen('tap-alias')).toEqual({ n: 2, outside: false });
  });

  it('5: closing a watched fd stops its watcher (no abort, the fd number can be watched again)', async () => {
    expect(await seen('watch-close')).toEqual({ survived: true, calls: 0, rewatch: 'ok', closedAgain: false });
  });

  it('6: unmap throws outside the registry lock (an error factory calling back does not deadlock)', async () => {
    expect(await seen('unmap-lock')).toEqual({ code: 'NIC_EINVAL', factoryRan: true });
  });

  it('7: vfioIommuMapDma takes only ranges inside a live region, and gives back its hold when the ioctl fails', async () => {
    expect(await seen('dma-pin')).toEqual({
      heap: 'NIC_EINVAL',
      past: 'NIC_EINVAL',
      empty: 'NIC_EINVAL',
      inside: 'NIC_EIO',
      unmapped: 'ok',
      afterUnmap: 'NIC_EINVAL',
    });
  });

  it('8: unixRecvmsg reports a cut message and refuses an empty buffer', async () => {
    expect(await seen('recv-trunc')).toEqual({ cut: [10, true], whole: [10, false], empty: 'NIC_EINVAL', after: [1, 1] });
  });

  it('9: a kept hugepage memfd is sealed against shrinking and growing, so its mapping never raises SIGBUS', async () => {
    expect(await seen('hugepage-seal')).toEqual({ shrink: 'EPERM', grow: 'EPERM', shrinkReopened: 'EPERM', touched: 5 });
  });

  it('10: a failed placement leaves no hole in its host, and the range can be placed again', async () => {
    // 1 GiB hugepages: the pool is empty (tools/setup-host.sh reserves 2 MiB pages only), so
    // the placed mmap fails after the kernel dropped the host's pages there.
    expect(await seen('placement-failed')).toEqual({ failed: 'NIC_ENOMEM', whole: true, readable: true, zeros: true, again: { value: 0 } });
  });

  it('11: errno is read into a local before any message is built (never as an argument beside a string)', () => {
    // An argument list's evaluation order is unspecified: `ThrowErrno(env, errno, ..., "a" +
    // std::to_string(n))` may build the string, and malloc may change errno, first.
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.cc'))
      .flatMap((f) =>
        [...readFileSync(`${dir}/${f}`, 'utf8').matchAll(/\b(?:ThrowErrno|ErrnoError)\([^;]*?\berrno\b[^;]*;/g)].map((m) => `${f}: ${m[0]}`),
      );
    expect(offenders).toEqual([]);
  });

  it('12: paths holding a NUL are refused; mapping a FIFO does not wait for a writer', async () => {
    expect(await seen('paths')).toEqual({
      mapFile: 'NIC_EINVAL',
      vfioOpen: 'NIC_EINVAL',
      hugetlbfsDir: 'NIC_EINVAL',
      fifo: 'NIC_EINVAL',
      fifoWithLength: 'NIC_ENODEV',
    });
  });
});
