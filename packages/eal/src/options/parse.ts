/**
 * EAL's command line: DPDK's options (`-l 0-3 -a 0000:01:00.0 --vdev net_ring0 ...`) up to an
 * optional `--`, turned into a validated {@link EalOptions}.
 */
import { NicError } from '@nic/native';
import { splitDevargsLayers } from '../devargs.js';
import { parseKvargs } from '../kvargs.js';
import { LogLevel } from '../log.js';
import { cpuSet, defaultLcores, parseCoremask, parseLcores, parseMainLcore } from './lcores.js';
import type { EalEnvironment, EalOptions, IovaMode, LogLevelSetting, ParsedEalArgs } from './types.js';

/** The option names EAL knows, one per option however it is spelled. */
type OptionId =
  | 'lcores'
  | 'coremask'
  | 'main-lcore'
  | 'memory-channels'
  | 'memory-size'
  | 'socket-mem'
  | 'allow'
  | 'block'
  | 'vdev'
  | 'no-pci'
  | 'no-huge'
  | 'huge-dir'
  | 'file-prefix'
  | 'in-memory'
  | 'no-telemetry'
  | 'telemetry'
  | 'iova-mode'
  | 'log-level'
  | 'driver-path'
  | 'version'
  | 'help';

interface OptionSpec {
  readonly id: OptionId;
  /** One-letter spelling, used as `-x`. */
  readonly short?: string;
  /** Long spellings, used as `--name`; the first is the main one. */
  readonly long: readonly string[];
  /** Whether the option takes a value. */
  readonly takesValue: boolean;
  /** Whether the option may be given more than once. */
  readonly repeatable: boolean;
}

function spec(id: OptionId, takesValue: boolean, more: { short?: string; long?: readonly string[]; repeatable?: boolean } = {}): OptionSpec {
  return { id, takesValue, short: more.short, long: more.long ?? [id], repeatable: more.repeatable ?? false };
}

const VALUE = true;
const FLAG = false;

/** Every EAL option. `--numa-mem` is DPDK's newer name of `--socket-mem`. */
const OPTIONS: readonly OptionSpec[] = [
  spec('lcores', VALUE, { short: 'l' }),
  spec('coremask', VALUE, { short: 'c' }),
  spec('main-lcore', VALUE),
  spec('memory-channels', VALUE, { short: 'n' }),
  spec('memory-size', VALUE, { short: 'm' }),
  spec('socket-mem', VALUE, { long: ['socket-mem', 'numa-mem'] }),
  spec('allow', VALUE, { short: 'a', repeatable: true }),
  spec('block', VALUE, { short: 'b', repeatable: true }),
  spec('vdev', VALUE, { repeatable: true }),
  spec('no-pci', FLAG),
  spec('no-huge', FLAG),
  spec('huge-dir', VALUE),
  spec('file-prefix', VALUE),
  spec('in-memory', FLAG),
  spec('no-telemetry', FLAG),
  spec('telemetry', FLAG),
  spec('iova-mode', VALUE),
  spec('log-level', VALUE, { repeatable: true }),
  spec('driver-path', VALUE, { short: 'd', repeatable: true }),
  spec('version', FLAG, { short: 'v' }),
  spec('help', FLAG, { short: 'h' }),
];

/** Separates EAL's arguments from the application's. */
const END_OF_OPTIONS = '--';
const LONG_PREFIX = '--';
const SHORT_PREFIX = '-';
const ASSIGN = '=';

/** `--file-prefix` when none is given. */
export const DEFAULT_FILE_PREFIX = 'nic';
/** Most NUMA sockets `--socket-mem` may list (DPDK's `RTE_MAX_NUMA_NODES`). */
export const MAX_NUMA_NODES = 32;

/** Log level names (DPDK's full names and the usual short ones) and their numbers. */
const LOG_LEVELS: Readonly<Record<string, LogLevel>> = {
  emergency: LogLevel.EMERG,
  emerg: LogLevel.EMERG,
  alert: LogLevel.ALERT,
  critical: LogLevel.CRIT,
  crit: LogLevel.CRIT,
  error: LogLevel.ERR,
  err: LogLevel.ERR,
  warning: LogLevel.WARNING,
  warn: LogLevel.WARNING,
  notice: LogLevel.NOTICE,
  info: LogLevel.INFO,
  debug: LogLevel.DEBUG,
};
const MIN_LOG_LEVEL: number = LogLevel.EMERG;
const MAX_LOG_LEVEL: number = LogLevel.DEBUG;
const REGEX_LEVEL_SEPARATOR = ',';
const GLOB_LEVEL_SEPARATOR = ':';

const IOVA_MODES: readonly IovaMode[] = ['pa', 'va'];
const DIGITS_RE = /^[0-9]+$/;
const FORBIDDEN_PREFIX_CHARS = ['/', '%'];
const VDEV_PREFIX = 'vdev:';
const DEVARGS_SEPARATOR = ',';
const VDEV_NAME_KEY = 'name';
const BUS_LAYER_PREFIX = 'bus=';

/** One option as found on the command line. */
interface Occurrence {
  /** The spelling used, for messages: `-l` or `--lcores`. */
  readonly name: string;
  readonly value: string;
}

function einval(message: string): NicError {
  return new NicError('NIC_EINVAL', message);
}

function invalidValue(o: Occurrence, why: string): NicError {
  return einval(`invalid ${o.name} value "${o.value}": ${why}`);
}

/** Splits argv into option occurrences (by option) and the count of EAL's arguments. */
function scan(argv: readonly string[]): { found: Map<OptionId, Occurrence[]>; consumed: number } {
  const found = new Map<OptionId, Occurrence[]>();
  const record = (s: OptionSpec, name: string, value: string) => {
    const list = found.get(s.id) ?? [];
    if (list.length > 0 && !s.repeatable && s.takesValue) throw einval(`EAL option ${name} is given more than once`);
    list.push({ name, value });
    found.set(s.id, list);
  };
  let i = 0;
  /** The argument after the current one as a value; missing at the end or at `--`. */
  const nextValue = (name: string): string => {
    const value = argv[i + 1];
    if (value === undefined || value === END_OF_OPTIONS) throw einval(`EAL option ${name} needs a value`);
    i++;
    return value;
  };

  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (typeof arg !== 'string') throw new TypeError(`argv[${i}] must be a string, got ${typeof arg}`);
    if (arg === END_OF_OPTIONS) return { found, consumed: i + 1 };
    if (arg.startsWith(LONG_PREFIX)) {
      const eq = arg.indexOf(ASSIGN);
      const name = eq < 0 ? arg : arg.slice(0, eq);
      const s = OPTIONS.find((o) => o.long.includes(name.slice(LONG_PREFIX.length)));
      if (!s) throw einval(`unknown EAL option "${name}" (see --help)`);
      if (!s.takesValue && eq >= 0) throw einval(`EAL option ${name} takes no value`);
      record(s, name, !s.takesValue ? '' : eq >= 0 ? arg.slice(eq + 1) : nextValue(name));
    } else if (arg.startsWith(SHORT_PREFIX) && arg.length > SHORT_PREFIX.length) {
      // getopt-style cluster: flags may be combined (-vh), and a value may follow at once (-l0,1).
      for (let j = SHORT_PREFIX.length; j < arg.length; j++) {
        const name = SHORT_PREFIX + arg[j];
        const s = OPTIONS.find((o) => o.short === arg[j]);
        if (!s) throw einval(`unknown EAL option "${name}" (see --help)`);
        if (!s.takesValue) {
          record(s, name, '');
          continue;
        }
        const rest = arg.slice(j + 1);
        record(s, name, rest !== '' ? rest : nextValue(name));
        break;
      }
    } else {
      throw einval(`unexpected argument "${arg}" among EAL options (application arguments go after "${END_OF_OPTIONS}")`);
    }
  }
  return { found, consumed: argv.length };
}

function isIovaMode(value: string): value is IovaMode {
  return (IOVA_MODES as readonly string[]).includes(value);
}

function positiveInt(o: Occurrence): number {
  const n = Number(o.value);
  if (!DIGITS_RE.test(o.value) || !Number.isSafeInteger(n) || n < 1) throw invalidValue(o, 'expected a positive integer');
  return n;
}

function socketMem(o: Occurrence): number[] {
  const parts = o.value.split(DEVARGS_SEPARATOR);
  if (parts.length > MAX_NUMA_NODES) throw invalidValue(o, `at most ${MAX_NUMA_NODES} sockets`);
  return parts.map((part, socket) => {
    const n = Number(part);
    if (!DIGITS_RE.test(part) || !Number.isSafeInteger(n)) throw invalidValue(o, `socket ${socket}: expected MiB as a whole number, got "${part}"`);
    return n;
  });
}

function logLevelNumber(o: Occurrence, text: string): number {
  const named = LOG_LEVELS[text.toLowerCase()];
  if (named !== undefined) return named;
  const n = Number(text);
  if (DIGITS_RE.test(text) && n >= MIN_LOG_LEVEL && n <= MAX_LOG_LEVEL) return n;
  throw invalidValue(o, `unknown log level "${text}" (a number ${MIN_LOG_LEVEL}-${MAX_LOG_LEVEL} or one of ${Object.keys(LOG_LEVELS).join(', ')})`);
}

/**
 * Parses one `--log-level` value: `level` (global), `glob:level`, or DPDK's older
 * `regex,level`. The last separator splits, so a pattern may itself hold one.
 */
function logLevel(o: Occurrence): LogLevelSetting {
  const comma = o.value.lastIndexOf(REGEX_LEVEL_SEPARATOR);
  const colon = o.value.lastIndexOf(GLOB_LEVEL_SEPARATOR);
  const cut = comma >= 0 ? comma : colon;
  if (cut < 0) return { kind: 'glob', level: logLevelNumber(o, o.value) };
  const pattern = o.value.slice(0, cut);
  const kind = comma >= 0 ? 'regex' : 'glob';
  if (pattern === '') throw invalidValue(o, 'empty logtype pattern');
  if (kind === 'regex') {
    try {
      new RegExp(pattern);
    } catch (e) {
      throw new NicError('NIC_EINVAL', `invalid ${o.name} value "${o.value}": bad regular expression "${pattern}"`, { cause: e });
    }
  }
  return { pattern, kind, level: logLevelNumber(o, o.value.slice(cut + 1)) };
}

function filePrefix(o: Occurrence): string {
  if (o.value === '') throw invalidValue(o, 'empty prefix');
  const bad = FORBIDDEN_PREFIX_CHARS.find((c) => o.value.includes(c));
  if (bad !== undefined) throw invalidValue(o, `"${bad}" is not allowed in a file prefix`);
  return o.value;
}

function nonEmpty(o: Occurrence, what: string): string {
  if (o.value === '') throw invalidValue(o, `empty ${what}`);
  return o.value;
}

/** A `-a`/`-b`/`--vdev` string must at least name something before its arguments. */
function devargsString(o: Occurrence): string {
  if (o.value.split(DEVARGS_SEPARATOR)[0] === '') throw invalidValue(o, 'no device name before the arguments');
  return o.value;
}

/** The device name a `--vdev` string creates: `name=` of a global-syntax bus layer, else its head. */
function vdevName(text: string): string {
  const layers = splitDevargsLayers(text);
  const busLayer = layers?.find((l) => l.startsWith(BUS_LAYER_PREFIX));
  if (layers) return (busLayer && parseKvargs(busLayer).get(VDEV_NAME_KEY)) ?? text;
  const head = text.split(DEVARGS_SEPARATOR)[0];
  return head.startsWith(VDEV_PREFIX) ? head.slice(VDEV_PREFIX.length) : head;
}

function vdevs(list: readonly Occurrence[]): string[] {
  const seen = new Set<string>();
  return list.map((o) => {
    const text = devargsString(o);
    const name = vdevName(text);
    if (seen.has(name)) throw invalidValue(o, `duplicate virtual device name "${name}"`);
    seen.add(name);
    return text;
  });
}

function conflict(found: Map<OptionId, Occurrence[]>, a: OptionId, b: OptionId, message: string): void {
  if (found.has(a) && found.has(b)) throw einval(message);
}

/**
 * Parses EAL's command line (DPDK's `rte_eal_init` arguments). `argv` is the argument list
 * without the program name (e.g. `process.argv.slice(2)`). EAL's options run up to the first
 * `--`, or to the end without one; `consumed` counts them, the `--` included, so
 * `argv.slice(consumed)` is exactly the application's part.
 *
 * Long options take `--opt=value` or `--opt value`, short ones `-l 0,1` or `-l0,1`, and short
 * flags may be combined (`-vh`). A non-option argument before `--`, an unknown option, a
 * missing value, a single-valued option given twice, a malformed value, or a forbidden
 * combination (`-a` with `-b`, `-c` with `-l`, `-m` or `--no-huge` with `--socket-mem`) is
 * `NIC_EINVAL` naming the option. Lcores run on the CPUs of `env.cpus` only (the process's
 * affinity set): the default is one lcore per CPU of the set, and `-l`/`-c` naming a CPU
 * outside it is `NIC_EINVAL`. Wrong argument types are `TypeError`.
 */
export function parseEalArgs(argv: readonly string[], env: EalEnvironment): ParsedEalArgs {
  if (!Array.isArray(argv)) throw new TypeError('argv must be an array of strings');
  if (!env || typeof env !== 'object') throw new TypeError('env must be an object with the CPUs this process may run on');
  const cpus = cpuSet(env.cpus);
  const { found, consumed } = scan(argv);
  const one = (id: OptionId): Occurrence | undefined => found.get(id)?.[0];
  const all = (id: OptionId): readonly Occurrence[] => found.get(id) ?? [];

  conflict(found, 'allow', 'block', "options allow (-a) and block (-b) can't be used at the same time");
  conflict(found, 'coremask', 'lcores', "options coremask (-c) and lcores (-l) can't be used at the same time");
  conflict(found, 'memory-size', 'socket-mem', "options memory size (-m) and --socket-mem can't be used at the same time");
  conflict(found, 'no-huge', 'socket-mem', "options --no-huge and --socket-mem can't be used at the same time");

  const lcoresOpt = one('lcores');
  const coremaskOpt = one('coremask');
  const lcores = lcoresOpt
    ? parseLcores(lcoresOpt.value, { cpus, option: lcoresOpt.name })
    : coremaskOpt
      ? parseCoremask(coremaskOpt.value, { cpus, option: coremaskOpt.name })
      : defaultLcores(cpus);
  const mainOpt = one('main-lcore');
  const mainLcore = mainOpt ? parseMainLcore(mainOpt.value, lcores, mainOpt.name) : lcores[0].id;

  const channelsOpt = one('memory-channels');
  const memoryOpt = one('memory-size');
  const socketMemOpt = one('socket-mem');
  const hugeDirOpt = one('huge-dir');
  const prefixOpt = one('file-prefix');
  const iovaOpt = one('iova-mode');
  if (iovaOpt && !isIovaMode(iovaOpt.value)) throw invalidValue(iovaOpt, `expected ${IOVA_MODES.join(' or ')}`);

  const options: EalOptions = {
    lcores,
    mainLcore,
    memoryChannels: channelsOpt && positiveInt(channelsOpt),
    memoryMb: memoryOpt && positiveInt(memoryOpt),
    socketMem: socketMemOpt && socketMem(socketMemOpt),
    allow: all('allow').map(devargsString),
    block: all('block').map(devargsString),
    vdevs: vdevs(all('vdev')),
    noPci: found.has('no-pci'),
    noHuge: found.has('no-huge'),
    hugeDir: hugeDirOpt && nonEmpty(hugeDirOpt, 'directory'),
    filePrefix: prefixOpt ? filePrefix(prefixOpt) : DEFAULT_FILE_PREFIX,
    inMemory: found.has('in-memory'),
    telemetry: !found.has('no-telemetry'),
    iovaMode: iovaOpt && isIovaMode(iovaOpt.value) ? iovaOpt.value : undefined,
    logLevels: all('log-level').map(logLevel),
    plugins: all('driver-path').map((o) => nonEmpty(o, 'driver package or path')),
    version: found.has('version'),
    help: found.has('help'),
  };
  return { consumed, options };
}
