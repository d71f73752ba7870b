/**
 * @nic/intr — interrupts for applications: importing it registers the `alarm` and `intr`
 * subsystems with EAL, so every EAL instance initialised afterwards has an interrupt
 * thread, alarms and a device-event registry (see `intr(eal)`, `alarms(eal)`,
 * `devEvents(eal)`), and lcores get the rx-queue wait and the NAPI-style loop.
 */
import { registerSubsystem } from '@nic/eal/driver';
import { ALARM_SUBSYSTEM, INTR_SUBSYSTEM } from './subsystem.js';

export * from './api.js';

registerSubsystem(ALARM_SUBSYSTEM);
registerSubsystem(INTR_SUBSYSTEM);
