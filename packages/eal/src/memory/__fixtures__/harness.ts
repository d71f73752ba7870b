/** What every memory test file needs: sizes in MiB and the error code an operation throws. */
import { NicError } from '@nic/native';

/** Bytes in a mebibyte. */
export const MiB = 1024 * 1024;

/**
 * The `code` of the NicError `fn` throws, `'TypeError'` for a TypeError, or undefined when
 * it returns; anything else it throws is thrown on.
 */
export function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof NicError) return err.code;
    if (err instanceof TypeError) return 'TypeError';
    throw err;
  }
  return undefined;
}
