/**
 * Checks a count option of a loop.
 * @param who the function, for the message
 * @throws TypeError unless `value` is an integer of at least 1
 */
export function positiveInteger(who: string, value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${who}: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
