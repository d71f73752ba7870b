/**
 * Fuzz target over nic-devbind's command line: any argument list is parsed or refused with a
 * `NicError`; nothing else is thrown.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { fuzz, parsedOrRefused } from '@nic/native/testing';
import { parseDevbindArgs } from './args.js';

const arg = fc.oneof(
  fc.constantFrom('-s', '--status', '-b', '--bind', '-u', '--unbind', '--force', '--json', '--status-dev', 'net', 'vfio-pci', '0000:01:00.0', '01:00.0', 'eth0', '-h', '--help', '--'),
  fc.string({ unit: fc.constantFrom(...'-=bdnsux0123456789:.abcdefv'), maxLength: 14 }),
  fc.string({ maxLength: 14 }),
);

describe('nic-devbind arguments under arbitrary input', () => {
  it('parsed or refused with a NicError', async () => {
    await fuzz('nic-devbind arguments', (s) => fc.assert(fc.property(fc.array(arg, { maxLength: 6 }), (argv) => void parsedOrRefused(() => parseDevbindArgs(argv))), s));
  });
});
