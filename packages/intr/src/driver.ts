/**
 * @nic/intr/driver — everything drivers and buses use: interrupt handles and their
 * enable/disable/ack table, VFIO interrupt requests, queue vectors, the interrupt thread,
 * alarms, the device-event registry, and the subsystem descriptors (to register by hand,
 * or to test with). Importing it registers nothing.
 */
export * from './api.js';
export {
  IntrHandle,
  IntrHandleType,
  intrHandleTypeName,
  INTR_VEC_ZERO_OFFSET,
  INTR_VEC_RXTX_OFFSET,
  MAX_RXTX_INTR_VEC_ID,
  NB_OTHER_INTR,
  type IntrHandleInit,
} from './handle.js';
export { vfioRequests, type IntrOperation, type VfioIrqRequest, type VfioIrqSource, type VfioSetIrqs } from './vfio.js';
export { efdEnable, efdDisable, rxQueueFd } from './rxq.js';
export { ALARM_SUBSYSTEM, INTR_SUBSYSTEM } from './subsystem.js';
