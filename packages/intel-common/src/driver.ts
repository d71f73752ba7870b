/**
 * @nic/intel-common/driver — the ethdev glue igb and ixgbe share: the private data layout
 * and queue records, queue memory, the rx and tx bursts over advanced descriptor rings (with
 * the WebAssembly kernels `rx.wat` and `tx-fill.wat`), BAR0 views per thread, a port's
 * interrupts and a queue's vector interrupt, and the control operations both families' ports do alike. Also everything of the main entry.
 */
export * from './index.js';
export * from './layout.js';
export { barRegisters, publishBar, unpublishBar } from './bar.js';
export {
  freeQueueZone,
  MAX_BURST,
  queueZoneName,
  RX_FREE_THRESH,
  rxQueueDrain,
  rxQueueFill,
  rxQueueInit,
  rxQueueSetIntr,
  rxQueueSetVlanStrip,
  TX_RS_THRESH,
  txQueueDrain,
  txQueueInit,
  txQueueReset,
  type RxQueueParams,
  type TxQueueParams,
} from './queues.js';
export { AdvRxQueue, armRxDescriptor } from './rx.js';
export { AdvTxQueue } from './tx.js';
export { VectorRxIntr } from './vector-intr.js';
export { IntelInterrupts } from './interrupts.js';
export { DEFAULT_RSS_KEY, IntelPortOps, type IntelFamily, type IntelPortRegisters } from './port-ops.js';
