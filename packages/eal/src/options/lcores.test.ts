import { NicError } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { defaultLcores, formatCpuList, lcoreCpus, lcoresOnCpus, MAX_LCORE, parseCoremask, parseLcores, parseMainLcore } from './lcores.js';

const CPUS = 16;
/** CPUs 0 to 15. */
const env = { cpus: Array.from({ length: CPUS }, (_, cpu) => cpu) };
/** An affinity set without CPU 0, as `taskset -c 1,3-5` leaves. */
const gappy = { cpus: [5, 1, 4, 3] };

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
    const lcores = parseLcores('1,2@(5-7),(3-5)@(0,2),(0,6),7-8', { cpus: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
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
      const err = nicError(() => parseLcores(value, { ...env, option: '--lcores' }));
      expect(err.message).toContain('--lcores');
      expect(err.message).toContain(`"${value}"`);
    },
  );

  it('rejects lcore ids at or above MAX_LCORE', () => {
    expect(nicError(() => parseLcores(`${MAX_LCORE}@0`, env)).message).toContain(`lcore id ${MAX_LCORE} is not below ${MAX_LCORE}`);
    expect(nicError(() => parseLcores('120-200@0', env)).message).toContain(`lcore id ${MAX_LCORE}`);
  });

  it('rejects CPUs outside the affinity set, naming the set', () => {
    expect(nicError(() => parseLcores(`${CPUS}`, env)).message).toBe(
      `invalid -l value "${CPUS}": CPU ${CPUS} is not in this process's CPU affinity set (0-15); use those CPUs, or map lcores onto them as in 0@0`,
    );
    expect(nicError(() => parseLcores('0@(1,99)', env)).message).toContain('CPU 99 is not in');
    expect(nicError(() => parseLcores('(0,20)', env)).message).toContain('CPU 20');
    expect(nicError(() => parseLcores('0@(0-1000000000)', env)).message).toContain('CPU 16 is not in');
  });

  it('runs lcores on the CPUs of a set without CPU 0 (taskset -c 1,3-5), and refuses the others', () => {
    expect(asRecord(parseLcores('1,3-4', gappy))).toEqual({ 1: [1], 3: [3], 4: [4] });
    expect(asRecord(parseLcores('0@1,1@(3-5)', gappy))).toEqual({ 0: [1], 1: [3, 4, 5] });
    expect(nicError(() => parseLcores('0', gappy)).message).toBe(
      `invalid -l value "0": CPU 0 is not in this process's CPU affinity set (1,3-5); use those CPUs, or map lcores onto them as in 0@1`,
    );
    expect(nicError(() => parseLcores('1-3', gappy)).message).toContain('CPU 2 is not in');
    expect(nicError(() => parseLcores('0@(1-3)', gappy)).message).toContain('CPU 2 is not in');
  });

  it('rejects an lcore given twice', () => {
    expect(nicError(() => parseLcores('0-2,1@3', env)).message).toContain('lcore 1 is given more than once');
  });

  it('uses -l in messages by default and checks argument types', () => {
    expect(nicError(() => parseLcores('x', env)).message).toContain('-l');
    expect(() => parseLcores(1 as unknown as string, env)).toThrow(TypeError);
    for (const cpus of [[], [-1], [0.5], undefined]) expect(() => parseLcores('0', { cpus: cpus as number[] })).toThrow(TypeError);
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

  it('rejects bits beyond the affinity set or MAX_LCORE', () => {
    expect(nicError(() => parseCoremask('0x10000', env)).message).toContain("CPU 16 is not in this process's CPU affinity set (0-15)");
    expect(nicError(() => parseCoremask('0x3', gappy)).message).toContain("CPU 0 is not in this process's CPU affinity set (1,3-5)");
    expect(asRecord(parseCoremask('0x1a', gappy))).toEqual({ 1: [1], 3: [3], 4: [4] });
    const huge = `1${'0'.repeat(MAX_LCORE / 4)}`;
    expect(nicError(() => parseCoremask(huge, { cpus: Array.from({ length: 1024 }, (_, cpu) => cpu) })).message).toContain(`lcore id ${MAX_LCORE}`);
  });
});

describe('defaultLcores', () => {
  it('runs lcore n on CPU n for every CPU of the affinity set below MAX_LCORE', () => {
    expect(defaultLcores([2, 0, 1])).toEqual([
      { id: 0, cpus: [0] },
      { id: 1, cpus: [1] },
      { id: 2, cpus: [2] },
    ]);
    expect(defaultLcores([1])).toEqual([{ id: 1, cpus: [1] }]);
    expect(defaultLcores(gappy.cpus).map((l) => l.id)).toEqual([1, 3, 4, 5]);
    expect(defaultLcores(Array.from({ length: 1000 }, (_, cpu) => cpu))).toHaveLength(MAX_LCORE);
  });

  it('refuses a set with no CPU below MAX_LCORE', () => {
    expect(nicError(() => defaultLcores([MAX_LCORE, 200])).message).toContain(`(${MAX_LCORE},200) is below ${MAX_LCORE}`);
  });
});

describe('lcoresOnCpus', () => {
  it('places lcores 0 to count - 1 on the set, round again when CPUs are fewer, and the result parses back', () => {
    expect(lcoresOnCpus(2, [0, 1])).toBe('0@0,1@1');
    expect(lcoresOnCpus(2, [1])).toBe('0@1,1@1');
    expect(lcoresOnCpus(3, [5, 1])).toBe('0@1,1@5,2@1');
    expect(asRecord(parseLcores(lcoresOnCpus(3, gappy.cpus), gappy))).toEqual({ 0: [1], 1: [3], 2: [4] });
  });

  it('checks its arguments', () => {
    for (const count of [0, 1.5, MAX_LCORE + 1]) expect(() => lcoresOnCpus(count, [0])).toThrow(TypeError);
    expect(() => lcoresOnCpus(1, [])).toThrow(TypeError);
  });
});

describe('lcoreCpus', () => {
  it('gives the CPU lcoresOnCpus puts each lcore on; a repeat means lcores share a CPU', () => {
    expect(lcoreCpus(2, [1, 0])).toEqual([0, 1]);
    expect(lcoreCpus(2, [1])).toEqual([1, 1]);
    expect(lcoreCpus(3, [5, 1])).toEqual([1, 5, 1]);
    expect(() => lcoreCpus(0, [0])).toThrow(TypeError);
    expect(() => lcoreCpus(1, [])).toThrow(TypeError);
  });
});

describe('formatCpuList', () => {
  it('writes ranges as the kernel does', () => {
    expect(formatCpuList([0])).toBe('0');
    expect(formatCpuList([0, 1, 2, 3, 8, 10, 11])).toBe('0-3,8,10-11');
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
