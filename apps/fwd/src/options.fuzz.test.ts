/**
 * Fuzz target over nic-fwd's application options (what follows `--`): any argument list is
 * parsed into options or refused with a `FwdUsageError` naming an option; nothing else is
 * thrown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz } from '@nic/native/testing';
import { FwdUsageError, parseFwdArgs } from './options.js';
import { fwdUsage } from './usage.js';

/** Every option the usage text names, bare and with `=`. */
const OPTIONS = [...new Set(fwdUsage('nic-fwd').match(/--[a-z][\w-]*/g) ?? [])];
const value = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789.,:-xabcdef'), maxLength: 12 }),
  fc.constantFrom('io', 'mac', 'macswap', 'l2fwd', 'rxonly', 'txonly', 'paired', 'chained', 'loop', '0', '-1', '4294967296', 'NaN', '1e9'),
  fc.string({ maxLength: 16 }),
);
const arg = fc.oneof(
  fc.constantFrom(...OPTIONS),
  fc.tuple(fc.constantFrom(...OPTIONS), value).map(([o, v]) => `${o}=${v}`),
  fc.string({ maxLength: 16 }),
);

describe('nic-fwd options under arbitrary input', () => {
  it('names the argument at fault in its usage error, an empty one quoted (cases found by the fuzz target)', () => {
    expect(() => parseFwdArgs(['--burst=4', ''])).toThrow(new FwdUsageError('', 'unknown option (see --help)'));
    expect(() => parseFwdArgs([': '])).toThrow(new FwdUsageError(': ', 'unknown option (see --help)'));
    expect(() => parseFwdArgs([''])).toThrow(/^"": unknown option/);
  });

  it('parsed, or refused with a usage error naming an option', async () => {
    expect(OPTIONS).toEqual(expect.arrayContaining(['--forward-mode', '--burst', '--stats-json']));
    await fuzz('nic-fwd options', (s) =>
      fc.assert(
        fc.property(fc.array(arg, { maxLength: 8 }), (argv) => {
          try {
            const options = parseFwdArgs(argv);
            expect(options.burst).toBeGreaterThan(0);
          } catch (e) {
            if (!(e instanceof FwdUsageError)) throw e;
            // Only an empty argument may be named by the empty string (and it is shown quoted).
            if (e.option === '') expect(argv).toContain('');
            expect(e.message.startsWith(`${e.option === '' ? '""' : e.option}: `)).toBe(true);
          }
        }),
        s,
      ),
    );
  });
});
