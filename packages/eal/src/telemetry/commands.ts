/**
 * The telemetry command list (DPDK's `rte_telemetry_register_cmd`): packages register the
 * commands they answer, each with a one-line help, and every EAL instance's telemetry socket
 * serves the whole list. It lives on `globalThis` under a `Symbol.for` key, so two copies of
 * @nic/eal in one thread share it.
 */
import { NicError } from '@nic/native';
import type { Eal } from '../eal.js';

/** Longest command DPDK accepts, in bytes, less one (its `MAX_CMD_LEN` of 56 counts the NUL). */
export const TELEMETRY_MAX_CMD_LEN = 55;
/** Longest help text, in bytes, less one (DPDK's `RTE_TEL_MAX_STRING_LEN` of 128). */
export const TELEMETRY_MAX_HELP_LEN = 127;
/** Every command starts with this character. */
export const TELEMETRY_CMD_PREFIX = '/';

/**
 * What a command answers: a string, a number (a `bigint` for a 64-bit counter), an array or a
 * dictionary of them. The socket sends it as `{"<command>": <value>}`.
 */
export type TelemetryValue = string | number | bigint | readonly TelemetryValue[] | { readonly [name: string]: TelemetryValue };

/** What a command handler is told besides its parameters. */
export interface TelemetryContext {
  /** The command as the client sent it. */
  readonly command: string;
  /** The EAL instance whose socket the request came in on. */
  readonly eal: Eal;
}

/**
 * Answers one request. `params` is everything after the first comma (`/ethdev/stats,0`: `"0"`),
 * undefined when nothing follows it. Returning `undefined` (DPDK's negative return: bad
 * parameters, no such object) makes the reply `{"<command>": null}`; so does a throw, which
 * the server logs. Runs on the main thread's event loop: keep it short.
 */
export type TelemetryHandler = (params: string | undefined, context: TelemetryContext) => TelemetryValue | undefined;

/** One registered command. */
export interface TelemetryCommand {
  readonly command: string;
  readonly handler: TelemetryHandler;
  readonly help: string;
  /** The package that registered it, when it said. */
  readonly owner?: string;
}

const REGISTRY_KEY = Symbol.for('nic.eal.telemetry.commands.v1');

/** The owner @nic/eal's own commands register under. */
export const TELEMETRY_OWNER = '@nic/eal';

function commands(): Map<string, TelemetryCommand> {
  const g = globalThis as { [REGISTRY_KEY]?: Map<string, TelemetryCommand> };
  return (g[REGISTRY_KEY] ??= new Map());
}

const encoder = new TextEncoder();

/**
 * Registers a telemetry command (DPDK's `rte_telemetry_register_cmd`). The same command with
 * the same handler again is a no-op, so a package may register on every load; so is the same
 * command from the same `owner` (another copy of that package in the tree, whose registries
 * are shared: the first copy's handler serves both).
 * @param owner the registering package's name, e.g. `@nic/ethdev`.
 * @throws NicError `NIC_EINVAL` for a command that does not start with `/` or is longer than
 *   {@link TELEMETRY_MAX_CMD_LEN} bytes, or a help text over {@link TELEMETRY_MAX_HELP_LEN}
 *   bytes; `NIC_EEXIST` when another handler of another owner has the command. `TypeError` for
 *   wrong types.
 */
export function registerTelemetryCommand(command: string, handler: TelemetryHandler, help: string, owner?: string): void {
  if (typeof command !== 'string' || typeof handler !== 'function' || typeof help !== 'string' || (owner !== undefined && typeof owner !== 'string')) {
    throw new TypeError('registerTelemetryCommand(command, handler, help, owner?): expected a string, a function and strings');
  }
  const length = encoder.encode(command).length;
  if (!command.startsWith(TELEMETRY_CMD_PREFIX) || length > TELEMETRY_MAX_CMD_LEN || command.includes(',')) {
    throw new NicError('NIC_EINVAL', `telemetry command '${command}' must start with '/', hold no ',' and be at most ${TELEMETRY_MAX_CMD_LEN} bytes`);
  }
  if (encoder.encode(help).length > TELEMETRY_MAX_HELP_LEN) {
    throw new NicError('NIC_EINVAL', `help of telemetry command '${command}' is over ${TELEMETRY_MAX_HELP_LEN} bytes`);
  }
  const known = commands().get(command);
  if (known?.handler === handler) return;
  if (known && owner !== undefined && known.owner === owner) return;
  if (known) throw new NicError('NIC_EEXIST', `telemetry command '${command}' is already registered by ${known.owner ?? 'another package'}`);
  commands().set(command, owner === undefined ? { command, handler, help } : { command, handler, help, owner });
}

/** Removes a command; returns whether it was registered. */
export function unregisterTelemetryCommand(command: string): boolean {
  return commands().delete(command);
}

/** The registered command called `command`, if any. */
export function telemetryCommand(command: string): TelemetryCommand | undefined {
  return commands().get(command);
}

/** Every registered command, sorted as DPDK keeps its list (byte order of the names). */
export function telemetryCommands(): TelemetryCommand[] {
  return [...commands().values()].sort((a, b) => (a.command < b.command ? -1 : a.command > b.command ? 1 : 0));
}
