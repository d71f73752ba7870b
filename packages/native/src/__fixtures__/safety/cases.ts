// The review's findings (shared/reference/reviews/native-addon-review.md) as child processes
// against the raw addon, each with what it must see: a defect there is a crash, a hang or
// memory it must not touch, which only a separate process survives to report. Each child
// prints one JSON line of what it saw. Run by safety.test.ts, against the sanitizer build too
// in `npm test`'s sanitizer stage (scripts/test-sanitized.mjs).
import { fileURLToPath } from 'node:url';
import { type ChildResult, runChild } from '../child.js';
import { napiFaultAddon } from './napi-fault.js';

export interface SafetyCase {
  /** The child, `./<name>.cjs` beside this file. */
  readonly name: string;
  readonly title: string;
  readonly expected: Record<string, unknown>;
  /** Run against the addon linked with napi-fault.cc (see napi-fault.ts). */
  readonly napiFault?: boolean;
}

export const SAFETY_CASES: readonly SafetyCase[] = [
  {
    name: 'placed-host-dropped',
    title: '1: a placed region keeps its host memory: readable after the WebAssembly.Memory is collected',
    expected: { mapped: true, value: 7 },
  },
  {
    name: 'placed-twice',
    title: '2: one live placement per range; a region is no host; the range is free again once released',
    expected: { second: 'NIC_EBUSY', nested: 'NIC_EINVAL', kept: 42, again: { value: 0 }, plain: true },
  },
  {
    // The getter detached `data`: the send sees an empty buffer, refused with fds; the peer gets nothing.
    name: 'sendmsg-detach',
    title: '3: unixSendmsg reads the fds array before taking the data pointer',
    expected: { sent: { error: 'NIC_EINVAL' }, detached: true, received: -1 },
  },
  {
    name: 'tap-alias',
    title: '4: tapReadBurst uses its checked copy of the offsets, whatever a frame writes',
    expected: { n: 2, outside: false },
  },
  {
    name: 'watch-close',
    title: '5: closing a watched fd stops its watcher (no abort, the fd number can be watched again)',
    expected: { survived: true, calls: 0, rewatch: 'ok', closedAgain: false },
  },
  {
    name: 'unmap-lock',
    title: '6: unmap throws outside the registry lock (an error factory calling back does not deadlock)',
    expected: { code: 'NIC_EINVAL', factoryRan: true },
  },
  {
    name: 'dma-pin',
    title: '7: vfioIommuMapDma takes only ranges inside a live region, and gives back its hold when the ioctl fails',
    expected: { heap: 'NIC_EINVAL', past: 'NIC_EINVAL', empty: 'NIC_EINVAL', inside: 'NIC_EIO', unmapped: 'ok', afterUnmap: 'NIC_EINVAL' },
  },
  {
    name: 'recv-trunc',
    title: '8: unixRecvmsg reports a cut message and refuses an empty buffer',
    expected: { cut: [10, true], whole: [10, false], empty: 'NIC_EINVAL', after: [1, 1] },
  },
  {
    name: 'hugepage-seal',
    title: '9: a kept hugepage memfd is sealed against shrinking and growing, so its mapping never raises SIGBUS',
    expected: { shrink: 'EPERM', grow: 'EPERM', shrinkReopened: 'EPERM', touched: 5 },
  },
  {
    name: 'placement-failed',
    title: '10: a failed placement leaves no hole in its host (zeroed pages, or pages of no access and an error naming them), and the range can be placed again',
    expected: {
      zeroed: { error: 'NIC_ENOMEM', faults: false, whole: true, perms: ['rw-'], zeros: true },
      holed: { error: 'NIC_ENOMEM', faults: true, whole: true, perms: ['---'] },
      outside: 2,
      again: { value: 0 },
    },
  },
  {
    name: 'paths',
    title: '12: paths holding a NUL are refused; mapping a FIFO does not wait for a writer',
    expected: { mapFile: 'NIC_EINVAL', vfioOpen: 'NIC_EINVAL', hugetlbfsDir: 'NIC_EINVAL', fifo: 'NIC_EINVAL', fifoWithLength: 'NIC_ENODEV' },
  },
  {
    name: 'hugepage-unlink',
    title: '12: a hugetlbfs backing file that cannot be unlinked fails the allocation, naming the file left behind',
    expected: { error: 'NIC_EPERM', syscall: 'unlink', left: 1, named: true },
  },
  {
    name: 'watch-fault',
    title: '12: watch() refused an async context or a teardown hook by Node-API throws and leaves the fd free to watch',
    expected: { context: 'NIC_EIO', teardown: 'NIC_EIO', calls: 1 },
    napiFault: true,
  },
];

/** Runs the child of `safetyCase` with `env` (NIC_ADDON picks the addon build). */
export async function runSafetyChild(safetyCase: SafetyCase, env: NodeJS.ProcessEnv = process.env): Promise<ChildResult> {
  const script = fileURLToPath(new URL(`./${safetyCase.name}.cjs`, import.meta.url));
  const childEnv = safetyCase.napiFault ? { ...env, NIC_ADDON: await napiFaultAddon(env['NIC_ADDON']) } : env;
  return runChild(process.execPath, ['--expose-gc', script], childEnv, 60_000);
}
