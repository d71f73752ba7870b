/**
 * Feature bits a vDPA driver advertises beyond the device's own: vhost-user's
 * (`VHOST_USER_F_PROTOCOL_FEATURES`, `VHOST_F_LOG_ALL`) and the protocol features of
 * `VHOST_USER_GET_PROTOCOL_FEATURES` (include/hw/virtio/vhost-user.h, vhost-user.rst).
 */

/** Dirty-page logging of every write (migration). */
export const VHOST_F_LOG_ALL = 26;
/** The backend speaks protocol features. */
export const VHOST_USER_F_PROTOCOL_FEATURES = 30;

/** Multiple queues (`GET_QUEUE_NUM`). */
export const VHOST_USER_PROTOCOL_F_MQ = 0;
/** The log is shared through an fd. */
export const VHOST_USER_PROTOCOL_F_LOG_SHMFD = 1;
/** Replies to requests with NEED_REPLY. */
export const VHOST_USER_PROTOCOL_F_REPLY_ACK = 3;
/** The backend's request channel (`SET_BACKEND_REQ_FD`). */
export const VHOST_USER_PROTOCOL_F_BACKEND_REQ = 5;
/** Device configuration space access (blk). */
export const VHOST_USER_PROTOCOL_F_CONFIG = 9;
/** fds on the backend channel. */
export const VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD = 10;
/** Doorbells mapped into the frontend. */
export const VHOST_USER_PROTOCOL_F_HOST_NOTIFIER = 11;
/** `SET_STATUS` / `GET_STATUS`. */
export const VHOST_USER_PROTOCOL_F_STATUS = 16;

/** The 64-bit mask of the given bit numbers. */
export function featureMask(...bits: readonly number[]): bigint {
  let mask = 0n;
  for (const bit of bits) mask |= 1n << BigInt(bit);
  return mask;
}

/** Whether `features` has bit `bit`. */
export function hasFeature(features: bigint, bit: number): boolean {
  return (features & (1n << BigInt(bit))) !== 0n;
}
