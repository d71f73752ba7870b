/**
 * A telemetry request as DPDK's server reads it: one message of at most
 * {@link TELEMETRY_MAX_REQUEST} bytes, read as a C string (a NUL ends it), split with `strtok`
 * into the command (after any leading commas, up to the next comma) and its parameters
 * (everything after that comma; none when nothing follows it).
 */

/** Bytes of a request the server reads; a longer message is cut there (DPDK's 1024-byte buffer less the NUL). */
export const TELEMETRY_MAX_REQUEST = 1023;

const COMMA = 0x2c;
const NUL = 0;
const decoder = new TextDecoder();

/** A request split into its command and parameters. */
export interface TelemetryRequest {
  /** Undefined when the message holds nothing but commas (DPDK then answers for `none`). */
  readonly command: string | undefined;
  readonly params: string | undefined;
}

/**
 * Splits a request message. Never throws: any bytes give a request (bytes that are not UTF-8
 * become U+FFFD, which matches no command).
 */
export function parseTelemetryRequest(message: Uint8Array): TelemetryRequest {
  let end = Math.min(message.length, TELEMETRY_MAX_REQUEST);
  const nul = message.subarray(0, end).indexOf(NUL);
  if (nul >= 0) end = nul;
  let start = 0;
  while (start < end && message[start] === COMMA) start++;
  if (start === end) return { command: undefined, params: undefined };
  const comma = message.subarray(start, end).indexOf(COMMA);
  if (comma < 0) return { command: decoder.decode(message.subarray(start, end)), params: undefined };
  const command = decoder.decode(message.subarray(start, start + comma));
  const rest = start + comma + 1;
  return { command, params: rest < end ? decoder.decode(message.subarray(rest, end)) : undefined };
}
