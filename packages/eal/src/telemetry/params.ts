/**
 * The parameter parsing DPDK's telemetry handlers share: an object id at the start of the
 * parameters, read as C's `strtoul(params, &end, 0)` after checking the first character is a
 * digit (`0x1f` is hex, `017` octal).
 */

const DIGIT = /^[0-9]/;
const HEX = /^0[xX]([0-9a-fA-F]+)/;
const OCTAL = /^0([0-7]*)/;
const DECIMAL = /^[0-9]+/;
/** Ids above this are no object's (ports, lcores and queues are far below it). */
const MAX_ID = 0xffffffff;

/**
 * The id at the start of `params`, or undefined when `params` is missing, does not start with
 * a digit or names a number above 2^32 - 1. With `whole`, anything after the number makes it
 * undefined too (DPDK's `/eal/lcore/info`); otherwise the rest is ignored (the ethdev commands).
 */
export function parseTelemetryId(params: string | undefined, options: { whole?: boolean } = {}): number | undefined {
  if (params === undefined || !DIGIT.test(params)) return undefined;
  const hex = HEX.exec(params);
  const match = hex ?? OCTAL.exec(params) ?? DECIMAL.exec(params);
  if (!match) return undefined;
  const digits = hex ? hex[1] : match[0];
  const value = hex ? parseInt(digits, 16) : match[0].startsWith('0') ? (match[1] === '' ? 0 : parseInt(match[1], 8)) : parseInt(digits, 10);
  if (!Number.isSafeInteger(value) || value > MAX_ID) return undefined;
  if (options.whole && match[0].length !== params.length) return undefined;
  return value;
}
