import { NicError } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILE_PREFIX, MAX_NUMA_NODES, parseEalArgs } from './parse.js';
import { ealUsage } from './usage.js';

/** A process that may run on CPUs 0-3. */
const env = { cpus: [0, 1, 2, 3] };

const parse = (...argv: string[]) => parseEalArgs(argv, env).options;

/** Expects `NIC_EINVAL` whose message contains every fragment. */
function rejects(argv: readonly string[], ...fragments: string[]): void {
  let error: unknown;
  try {
    parseEalArgs(argv, env);
  } catch (e) {
    error = e;
  }
  expect(error, `parseEalArgs(${JSON.stringify(argv)}) should fail`).toBeInstanceOf(NicError);
  expect((error as NicError).code).toBe('NIC_EINVAL');
  for (const f of fragments) expect((error as NicError).message).toContain(f);
}

describe('parseEalArgs: defaults', () => {
  it('uses every CPU, the lowest lcore as main, and leaves memory to EAL', () => {
    const { consumed, options } = parseEalArgs([], env);
    expect(consumed).toBe(0);
    expect(options).toEqual({
      lcores: [
        { id: 0, cpus: [0] },
        { id: 1, cpus: [1] },
        { id: 2, cpus: [2] },
        { id: 3, cpus: [3] },
      ],
      mainLcore: 0,
      memoryChannels: undefined,
      memoryMb: undefined,
      socketMem: undefined,
      allow: [],
      block: [],
      vdevs: [],
      noPci: false,
      noHuge: false,
      hugeDir: undefined,
      filePrefix: DEFAULT_FILE_PREFIX,
      inMemory: false,
      telemetry: true,
      iovaMode: undefined,
      logLevels: [],
      plugins: [],
      version: false,
      help: false,
    });
    expect(options.filePrefix).toBe('nic');
  });
});

describe('parseEalArgs: "--" and consumed', () => {
  it.each([
    [['-l', '0', '--', '--forward-mode=io', 'x'], 3, ['--forward-mode=io', 'x']],
    [['--'], 1, []],
    [['--', '-l', '0'], 1, ['-l', '0']],
    [['-l', '0', '--', '--'], 3, ['--']],
    [['-l', '0', '-n', '4'], 4, []],
    [['--vdev=net_ring0', '--', 'foo'], 2, ['foo']],
  ])('%j consumes %i', (argv, consumed, rest) => {
    const result = parseEalArgs(argv, env);
    expect(result.consumed).toBe(consumed);
    expect(argv.slice(result.consumed)).toEqual(rest);
  });

  it('does not look at the application part', () => {
    expect(() => parseEalArgs(['--', '--bogus', '-l'], env)).not.toThrow();
  });

  it('rejects a plain argument before "--"', () => {
    rejects(['foo'], 'unexpected argument "foo"', '--');
    rejects(['-l', '0', 'foo', '--'], '"foo"');
    rejects(['-'], 'unexpected argument "-"');
  });
});

describe('parseEalArgs: spellings', () => {
  it.each([
    [['-l', '0,1']],
    [['-l0,1']],
    [['--lcores', '0,1']],
    [['--lcores=0,1']],
  ])('reads lcores from %j', (argv) => {
    expect(parseEalArgs(argv, env).options.lcores.map((l) => l.id)).toEqual([0, 1]);
  });

  it('combines short flags and a trailing short option with its value', () => {
    expect(parse('-vh')).toMatchObject({ version: true, help: true });
    expect(parse('-vl1-2')).toMatchObject({ version: true, lcores: [{ id: 1 }, { id: 2 }] });
    const o = parse('-vn', '4');
    expect(o.version).toBe(true);
    expect(o.memoryChannels).toBe(4);
  });

  it('takes a value that starts with "-" after a separate option', () => {
    rejects(['-n', '-1'], 'invalid -n value "-1"');
  });

  it('allows "=" inside a --opt=value value', () => {
    expect(parse('--vdev=net_ring0,path=/a=b').vdevs).toEqual(['net_ring0,path=/a=b']);
  });
});

describe('parseEalArgs: errors of form', () => {
  it.each([['--foo'], ['--foo=1'], ['-x'], ['-vx'], ['--lcore', '0'], ['---l']])('rejects the unknown option in %j', (...argv) => {
    rejects(argv, 'unknown EAL option');
  });

  it('names the unknown option', () => {
    rejects(['--bogus=3'], '"--bogus"');
    rejects(['-vz'], '"-z"');
  });

  it.each([
    [['-l'], '-l'],
    [['--lcores'], '--lcores'],
    [['--vdev'], '--vdev'],
    [['-a', '--'], '-a'],
    [['--log-level'], '--log-level'],
    [['-v', '-m'], '-m'],
  ])('rejects the missing value in %j', (argv, name) => {
    rejects(argv, `EAL option ${name} needs a value`);
  });

  it('rejects a value given to a flag', () => {
    rejects(['--no-pci=1'], '--no-pci takes no value');
    rejects(['--help=yes'], '--help takes no value');
  });

  it('rejects a single-valued option given twice, but not a repeated flag', () => {
    rejects(['-l', '0', '--lcores', '1'], '--lcores is given more than once');
    rejects(['--file-prefix', 'a', '--file-prefix', 'b'], '--file-prefix');
    expect(parse('--no-pci', '--no-pci').noPci).toBe(true);
  });

  it('throws TypeError for wrong argument types', () => {
    expect(() => parseEalArgs('-l 0' as unknown as string[], env)).toThrow(TypeError);
    expect(() => parseEalArgs([1 as unknown as string], env)).toThrow(TypeError);
    expect(() => parseEalArgs([], { cpus: [] })).toThrow(TypeError);
    expect(() => parseEalArgs([], null as unknown as { cpus: number[] })).toThrow(TypeError);
  });
});

describe('parseEalArgs: lcores', () => {
  it('maps lcores to CPUs', () => {
    expect(parse('-l', '(0-1)@3,2').lcores).toEqual([
      { id: 0, cpus: [3] },
      { id: 1, cpus: [3] },
      { id: 2, cpus: [2] },
    ]);
  });

  it('reads a coremask', () => {
    expect(parse('-c', '0xa').lcores).toEqual([
      { id: 1, cpus: [1] },
      { id: 3, cpus: [3] },
    ]);
    expect(parse('-c', '0xa').mainLcore).toBe(1);
  });

  it('rejects -c with -l', () => {
    rejects(['-c', '0x3', '-l', '0'], "coremask (-c) and lcores (-l) can't be used at the same time");
  });

  it.each([['0-'], ['a'], ['(1,2'], ['3-1'], [''], ['@1']])('rejects the malformed -l %j', (value) => {
    rejects(['-l', value], '-l', `"${value}"`);
  });

  it('rejects lcores out of range and CPUs this machine lacks', () => {
    rejects(['-l', '200@0'], '-l', '"200@0"', 'not below 128');
    rejects(['--lcores=5'], '--lcores', "CPU 5 is not in this process's CPU affinity set (0-3)");
    rejects(['-c', '0x10'], '-c', "CPU 4 is not in this process's CPU affinity set (0-3)");
    rejects(['-c', 'xyz'], '-c', '"xyz"');
  });

  it('numbers lcores from the affinity set: under taskset -c 1 the default is lcore 1 on CPU 1, and CPU 0 is refused', () => {
    const one = { cpus: [1] };
    expect(parseEalArgs([], one).options).toMatchObject({ lcores: [{ id: 1, cpus: [1] }], mainLcore: 1 });
    expect(parseEalArgs(['-l', '0@1,1@1'], one).options).toMatchObject({ lcores: [{ id: 0, cpus: [1] }, { id: 1, cpus: [1] }], mainLcore: 0 });
    expect(() => parseEalArgs(['-l', '0'], one)).toThrow("CPU 0 is not in this process's CPU affinity set (1)");
    expect(() => parseEalArgs(['-c', '0x1'], one)).toThrow("CPU 0 is not in this process's CPU affinity set (1)");
  });

  it('picks --main-lcore among the lcores, default the lowest', () => {
    expect(parse('-l', '2-3').mainLcore).toBe(2);
    expect(parse('-l', '1-3', '--main-lcore', '3').mainLcore).toBe(3);
    expect(parse('--main-lcore=1').mainLcore).toBe(1);
    rejects(['-l', '1-2', '--main-lcore', '0'], '--main-lcore', 'lcore 0 is not enabled');
    rejects(['--main-lcore', 'one'], '--main-lcore', '"one"');
  });
});

describe('parseEalArgs: memory', () => {
  it('reads -n, -m and --socket-mem', () => {
    expect(parse('-n', '4').memoryChannels).toBe(4);
    expect(parse('--memory-channels=2').memoryChannels).toBe(2);
    expect(parse('-m', '512').memoryMb).toBe(512);
    expect(parse('-m512').memoryMb).toBe(512);
    expect(parse('--socket-mem', '512').socketMem).toEqual([512]);
    expect(parse('--socket-mem=512,0').socketMem).toEqual([512, 0]);
    expect(parse('--numa-mem', '0,1024').socketMem).toEqual([0, 1024]);
  });

  it.each([
    [['-n', '0'], '-n'],
    [['-n', 'four'], '-n'],
    [['-m', '0'], '-m'],
    [['-m', '1G'], '-m'],
    [['-m', '1.5'], '-m'],
    [['--socket-mem', '512,'], '--socket-mem'],
    [['--socket-mem', 'a'], '--socket-mem'],
    [['--socket-mem', ''], '--socket-mem'],
    [['--socket-mem', '-1'], '--socket-mem'],
    [['--socket-mem', Array(MAX_NUMA_NODES + 1).fill('1').join(',')], `at most ${MAX_NUMA_NODES}`],
  ])('rejects %j', (argv, fragment) => {
    rejects(argv, fragment, 'invalid');
  });

  it('rejects --socket-mem with -m or --no-huge', () => {
    rejects(['-m', '512', '--socket-mem', '512'], "memory size (-m) and --socket-mem can't be used at the same time");
    rejects(['--no-huge', '--socket-mem', '512'], "--no-huge and --socket-mem can't be used at the same time");
  });

  it('reads the hugepage and file options', () => {
    const o = parse('--no-huge', '-m', '64', '--huge-dir', '/mnt/huge', '--file-prefix', 'app1', '--in-memory', '--iova-mode', 'va');
    expect(o).toMatchObject({ noHuge: true, memoryMb: 64, hugeDir: '/mnt/huge', filePrefix: 'app1', inMemory: true, iovaMode: 'va' });
    expect(parse('--iova-mode=pa').iovaMode).toBe('pa');
  });

  it('serves telemetry unless --no-telemetry says not to', () => {
    expect(parse('--telemetry').telemetry).toBe(true);
    expect(parse('--no-telemetry').telemetry).toBe(false);
  });

  it.each([
    [['--huge-dir='], '--huge-dir', 'empty'],
    [['--file-prefix', ''], '--file-prefix', 'empty'],
    [['--file-prefix', 'a/b'], '--file-prefix', '"/"'],
    [['--file-prefix', 'a%d'], '--file-prefix', '"%"'],
    [['--iova-mode', 'PA'], '--iova-mode', 'pa or va'],
    [['--iova-mode=x'], '--iova-mode', '"x"'],
  ])('rejects %j', (argv, ...fragments) => {
    rejects(argv, ...fragments);
  });
});

describe('parseEalArgs: devices', () => {
  it('collects -a, -b, --vdev and -d in order, as given', () => {
    const o = parse('-a', '0000:01:00.0,k=v', '--allow=04:00.1', '--vdev', 'net_ring0', '--vdev=net_tap0,iface=t0', '-d', 'nic-pmd-foo', '--driver-path', './drv.js', '--no-pci');
    expect(o.allow).toEqual(['0000:01:00.0,k=v', '04:00.1']);
    expect(o.vdevs).toEqual(['net_ring0', 'net_tap0,iface=t0']);
    expect(o.plugins).toEqual(['nic-pmd-foo', './drv.js']);
    expect(o.noPci).toBe(true);
    expect(parse('-b', '0000:01:00.0', '--block', '0000:02:00.0').block).toEqual(['0000:01:00.0', '0000:02:00.0']);
  });

  it('rejects -a with -b', () => {
    rejects(['-a', '0000:01:00.0', '-b', '0000:02:00.0'], "options allow (-a) and block (-b) can't be used at the same time");
  });

  it.each([
    [['--vdev', 'net_ring0', '--vdev', 'net_ring0,size=4']],
    [['--vdev', 'vdev:net_ring0', '--vdev', 'net_ring0']],
    [['--vdev', 'bus=vdev,name=net_ring0', '--vdev', 'net_ring0,x=1']],
  ])('rejects the duplicate vdev name in %j', (argv) => {
    rejects(argv, '--vdev', 'duplicate virtual device name "net_ring0"');
  });

  it('accepts distinct vdev names', () => {
    expect(parse('--vdev', 'net_ring0', '--vdev', 'net_ring1', '--vdev', 'bus=vdev,name=net_ring2/class=eth').vdevs).toHaveLength(3);
  });

  it.each([
    [['-a', ''], '-a'],
    [['-a', ',k=v'], '-a'],
    [['-b', ''], '-b'],
    [['--vdev', ''], '--vdev'],
    [['--vdev=,x=1'], '--vdev'],
    [['-d', ''], '-d'],
  ])('rejects the empty device or plugin in %j', (argv, name) => {
    rejects(argv, `invalid ${name} value`);
  });
});

describe('parseEalArgs: logging', () => {
  it.each([
    ['debug', { kind: 'glob', level: 8 }],
    ['7', { kind: 'glob', level: 7 }],
    ['ERR', { kind: 'glob', level: 4 }],
    ['emerg', { kind: 'glob', level: 1 }],
    ['critical', { kind: 'glob', level: 3 }],
    ['warn', { kind: 'glob', level: 5 }],
    ['pmd.net.*:debug', { pattern: 'pmd.net.*', kind: 'glob', level: 8 }],
    ['eal:notice', { pattern: 'eal', kind: 'glob', level: 6 }],
    ['pmd.*,info', { pattern: 'pmd.*', kind: 'regex', level: 7 }],
    ['^(eal|pci)$,3', { pattern: '^(eal|pci)$', kind: 'regex', level: 3 }],
    ['a{1,2},error', { pattern: 'a{1,2}', kind: 'regex', level: 4 }],
  ])('reads --log-level %j', (value, expected) => {
    expect(parse('--log-level', value).logLevels).toEqual([expected]);
  });

  it('keeps repeated settings in order', () => {
    expect(parse('--log-level=info', '--log-level', 'pci:debug').logLevels).toEqual([
      { kind: 'glob', level: 7 },
      { pattern: 'pci', kind: 'glob', level: 8 },
    ]);
  });

  it.each([
    ['loud', 'unknown log level "loud"'],
    ['0', 'unknown log level "0"'],
    ['9', 'unknown log level "9"'],
    ['', 'unknown log level ""'],
    [':debug', 'empty logtype pattern'],
    [',debug', 'empty logtype pattern'],
    ['eal:', 'unknown log level ""'],
    ['(,debug', 'bad regular expression'],
    ['eal:verbose', '"verbose"'],
  ])('rejects --log-level %j', (value, fragment) => {
    rejects(['--log-level', value], '--log-level', fragment);
  });
});

describe('ealUsage', () => {
  it('names the program and every option group', () => {
    const text = ealUsage('nic-fwd');
    expect(text).toContain('Usage: nic-fwd [EAL options] -- [application options]');
    for (const group of ['Lcore options', 'Device options', 'Memory options', 'Logging options', 'Other options']) expect(text).toContain(group);
    for (const opt of ['--lcores', '--main-lcore', '--allow', '--block', '--vdev', '--no-pci', '--socket-mem', '--no-huge', '--huge-dir', '--file-prefix', '--in-memory', '--no-telemetry', '--telemetry', '--iova-mode', '--log-level', '--help', '--version']) {
      expect(text).toContain(opt);
    }
    expect(text.endsWith('\n')).toBe(true);
  });
});
