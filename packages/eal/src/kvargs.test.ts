import { NicError } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { Kvargs, parseKvargs, splitListValue, type KvOptHandler } from './kvargs.js';

/** Runs `fn`, expecting a NicError with `code`; returns it for further checks. */
function nicError(fn: () => unknown, code = 'NIC_EINVAL'): NicError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    expect((e as NicError).code).toBe(code);
    return e as NicError;
  }
  throw new Error('expected a NicError');
}

/**
 * DPDK's check_handler: the key must be "check" and the n-th value "value<n>"; counts the
 * successful calls.
 */
function checkHandler(): { handler: KvOptHandler; calls: () => number } {
  let count = 0;
  const handler: KvOptHandler = (value, key) => {
    if (key !== 'check' || value !== `value${count}`) return false;
    count++;
    return true;
  };
  return { handler, calls: () => count };
}

describe('parseKvargs: DPDK test_basic_token_count', () => {
  it.each([
    [3, 'foo=1,check=1,check=2'],
    [3, 'foo=1,check,check=2'],
    [2, 'foo=1,foo='],
    [2, 'foo=1,foo'],
    [2, 'foo=1,=2'],
    [2, 'foo=1,,foo=2,,'],
    [1, 'foo=[1,2'],
    [1, ',='],
    [1, 'foo=['],
    [0, ''],
  ])('counts %i pairs in %j', (expected, input) => {
    expect(parseKvargs(input).count()).toBe(expected);
  });

  it('keeps the pairs DPDK keeps in the edge cases', () => {
    expect(parseKvargs('foo=1,foo=').pairs).toEqual([{ key: 'foo', value: '1' }, { key: 'foo', value: '' }]);
    expect(parseKvargs('foo=1,foo').pairs).toEqual([{ key: 'foo', value: '1' }, { key: 'foo', value: undefined }]);
    expect(parseKvargs('foo=1,=2').pairs).toEqual([{ key: 'foo', value: '1' }, { key: '', value: '2' }]);
    expect(parseKvargs('foo=[1,2').pairs).toEqual([{ key: 'foo', value: '[1,2' }]);
    expect(parseKvargs(',=').pairs).toEqual([{ key: '', value: '' }]);
    expect(parseKvargs('foo=[').pairs).toEqual([{ key: 'foo', value: '[' }]);
  });
});

describe.each([
  ['process', false],
  ['processOpt', true],
] as const)('parseKvargs: DPDK test_parse_without_valid_keys (%s)', (_name, useOpt) => {
  const run = (kv: Kvargs, key: string, handler: KvOptHandler) =>
    useOpt ? kv.processOpt(key, handler) : kv.process(key, handler);

  it('calls the handler for each "check" in order, none for an absent key, and counts keys', () => {
    const kv = parseKvargs('foo=1234,check=value0,check=value1');
    const check = checkHandler();
    expect(() => run(kv, 'check', check.handler)).not.toThrow();
    expect(check.calls()).toBe(2);

    const none = checkHandler();
    expect(() => run(kv, 'nonexistent_key', none.handler)).not.toThrow();
    expect(none.calls()).toBe(0);

    expect(kv.count('foo')).toBe(1);
    expect(kv.count('nonexistent_key')).toBe(0);
  });
});

describe.each([
  ['process', false],
  ['processOpt', true],
] as const)('parseKvargs: DPDK test_parse_with_valid_keys (%s)', (_name, useOpt) => {
  it('fails on the third "check" after two successful calls', () => {
    const kv = parseKvargs('foo=droids,check=value0,check=value1,check=wrong_value', ['foo', 'check']);
    const check = checkHandler();
    const err = nicError(() => (useOpt ? kv.processOpt('check', check.handler) : kv.process('check', check.handler)));
    expect(err.message).toContain('"check"');
    expect(err.message).toContain('"wrong_value"');
    expect(check.calls()).toBe(2);
    expect(kv.count('check')).toBe(3);
  });
});

describe('parseKvargs: other DPDK cases', () => {
  it('test_parse_list_value: brackets keep commas in the value', () => {
    const kv = parseKvargs('foo=[0,1],check=value2', ['foo', 'check']);
    expect(kv.count()).toBe(2);
    expect(kv.pairs[0].value).toBe('[0,1]');
    expect(splitListValue(kv.get('foo') ?? '')).toEqual(['0', '1']);
  });

  it('test_parse_empty_elements: empty elements are skipped', () => {
    const kv = parseKvargs('foo=1,,check=value2,,');
    expect(kv.count()).toBe(2);
    expect(kv.count('foo')).toBe(1);
    expect(kv.count('check')).toBe(1);
  });

  it('test_parse_with_only_key: process fails, processOpt passes undefined', () => {
    const kv = parseKvargs('foo,check');
    const onlyKey: KvOptHandler = (value, key) => key === 'check' && value === undefined;
    const err = nicError(() => kv.process('check', onlyKey));
    expect(err.message).toContain('"check" needs a value');
    expect(() => kv.processOpt('check', onlyKey)).not.toThrow();
  });

  it('test_invalid_kvargs: a key outside validKeys is rejected, naming it and the valid ones', () => {
    const err = nicError(() => parseKvargs('wrong-key=x', ['foo', 'check']));
    expect(err.message).toContain('"wrong-key"');
    expect(err.message).toContain('foo, check');
  });
});

describe('parseKvargs: details', () => {
  it('keeps later "=" in the value', () => {
    expect(parseKvargs('path=/a=b,x=1').pairs).toEqual([{ key: 'path', value: '/a=b' }, { key: 'x', value: '1' }]);
  });

  it('keeps brackets anywhere in a value', () => {
    const kv = parseKvargs('k1=x[0-1]y[1,3-5,9]z,k2=v');
    expect(kv.get('k1')).toBe('x[0-1]y[1,3-5,9]z');
    expect(kv.get('k2')).toBe('v');
  });

  it('get returns the first value, getAll every value, has sees key-only pairs', () => {
    const kv = parseKvargs('a=1,b,a=2');
    expect(kv.get('a')).toBe('1');
    expect(kv.getAll('a')).toEqual(['1', '2']);
    expect(kv.get('b')).toBeUndefined();
    expect(kv.has('b')).toBe(true);
    expect(kv.has('c')).toBe(false);
    expect(kv.getAll('b')).toEqual([undefined]);
  });

  it('propagates an error thrown by the handler', () => {
    const boom = new Error('boom');
    expect(() =>
      parseKvargs('a=1').process('a', () => {
        throw boom;
      }),
    ).toThrow(boom);
  });

  it('rejects non-string input with TypeError', () => {
    expect(() => parseKvargs(undefined as unknown as string)).toThrow(TypeError);
    expect(() => parseKvargs('a=1', 'a' as unknown as string[])).toThrow(TypeError);
  });

  it('checks key-only and empty keys against validKeys too', () => {
    expect(() => parseKvargs('foo', ['foo'])).not.toThrow();
    nicError(() => parseKvargs('=2', ['foo']));
  });
});

describe('Kvargs typed getters', () => {
  const kv = parseKvargs('queues=4,hex=0x10,neg=-3,bad=4x,big=99999999999999999999,flag,on=yes,off=0,odd=maybe,mode=fast,dup=1,dup=2,empty=');

  it('getInt parses decimal and hex, applies bounds and defaults', () => {
    expect(kv.getInt('queues', { min: 1, max: 16 })).toBe(4);
    expect(kv.getInt('hex')).toBe(16);
    expect(kv.getInt('neg')).toBe(-3);
    expect(kv.getInt('absent')).toBeUndefined();
    expect(kv.getInt('absent', { default: 7 })).toBe(7);
  });

  it.each([
    ['bad', {}, '"4x"'],
    ['big', {}, '"9999'],
    ['queues', { max: 2 }, '<= 2'],
    ['queues', { min: 5, max: 8 }, 'in 5..8'],
    ['empty', {}, '""'],
  ])('getInt(%j, %j) is NIC_EINVAL naming key and value', (key, opts, fragment) => {
    const err = nicError(() => kv.getInt(key, opts));
    expect(err.message).toContain(`"${key}"`);
    expect(err.message).toContain(fragment);
  });

  it('getInt rejects a key without value or given twice', () => {
    expect(nicError(() => kv.getInt('flag')).message).toContain('"flag" needs a value');
    expect(nicError(() => kv.getInt('dup')).message).toContain('"dup" is given 2 times');
  });

  it('getBool reads 0/1/true/false/yes/no, a bare key as true, and defaults', () => {
    expect(kv.getBool('on')).toBe(true);
    expect(kv.getBool('off', true)).toBe(false);
    expect(kv.getBool('flag')).toBe(true);
    expect(kv.getBool('absent')).toBeUndefined();
    expect(kv.getBool('absent', false)).toBe(false);
    expect(parseKvargs('a=TRUE,b=No').getBool('a')).toBe(true);
    expect(parseKvargs('a=TRUE,b=No').getBool('b')).toBe(false);
    const err = nicError(() => kv.getBool('odd'));
    expect(err.message).toContain('"odd"');
    expect(err.message).toContain('"maybe"');
    nicError(() => kv.getBool('dup'));
  });

  it('getString returns the value, checks choices, applies the default', () => {
    expect(kv.getString('mode')).toBe('fast');
    expect(kv.getString('mode', { choices: ['fast', 'slow'] })).toBe('fast');
    expect(kv.getString('absent', { default: 'x' })).toBe('x');
    expect(kv.getString('empty')).toBe('');
    const err = nicError(() => kv.getString('mode', { choices: ['slow', 'safe'] }));
    expect(err.message).toContain('"mode"');
    expect(err.message).toContain('"fast"');
    expect(err.message).toContain('slow, safe');
    nicError(() => kv.getString('flag'));
    nicError(() => kv.getString('dup'));
  });
});

describe('splitListValue', () => {
  it.each([
    ['[a,b]', ['a', 'b']],
    ['[0-3,5,7]', ['0-3', '5', '7']],
    ['[]', []],
    ['', []],
    ['plain', ['plain']],
    ['[x[0,1],y]', ['x[0,1]', 'y']],
  ])('splits %j', (value, expected) => {
    expect(splitListValue(value)).toEqual(expected);
  });

  it.each(['[a,,b]', '[a,]', '[a', 'a]', '[[a]'])('rejects %j', (value) => {
    expect(nicError(() => splitListValue(value)).message).toContain(`"${value}"`);
  });
});
