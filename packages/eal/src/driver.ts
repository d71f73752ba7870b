/**
 * @nic/eal/driver — what driver, bus and subsystem authors need: registration into the
 * process-wide lists, and the contracts EAL calls. Free of side effects.
 */
export * from './index.js';
export { registerDriver, unregisterDriver, registerBus, registerSubsystem } from './registry.js';
