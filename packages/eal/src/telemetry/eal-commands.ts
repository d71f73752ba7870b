/**
 * EAL's telemetry commands, as DPDK's EAL registers them: the command line it was started
 * with (`/eal/params`, `/eal/app_params`) and its lcores (`/eal/lcore/list`, `/eal/lcore/info`).
 */
import { registerTelemetryCommand, TELEMETRY_OWNER, type TelemetryHandler } from './commands.js';
import { parseTelemetryId } from './params.js';

/** DPDK's name of the role of an lcore that runs EAL threads. */
const ROLE_RTE = 'RTE';
/** nic places no lcore by NUMA node: every lcore reports socket 0. */
const SOCKET_ID = 0;

const params: TelemetryHandler = (_params, { eal }) => [...eal.argv.eal];
const appParams: TelemetryHandler = (_params, { eal }) => [...eal.argv.app];
const lcoreList: TelemetryHandler = (_params, { eal }) => eal.lcores.ids();

const lcoreInfo: TelemetryHandler = (text, { eal }) => {
  const id = parseTelemetryId(text, { whole: true });
  if (id === undefined || !eal.lcores.ids().includes(id)) return undefined;
  return { lcore_id: id, socket: SOCKET_ID, role: ROLE_RTE, cpuset: [...eal.lcores.cpus(id)] };
};

/** Registers EAL's commands (idempotent). */
export function registerEalTelemetry(): void {
  registerTelemetryCommand('/eal/params', params, 'Returns EAL commandline parameters used. Takes no parameters', TELEMETRY_OWNER);
  registerTelemetryCommand('/eal/app_params', appParams, 'Returns app commandline parameters used. Takes no parameters', TELEMETRY_OWNER);
  registerTelemetryCommand('/eal/lcore/list', lcoreList, 'List of lcore ids. Takes no parameters', TELEMETRY_OWNER);
  registerTelemetryCommand('/eal/lcore/info', lcoreInfo, 'Returns lcore info. Parameters: int lcore_id', TELEMETRY_OWNER);
}
