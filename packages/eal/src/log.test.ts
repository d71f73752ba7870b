import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LOG_LEVEL,
  LogLevel,
  globMatcher,
  logtypes,
  registerLogtype,
  resetLogLevels,
  setLogLevel,
  setLogSink,
  type LogRecord,
} from './log.js';

const records: LogRecord[] = [];
const previousSink = setLogSink((r) => records.push(r));

afterEach(() => {
  records.length = 0;
  resetLogLevels();
});

describe('logtypes and levels', () => {
  it('filters records above the logtype level and passes the rest to the sink', () => {
    const log = registerLogtype('test.filter', LogLevel.WARNING);
    log.info('hidden');
    log.err('shown');
    log.warn('also shown');
    expect(records).toEqual([
      { type: 'test.filter', level: LogLevel.ERR, message: 'shown' },
      { type: 'test.filter', level: LogLevel.WARNING, message: 'also shown' },
    ]);
  });

  it('sets levels by glob, for existing logtypes and those registered later', () => {
    const igb = registerLogtype('pmd.net.igb.init');
    const pci = registerLogtype('pci');
    setLogLevel(LogLevel.DEBUG, 'pmd.net.*');
    const ixgbe = registerLogtype('pmd.net.ixgbe.driver');
    expect(igb.level).toBe(LogLevel.DEBUG);
    expect(ixgbe.level).toBe(LogLevel.DEBUG);
    expect(pci.level).toBe(DEFAULT_LOG_LEVEL);
  });

  it('lets the last matching rule win and supports regular expressions', () => {
    const log = registerLogtype('eal.memory');
    setLogLevel(LogLevel.DEBUG, 'eal*');
    setLogLevel(LogLevel.ERR, /^eal\.mem/);
    expect(log.level).toBe(LogLevel.ERR);
    setLogLevel(LogLevel.INFO);
    expect(log.level).toBe(LogLevel.INFO);
  });

  it('restores each logtype default on reset', () => {
    const log = registerLogtype('test.reset', LogLevel.CRIT);
    setLogLevel(LogLevel.DEBUG);
    resetLogLevels();
    expect(log.level).toBe(LogLevel.CRIT);
  });

  it('lists logtypes sorted with their level names', () => {
    registerLogtype('zz.last');
    registerLogtype('aa.first', LogLevel.DEBUG);
    const list = logtypes();
    expect(list[0]).toEqual({ type: 'aa.first', level: LogLevel.DEBUG, levelName: 'DEBUG' });
    expect(list.at(-1)?.type).toBe('zz.last');
  });

  it('treats glob metacharacters literally except * and ?', () => {
    const m = globMatcher('pmd.net.?gb*');
    expect(m('pmd.net.igb.init')).toBe(true);
    expect(m('pmdXnet.igb')).toBe(false);
  });

  it('writes to stderr by default', () => {
    setLogSink(previousSink);
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => writes.push(chunk) > 0) as typeof process.stderr.write;
    try {
      registerLogtype('test.stderr').err('to stderr');
    } finally {
      process.stderr.write = original;
      setLogSink((r) => records.push(r));
    }
    expect(writes).toEqual(['TEST.STDERR: to stderr\n']);
  });
});
