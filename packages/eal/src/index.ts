/**
 * @nic/eal — the environment abstraction layer: `init(argv)` with DPDK's EAL command line,
 * devargs and kvargs, logging, errors, and the registries drivers and buses plug into.
 */
export { NicError, type NicErrorCode, type NicErrorOptions } from '@nic/native';
export { init, Eal, processCpus, type EalArgv, type InitOptions, type InitResult } from './eal.js';
export {
  registerTelemetryCommand,
  unregisterTelemetryCommand,
  telemetryCommands,
  TELEMETRY_MAX_CMD_LEN,
  TELEMETRY_MAX_HELP_LEN,
  type TelemetryCommand,
  type TelemetryContext,
  type TelemetryHandler,
  type TelemetryValue,
} from './telemetry/commands.js';
export { parseTelemetryId } from './telemetry/params.js';
export { TELEMETRY_MAX_OUTPUT_LEN } from './telemetry/reply.js';
export { TELEMETRY_SOCKET_NAME, TELEMETRY_MAX_CONNECTIONS } from './telemetry/server.js';
export { runtimeDir } from './telemetry/runtime-dir.js';
export { registeredDrivers, registeredBuses, registeredSubsystems } from './registry.js';
export {
  LogLevel,
  Logger,
  registerLogtype,
  setLogLevel,
  setLogSink,
  logtypes,
  logLevelName,
  type LogRecord,
  type LogSink,
} from './log.js';
export * from './kvargs.js';
export * from './devargs.js';
export * from './pci-addr.js';
export { parseEalArgs } from './options/parse.js';
export { lcoreCpus, lcoresOnCpus, MAX_LCORE } from './options/lcores.js';
export { ealUsage } from './options/usage.js';
export type * from './options/types.js';
export { VdevBus, VDEV_BUS } from './vdev.js';
export { lcoreId, lcoreArena, LCORE_ID_ANY } from './lcore/context.js';
export { Lcores, LcoreError, type LcoreState, type LcoreConfig } from './lcore/lcores.js';
export { DEFAULT_MEMORY_MB } from './eal-memory.js';
export * from './memory/index.js';
export { NIC_VERSION } from './version.js';
export type {
  BusDescriptor,
  BusInstance,
  DeviceInfo,
  DeviceState,
  DriverDescriptor,
  PdevDriverDescriptor,
  ProbeResult,
  SubsystemDescriptor,
  SubsystemStage,
  VdevDriverDescriptor,
} from './types.js';
