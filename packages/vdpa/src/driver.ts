/**
 * @nic/vdpa/driver — what vDPA driver authors need: the same as the main entry (the
 * registry, the ops contract, the vhost device a driver serves, the feature bits).
 */
export * from './index.js';
