/**
 * Telemetry replies in DPDK's JSON: `{"<command>": <value>}`, at most
 * {@link TELEMETRY_MAX_OUTPUT_LEN} bytes. Like DPDK, a reply that would be longer keeps the
 * entries that fit and drops the rest (a dictionary's or array's later entries), so it is
 * always valid JSON.
 */
import { TELEMETRY_MAX_CMD_LEN, type TelemetryValue } from './commands.js';

/** Longest reply in bytes (DPDK's `MAX_OUTPUT_LEN`), announced to clients in the info message. */
export const TELEMETRY_MAX_OUTPUT_LEN = 16 * 1024;
/** What a reply names when the request held no command. */
export const TELEMETRY_NO_COMMAND = 'none';

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** `value` as JSON in at most `budget` bytes, dropping trailing entries that do not fit; undefined when not even `[]`/`{}` fits. */
function toJson(value: TelemetryValue, budget: number): string | undefined {
  if (typeof value === 'bigint') return fits(value.toString(), budget);
  if (typeof value === 'number') return fits(Number.isFinite(value) ? String(value) : 'null', budget);
  if (typeof value === 'string') return fits(JSON.stringify(value), budget);
  const array = Array.isArray(value);
  const entries: [string | undefined, TelemetryValue][] = array
    ? (value as readonly TelemetryValue[]).map((v) => [undefined, v])
    : Object.entries(value as Record<string, TelemetryValue>);
  let used = 2;
  if (used > budget) return undefined;
  const parts: string[] = [];
  for (const [name, v] of entries) {
    const key = name === undefined ? '' : `${JSON.stringify(name)}:`;
    const separator = parts.length > 0 ? 1 : 0;
    const room = budget - used - separator - byteLength(key);
    const json = room > 0 ? toJson(v, room) : undefined;
    if (json === undefined) break;
    parts.push(key + json);
    used += separator + byteLength(key) + byteLength(json);
  }
  return array ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

function fits(json: string, budget: number): string | undefined {
  return byteLength(json) <= budget ? json : undefined;
}

/**
 * The reply to `command` (undefined: the request named none) with `value` (undefined: `null`).
 * A command longer than a registered one can be is echoed cut to its first 56 characters, as
 * DPDK does.
 */
export function formatTelemetryReply(command: string | undefined, value: TelemetryValue | undefined): string {
  const head = `{${JSON.stringify((command ?? TELEMETRY_NO_COMMAND).slice(0, TELEMETRY_MAX_CMD_LEN + 1))}:`;
  const budget = TELEMETRY_MAX_OUTPUT_LEN - byteLength(head) - 1;
  const body = value === undefined ? 'null' : (toJson(value, budget) ?? 'null');
  return `${head}${body}}`;
}
