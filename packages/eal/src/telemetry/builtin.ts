/**
 * The commands of the telemetry library itself (DPDK's `telemetry_v2_init`): `/` lists the
 * commands, `/info` repeats the connect message, `/help,<command>` gives a command's help.
 */
import { registerTelemetryCommand, TELEMETRY_OWNER, telemetryCommand, telemetryCommands, type TelemetryHandler } from './commands.js';
import { TELEMETRY_MAX_OUTPUT_LEN } from './reply.js';
import { NIC_VERSION } from '../version.js';

/** The version string the info message and `/info` announce. */
export const TELEMETRY_VERSION = `nic ${NIC_VERSION}`;

const listCommands: TelemetryHandler = () => telemetryCommands().map((c) => c.command);

const info: TelemetryHandler = () => ({ version: TELEMETRY_VERSION, pid: process.pid, max_output_len: TELEMETRY_MAX_OUTPUT_LEN });

const help: TelemetryHandler = (params) => {
  const entry = params === undefined ? undefined : telemetryCommand(params);
  return entry && { [entry.command]: entry.help };
};

/** Registers `/`, `/info` and `/help` (idempotent). */
export function registerTelemetryBuiltins(): void {
  registerTelemetryCommand('/', listCommands, 'Returns list of available commands, Takes no parameters', TELEMETRY_OWNER);
  registerTelemetryCommand('/info', info, 'Returns DPDK Telemetry information. Takes no parameters', TELEMETRY_OWNER);
  registerTelemetryCommand('/help', help, 'Returns help text for a command. Parameters: string command', TELEMETRY_OWNER);
}
