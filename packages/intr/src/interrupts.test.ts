/**
 * A port of DPDK's app/test/test_interrupts.c on real fds: a pipe is the simulated device,
 * `readFd` its read end and `writeFd` its write end, as in DPDK's test.
 */
import { readSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFd, timerfd, timerfdSet } from '@nic/native';
import { codeOf } from './__fixtures__/errors.js';
import { deferred, pipePair, writeText, type FdPair } from './__fixtures__/fds.js';
import { IntrHandle, IntrHandleType } from './handle.js';
import { ANY_ARG, IntrThread } from './thread.js';

type HandleName = 'INVALID' | 'VALID' | 'VALID_UIO' | 'VALID_ALARM' | 'VALID_DEV_EVENT' | 'CASE1';

let pipe: FdPair;
let handles: Record<HandleName, IntrHandle>;
const thread = new IntrThread();

beforeAll(() => {
  pipe = pipePair();
  handles = {
    INVALID: new IntrHandle({ type: IntrHandleType.UNKNOWN, fd: -1 }),
    VALID: new IntrHandle({ type: IntrHandleType.UNKNOWN, fd: pipe.readFd }),
    VALID_UIO: new IntrHandle({ type: IntrHandleType.UIO, fd: pipe.readFd }),
    VALID_ALARM: new IntrHandle({ type: IntrHandleType.ALARM, fd: pipe.readFd }),
    VALID_DEV_EVENT: new IntrHandle({ type: IntrHandleType.DEV_EVENT, fd: pipe.readFd }),
    CASE1: new IntrHandle({ type: IntrHandleType.UIO, fd: pipe.writeFd }),
  };
});

afterAll(() => {
  for (const h of Object.values(handles)) {
    if (h.fd >= 0 && thread.callbackCount(h) > 0) thread.unregisterAll(h);
  }
  thread.close();
  pipe.close();
});

/** DPDK's test_interrupt_callback: self-unregister must fail, and the handle is the expected one. */
function fullPathCallback(expected: IntrHandle, flag: { value: number }, called: () => void): (h: IntrHandle) => void {
  const cb = (h: IntrHandle): void => {
    if (!(h instanceof IntrHandle) || h.fd < 0) flag.value = -1;
    else if (codeOf(() => thread.unregister(h, cb, h)) !== 'NIC_EAGAIN') flag.value = -1;
    else if (h.fd === expected.fd && h.type === expected.type) flag.value = 1;
    else flag.value = -1;
    called();
  };
  return cb;
}

/** DPDK's test_interrupt_full_path_check. */
async function fullPathCheck(name: HandleName): Promise<number> {
  const h = handles[name];
  const flag = { value: 0 };
  const fired = deferred(`the ${name} callback`);
  const cb = fullPathCallback(h, flag, () => fired.resolve());
  thread.register(h, cb, h);
  writeText(pipe.writeFd, '1');
  await fired.promise;
  expect(thread.unregister(h, cb, h)).toBe(1);
  return flag.value;
}

describe('test_interrupts: full path', () => {
  it('VALID (unknown type, one byte read)', async () => {
    expect(await fullPathCheck('VALID')).toBe(1);
  });

  it('VALID_UIO (four-byte count read)', async () => {
    expect(await fullPathCheck('VALID_UIO')).toBe(1);
  });

  it('VALID_DEV_EVENT (not drained: the callback fires again until unregistered)', async () => {
    const h = handles.VALID_DEV_EVENT;
    const flag = { value: 0 };
    let calls = 0;
    const third = deferred('the third DEV_EVENT dispatch');
    const cb = fullPathCallback(h, flag, () => {
      if (++calls === 3) third.resolve();
    });
    thread.register(h, cb, h);
    writeText(pipe.writeFd, '1');
    await third.promise;
    expect(thread.unregister(h, cb, h)).toBe(1);
    expect(flag.value).toBe(1);
    // The byte is still there for the next check to drain, as in DPDK.
  });

  it('VALID_ALARM (eight-byte read on the pipe)', async () => {
    expect(await fullPathCheck('VALID_ALARM')).toBe(1);
  });

  it('ALARM on a real timerfd', async () => {
    const fd = timerfd();
    const h = new IntrHandle({ type: IntrHandleType.ALARM, fd });
    const flag = { value: 0 };
    const fired = deferred('the timerfd callback');
    const cb = fullPathCallback(h, flag, () => fired.resolve());
    thread.register(h, cb, h);
    timerfdSet(fd, 1000);
    await fired.promise;
    expect(thread.unregister(h, cb, h)).toBe(1);
    closeFd(fd);
    expect(flag.value).toBe(1);
  });
});

describe('test_interrupts: register and unregister', () => {
  const cb = (_h: IntrHandle): void => undefined;
  const cb1 = (_h: IntrHandle): void => undefined;

  it('refuses a missing handle, an invalid handle and a missing callback', () => {
    expect(codeOf(() => thread.register(null as unknown as IntrHandle, cb, null as unknown as IntrHandle))).toBe('TypeError');
    expect(codeOf(() => thread.register(handles.INVALID, cb, handles.INVALID))).toBe('NIC_EINVAL');
    expect(codeOf(() => thread.register(handles.VALID, null as unknown as typeof cb, handles.VALID))).toBe('TypeError');
  });

  it('never reports removals for a missing or invalid handle', () => {
    expect(codeOf(() => thread.unregister(null as unknown as IntrHandle, cb, null as unknown as IntrHandle))).toBe('TypeError');
    expect(codeOf(() => thread.unregister(handles.INVALID, cb, handles.INVALID))).toBe('NIC_EINVAL');
    expect(codeOf(() => thread.unregister(handles.VALID, cb, handles.VALID))).toBe('NIC_ENOENT');
  });

  it('registers two callbacks on one handle; a wrong argument removes nothing; exact and wildcard arguments remove', () => {
    thread.register(handles.VALID, cb, handles.VALID);
    thread.register(handles.VALID, cb1, handles.VALID);
    expect(thread.callbackCount(handles.VALID)).toBe(2);
    expect(thread.unregister(handles.VALID, cb, 0xff as unknown as IntrHandle)).toBe(0);
    expect(thread.unregister(handles.VALID, cb, handles.VALID)).toBeGreaterThan(0);
    expect(thread.unregister(handles.VALID, cb1, ANY_ARG)).toBeGreaterThan(0);
    expect(thread.callbackCount(handles.VALID)).toBe(0);
    expect(thread.sources()).not.toContain(handles.VALID.fd);
  });
});

describe('test_interrupts: enable and disable', () => {
  for (const op of ['enable', 'disable'] as const) {
    it(`${op}: fails for a missing, invalid, unknown, alarm and dev_event handle`, () => {
      expect(codeOf(() => (null as unknown as IntrHandle)[op]())).toBe('TypeError');
      expect(codeOf(() => handles.INVALID[op]())).toBe('NIC_EINVAL');
      expect(codeOf(() => handles.VALID[op]())).toBe('NIC_ENOTSUP');
      expect(codeOf(() => handles.VALID_ALARM[op]())).toBe('NIC_ENOTSUP');
      expect(codeOf(() => handles.VALID_DEV_EVENT[op]())).toBe('NIC_ENOTSUP');
    });

    it(`${op}: succeeds for UIO on the write end (CASE1) and fails on the read end (VALID_UIO)`, () => {
      expect(codeOf(() => handles.CASE1[op]())).toBeUndefined();
      expect(codeOf(() => handles.CASE1[op]())).toBeUndefined();
      expect(codeOf(() => handles.VALID_UIO[op]())).toBe('NIC_EINVAL');
    });
  }

  it('CASE1 wrote DPDK\'s 4-byte words: 1 to enable (twice), 0 to disable (twice)', () => {
    const words = new Int32Array(4);
    expect(readSync(pipe.readFd, new Uint8Array(words.buffer), 0, words.byteLength, null)).toBe(words.byteLength);
    expect([...words]).toEqual([1, 1, 0, 0]);
  });
});
