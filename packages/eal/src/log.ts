/**
 * DPDK-style logging: named logtypes (`eal`, `pci`, `pmd.net.igb.init`), each with a level;
 * records at or below a logtype's level reach the sink (stderr unless replaced).
 */

/** Log levels, most severe first, numbered as DPDK numbers them. */
export const LogLevel = {
  EMERG: 1,
  ALERT: 2,
  CRIT: 3,
  ERR: 4,
  WARNING: 5,
  NOTICE: 6,
  INFO: 7,
  DEBUG: 8,
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

const LEVEL_NAMES: Record<number, string> = {
  1: 'EMERG', 2: 'ALERT', 3: 'CRIT', 4: 'ERR', 5: 'WARNING', 6: 'NOTICE', 7: 'INFO', 8: 'DEBUG',
};

/** The level a new logtype gets unless a rule or its registration says otherwise. */
export const DEFAULT_LOG_LEVEL: LogLevel = LogLevel.NOTICE;

/** One log record handed to the sink. */
export interface LogRecord {
  readonly type: string;
  readonly level: LogLevel;
  readonly message: string;
}

/** Receives every record that passes its logtype's level. */
export type LogSink = (record: LogRecord) => void;

/** A rule from `--log-level` or {@link setLogLevel}: logtypes whose name matches get `level`. */
interface LevelRule {
  readonly match: (type: string) => boolean;
  readonly level: LogLevel;
}

interface LogState {
  readonly types: Map<string, { level: LogLevel; defaultLevel: LogLevel }>;
  readonly rules: LevelRule[];
  sink: LogSink;
}

const STATE_KEY = Symbol.for('nic.eal.log.v1');

function stderrSink(record: LogRecord): void {
  process.stderr.write(`${record.type.toUpperCase()}: ${record.message}\n`);
}

function state(): LogState {
  const g = globalThis as { [STATE_KEY]?: LogState };
  return (g[STATE_KEY] ??= { types: new Map(), rules: [], sink: stderrSink });
}

/** Turns a logtype glob (`pmd.net.*`, `pci`) into a matcher; `*` and `?` are the wildcards. */
export function globMatcher(glob: string): (type: string) => boolean {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`);
  return (type) => re.test(type);
}

function levelFor(type: string, fallback: LogLevel): LogLevel {
  let level = fallback;
  for (const rule of state().rules) if (rule.match(type)) level = rule.level;
  return level;
}

/** A logger bound to one logtype. Methods are cheap no-ops when the level filters them out. */
export class Logger {
  constructor(readonly type: string) {}

  /** The current level of this logtype. */
  get level(): LogLevel {
    return state().types.get(this.type)?.level ?? DEFAULT_LOG_LEVEL;
  }

  /** True when a record of `level` would reach the sink. */
  enabled(level: LogLevel): boolean {
    return level <= this.level;
  }

  /** Emits `message` at `level` if this logtype lets it through. */
  log(level: LogLevel, message: string): void {
    if (level <= this.level) state().sink({ type: this.type, level, message });
  }

  err(message: string): void { this.log(LogLevel.ERR, message); }
  warn(message: string): void { this.log(LogLevel.WARNING, message); }
  notice(message: string): void { this.log(LogLevel.NOTICE, message); }
  info(message: string): void { this.log(LogLevel.INFO, message); }
  debug(message: string): void { this.log(LogLevel.DEBUG, message); }
}

/**
 * Registers a logtype (idempotent) and returns its logger. Its level is the last matching
 * rule set so far, else `defaultLevel`.
 */
export function registerLogtype(type: string, defaultLevel: LogLevel = DEFAULT_LOG_LEVEL): Logger {
  const types = state().types;
  if (!types.has(type)) types.set(type, { level: levelFor(type, defaultLevel), defaultLevel });
  return new Logger(type);
}

/**
 * Sets the level of every logtype matching `pattern` (a glob, or a RegExp), now and for
 * logtypes registered later. Without a pattern, every logtype.
 */
export function setLogLevel(level: LogLevel, pattern?: string | RegExp): void {
  const match =
    pattern === undefined ? () => true : typeof pattern === 'string' ? globMatcher(pattern) : (t: string) => pattern.test(t);
  const s = state();
  s.rules.push({ match, level });
  for (const [type, entry] of s.types) if (match(type)) entry.level = level;
}

/** Replaces the sink; returns the previous one so a caller can restore it. */
export function setLogSink(sink: LogSink): LogSink {
  const s = state();
  const previous = s.sink;
  s.sink = sink;
  return previous;
}

/** Every registered logtype and its level, sorted by name (DPDK's `rte_log_dump`). */
export function logtypes(): { type: string; level: LogLevel; levelName: string }[] {
  return [...state().types]
    .map(([type, { level }]) => ({ type, level, levelName: LEVEL_NAMES[level] }))
    .sort((a, b) => a.type.localeCompare(b.type));
}

/** Forgets every level rule and restores defaults (for EAL cleanup and tests). */
export function resetLogLevels(): void {
  const s = state();
  s.rules.length = 0;
  for (const entry of s.types.values()) entry.level = entry.defaultLevel;
}

/** The name of a level (`'ERR'`, `'DEBUG'` ...). */
export function logLevelName(level: LogLevel): string {
  return LEVEL_NAMES[level];
}
