import { describe, expect, it } from 'vitest';
import { parseKvargs } from '@nic/eal';
import { parseRingArgs, VALID_KEYS } from './args.js';

const parse = (args: string): ReturnType<typeof parseRingArgs> => parseRingArgs('net_ring0', parseKvargs(args, VALID_KEYS));

describe('net_ring device arguments', () => {
  it('read nodeaction, peer and ring lists', () => {
    expect(parse('')).toEqual({ kind: 'own', peer: undefined });
    expect(parse('peer=net_ring1')).toEqual({ kind: 'own', peer: 'net_ring1' });
    expect(parse('nodeaction=a:0:CREATE,nodeaction=b:1:ATTACH')).toEqual({
      kind: 'nodeactions',
      actions: [
        { name: 'a', node: 0, action: 'CREATE' },
        { name: 'b', node: 1, action: 'ATTACH' },
      ],
    });
    expect(parse('rxrings=[r0,r1],txrings=t0')).toEqual({ kind: 'rings', rx: ['r0', 'r1'], tx: ['t0'] });
  });

  it('name the device, key and value of a malformed argument', () => {
    expect(() => parse('nodeaction=a:x:CREATE')).toThrow('net_ring0: invalid value "a:x:CREATE" for key "nodeaction": expected name:node:CREATE|ATTACH');
    expect(() => parse('nodeaction=a:0:MAKE')).toThrow(/invalid value "a:0:MAKE"/);
    expect(() => parse('peer=')).toThrow(/invalid value "" for key "peer"/);
    expect(() => parse('rxrings=[a,,b]')).toThrow(/invalid value "\[a,,b\]" for key "rxrings"/);
  });

  it('refuse keys that do not go together', () => {
    expect(() => parse('nodeaction=a:0:CREATE,peer=b')).toThrow(/"peer" cannot be combined with "nodeaction"/);
    expect(() => parse('rxrings=[a],peer=b')).toThrow(/"peer" cannot be combined with ring lists/);
  });

  it('leave unknown keys to the kvargs check', () => {
    expect(() => parseKvargs('size=1', VALID_KEYS)).toThrow(/unknown key "size"/);
  });
});
