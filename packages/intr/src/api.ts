/**
 * The API applications and drivers share: the interrupt thread, alarms, device events,
 * rx-queue interrupts, the NAPI-style loop and the pause loop, with their per-EAL accessors.
 */
export { ANY_ARG, IntrThread, type AnyArg, type IntrCallback, type IntrUnregisterCallback } from './thread.js';
export { Alarms, ALARM_MAX_US, type AlarmCallback, type AlarmCancelStatus } from './alarm.js';
export { DevEvent, DevEvents, DEV_EVENT_MAX, ALL_PORTS, DEFAULT_MAX_PORTS, type DevEventCallback } from './events.js';
export { EventfdRxIntr, FdRxIntr, RxIntrWait, EVENTFD_COUNTER_SIZE, type EventfdRxIntrShared, type RxQueueIntr } from './rxq.js';
export {
  runNapiLoop,
  NapiControl,
  NapiState,
  NAPI_DEFAULT_BUDGET,
  NAPI_DEFAULT_EMPTY_POLLS,
  type NapiControlShared,
  type NapiLoopOptions,
  type NapiStats,
} from './napi.js';
export { runPauseLoop, startPauseWatchdog, PAUSE_DEFAULT_EMPTY_POLLS, PAUSE_DEFAULT_US, PAUSE_MAX_US, PAUSE_WATCHDOG_MS, type PauseLoopOptions } from './pause.js';
export { intr, alarms, devEvents, INTR_SERVICE, ALARM_SERVICE, type IntrService } from './subsystem.js';
