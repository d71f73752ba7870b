// The review's findings (shared/reference/reviews/native-addon-review.md): each replayed in a
// child process against the raw addon (see __fixtures__/safety/cases.ts), and one read of the
// sources.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SAFETY_CASES, runSafetyChild } from './__fixtures__/safety/cases.js';

describe('memory safety under careless or hostile JavaScript (review findings)', () => {
  it.each(SAFETY_CASES)('$title', async (safetyCase) => {
    const r = await runSafetyChild(safetyCase);
    expect({ code: r.code, signal: r.signal, stderr: r.stderr, seen: r.seen }).toEqual({ code: 0, signal: null, stderr: '', seen: safetyCase.expected });
  });

  it('11: errno is read into a local before any message is built (never as an argument beside a string)', () => {
    // An argument list's evaluation order is unspecified: `ThrowErrno(env, errno, ..., "a" +
    // std::to_string(n))` may build the string, and malloc may change errno, first.
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.cc'))
      .flatMap((f) =>
        [...readFileSync(`${dir}/${f}`, 'utf8').matchAll(/\b(?:ThrowErrno|ErrnoError)\([^;]*?\berrno\b[^;]*;/g)].map((m) => `${f}: ${m[0]}`),
      );
    expect(offenders).toEqual([]);
  });
});
