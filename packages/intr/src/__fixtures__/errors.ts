/** Error codes for the interrupt tests' expectations. */
import { NicError } from '@nic/native';

/** The `code` of the NicError `fn` throws, the `name` of any other error, or undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof NicError ? e.code : (e as Error).name;
  }
  return undefined;
}
