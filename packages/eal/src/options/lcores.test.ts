import { NicError } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { defaultLcores, MAX_LCORE, parseCoremask, parseLcores, parseMainLcore } from './lcores.js';

const CPUS = 16;
const env = { cpuCount: CPUS };

function nicError(fn: () => unknown): NicError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    expect((e as NicError).code).toBe('NIC_EINVAL');
    return e as NicError;
  }
  throw new Error('expected a NicError');
}

/** The result as `{ lcore: cpus }` for compact expectations. */
function asRecord(list: readonly { id: number; cpus: readonly number[] }[]): Record<number, readonly number[]> {
  return Object.fromEntries(list.map((l) => [l.id, l.cpus]));
}

describe('parseLcores', () => {
  it.each([
    ['0', { 0: [0] }],
    ['0,1', { 0: [0], 1: [1] }],
    ['0-3', { 0: [0], 1: [1], 2: [2], 3: [3] }],
    ['1,3-4', { 1: [1], 3: [3], 4: [4] }],
    ['7@0', { 7: [0] }],
    ['(0-3)@1', { 0: [1], 1: [1], 2: [1], 3: [1] }],
    ['(4,5)@(2,3)', { 4: [2, 3], 5: [2, 3] }],
    ['2@(0-1)', { 2: [0, 1] }],
    ['(0,6)', { 0: [0, 6], 6: [0, 6] }],
    [' 0 , 1 - 2 ', { 0: [0], 1: [1], 2: [2] }],
    ['100@1', { 100: [1] }],
  ])('parses %j', (value, expected) => {
    expect(asRecord(parseLcores(value, env))).toEqual(expected);
  });

  it("parses DPDK's documented example (with CPUs 0-8 present)", () => {
    const lcores = parseLcores('1,2@(5-7),(3-5)@(0,2),(0,6),7-8', { cpuCount: 9 });
    expect(asRecord(lcores)).toEqual({
      0: [0, 6],
      1: [1],
      2: [5, 6, 7],
      3: [0, 2],
      4: [0, 2],
      5: [0, 2],
      6: [0, 6],
      7: [7],
      8: [8],
    });
    expect(lcores.map((l) => l.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it.each(['0-', 'a', '(1,2', '3-1', '', '  ', '@1', '1@', '1,', ',1', '()', '1@2@3', '(1)(2)', '1-2-3', '0x1', '1;2', '(1-)'])(
    'rejects the malformed %j naming option and value',
    (value) => {
      const err = nicError(() => parseLcores(value, { cpuCount: CPUS, option: '--lcores' }));
      expect(err.message).toContain('--lcores');
      expect(err.message).toContain(`"${value}"`);
    },
  );

  it('rejects lcore ids at or above MAX_LCORE', () => {
    expect(nicError(() => parseLcores(`${MAX_LCORE}@0`, env)).message).toContain(`lcore id ${MAX_LCORE} is not below ${MAX_LCORE}`);
    expect(nicError(() => parseLcores('120-200@0', env)).message).toContain(`lcore id ${MAX_LCORE}`);
  });

  it('rejects CPUs this machine does not have', () => {
    expect(nicError(() => parseLcores(`${CPUS}`, env)).message).toContain(`CPU ${CPUS} does not exist`);
    expect(nicError(() => parseLcores('0@(1,99)', env)).message).toContain('CPU 99 does not exist');
    expect(nicError(() => parseLcores('(0,20)', env)).message).toContain('CPU 20');
  });

  it('rejects an lcore given twice', () => {
    expect(nicError(() => parseLcores('0-2,1@3', env)).message).toContain('lcore 1 is given more than once');
  });

  it('uses -l in messages by default and checks argument types', () => {
    expect(nicError(() => parseLcores('x', env)).message).toContain('-l');
    expect(() => parseLcores(1 as unknown as string, env)).toThrow(TypeError);
    expect(() => parseLcores('0', { cpuCount: 0 })).toThrow(TypeError);
  });
});

describe('parseCoremask', () => {
  it.each([
    ['0x3', { 0: [0], 1: [1] }],
    ['3', { 0: [0], 1: [1] }],
    ['0XA', { 1: [1], 3: [3] }],
    ['0x0100', { 8: [8] }],
    ['f0', { 4: [4], 5: [5], 6: [6], 7: [7] }],
  ])('parses %j', (value, expected) => {
    expect(asRecord(parseCoremask(value, env))).toEqual(expected);
  });

  it.each(['', '0x', 'xyz', '0x0', '000', '0x-1', '3 4'])('rejects %j naming -c and the value', (value) => {
    const err = nicError(() => parseCoremask(value, env));
    expect(err.message).toContain('-c');
    expect(err.message).toContain(`"${value}"`);
  });

  it('rejects bits beyond the CPUs or MAX_LCORE', () => {
    expect(nicError(() => parseCoremask('0x10000', env)).message).toContain('CPU 16 does not exist');
    const huge = `1${'0'.repeat(MAX_LCORE / 4)}`;
    expect(nicError(() => parseCoremask(huge, { cpuCount: 1024 })).message).toContain(`lcore id ${MAX_LCORE}`);
  });
});

describe('defaultLcores', () => {
  it('runs lcore i on CPU i for every CPU, up to MAX_LCORE', () => {
    expect(defaultLcores(3)).toEqual([
      { id: 0, cpus: [0] },
      { id: 1, cpus: [1] },
      { id: 2, cpus: [2] },
    ]);
    expect(defaultLcores(1000)).toHaveLength(MAX_LCORE);
  });
});

describe('parseMainLcore', () => {
  const lcores = parseLcores('1-3', env);

  it('accepts an enabled lcore', () => {
    expect(parseMainLcore('2', lcores)).toBe(2);
  });

  it.each([
    ['0', 'lcore 0 is not enabled'],
    ['x', 'expected an lcore id'],
    ['', 'expected an lcore id'],
    ['-1', 'expected an lcore id'],
    ['128', 'not below 128'],
  ])('rejects %j', (value, fragment) => {
    const err = nicError(() => parseMainLcore(value, lcores));
    expect(err.message).toContain('--main-lcore');
    expect(err.message).toContain(fragment);
  });
});
