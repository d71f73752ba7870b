/**
 * The two EAL subsystems of @nic/intr and the accessors to their per-instance state.
 * `alarm` runs at EAL's alarm stage (after the bus scan) and `intr` at its interrupts stage
 * (after dev init), in DPDK v2.2's order. Both use the instance's one {@link IntrThread},
 * made by whichever comes first, so an alarm set during dev init already works.
 */
import type { Eal, SubsystemDescriptor } from '@nic/eal/driver';
import { Alarms } from './alarm.js';
import { DevEvents } from './events.js';
import { IntrThread } from './thread.js';

/** The state of the `intr` subsystem in one EAL instance. */
export interface IntrService {
  readonly thread: IntrThread;
  readonly events: DevEvents;
}

/** The subsystem names, for `eal.service(name)` and `eal.hasService(name)`. */
export const INTR_SERVICE = 'intr';
/** See {@link INTR_SERVICE}. */
export const ALARM_SERVICE = 'alarm';

const threads = new WeakMap<Eal, IntrThread>();

function threadOf(eal: Eal): IntrThread {
  let thread = threads.get(eal);
  if (!thread) {
    thread = new IntrThread();
    threads.set(eal, thread);
  }
  return thread;
}

function stopThread(eal: Eal): void {
  threads.get(eal)?.close();
  threads.delete(eal);
}

/** The `alarm` subsystem: makes the instance's alarm timer; cleanup closes it. */
const alarmSubsystem: SubsystemDescriptor<Alarms> = {
  name: ALARM_SERVICE,
  stage: 'alarm',
  init: (eal) => new Alarms(threadOf(eal)),
  cleanup: (eal, alarms) => {
    alarms.close();
    stopThread(eal);
  },
};

/** The `intr` subsystem: the interrupt thread and the device-event registry. */
const intrSubsystem: SubsystemDescriptor<IntrService> = {
  name: INTR_SERVICE,
  stage: 'interrupts',
  init: (eal) => ({ thread: threadOf(eal), events: new DevEvents() }),
  cleanup: (eal, service) => {
    service.events.clear();
    stopThread(eal);
  },
};

/**
 * The descriptors every copy of @nic/intr in this thread registers, kept under a `Symbol.for`
 * key: the first copy imported puts its own there, the others find them. So a second copy in
 * one tree (a linked driver package with its own install, a nested older version) registers
 * the same objects, which EAL ignores, instead of rivals with the same names (`NIC_EEXIST`).
 * The subsystems' state lives in each EAL instance (`eal.service`), which every copy reads.
 */
const SUBSYSTEMS_KEY = Symbol.for('nic.intr.subsystems.v1');
const subsystems = ((globalThis as { [SUBSYSTEMS_KEY]?: { alarm: SubsystemDescriptor<Alarms>; intr: SubsystemDescriptor<IntrService> } })[
  SUBSYSTEMS_KEY
] ??= { alarm: alarmSubsystem, intr: intrSubsystem });

/** The `alarm` subsystem (see above): the alarm timer of each EAL instance. */
export const ALARM_SUBSYSTEM: SubsystemDescriptor<Alarms> = subsystems.alarm;
/** The `intr` subsystem (see above): the interrupt thread and device events of each instance. */
export const INTR_SUBSYSTEM: SubsystemDescriptor<IntrService> = subsystems.intr;

/** The interrupt thread of `eal`; without the `intr` subsystem running, `NIC_ENODEV`. */
export function intr(eal: Eal): IntrThread {
  return eal.service<IntrService>(INTR_SERVICE).thread;
}

/** The device-event registry of `eal`; without the `intr` subsystem running, `NIC_ENODEV`. */
export function devEvents(eal: Eal): DevEvents {
  return eal.service<IntrService>(INTR_SERVICE).events;
}

/** The alarms of `eal`; without the `alarm` subsystem running, `NIC_ENODEV`. */
export function alarms(eal: Eal): Alarms {
  return eal.service<Alarms>(ALARM_SERVICE);
}
