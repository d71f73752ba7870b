/**
 * What a vDPA driver sees of the vhost-user device it serves (DPDK's `rte_vhost_get_*`
 * calls on a `vid`): the frontend's memory table, the vrings it set up, the negotiated
 * features, and the few requests a driver makes back to the vhost library (host notifiers,
 * ring bases, config change, dirty logging). The vhost library implements it for every
 * socket a vDPA device is attached to; tests implement it as a frontend would leave it.
 */

/** One region of the frontend's memory table (`VhostUserMemoryRegion`, as mapped by vhost). */
export interface VhostMemoryRegion {
  /** Where the frontend (the guest) sees it: the IOVA a device is to use. */
  readonly guestPhysAddr: number;
  /** Where this process mapped it (host virtual address). */
  readonly hostUserAddr: number;
  /** Bytes. */
  readonly size: number;
}

/** One vring as the frontend configured it. */
export interface VhostVringInfo {
  /** Host virtual addresses of the descriptor table, available and used rings. */
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  /** Entries (a power of two). */
  readonly size: number;
  /** The kick eventfd, -1 when the frontend gave none (polling). */
  readonly kickfd: number;
  /** The call eventfd, -1 when the frontend gave none. */
  readonly callfd: number;
  /** Whether the frontend enabled the ring (`SET_VRING_ENABLE`). */
  readonly enabled: boolean;
}

/** Ring positions the device resumes from or stops at (`rte_vhost_get/set_vring_base`). */
export interface VringBase {
  readonly lastAvail: number;
  readonly lastUsed: number;
}

/** The dirty-page log the frontend shared (`SET_LOG_BASE`). */
export interface VhostLogArea {
  /** Host virtual address of the bitmap (one bit per 4 KiB page of guest memory). */
  readonly address: number;
  /** Bytes. */
  readonly size: number;
}

/** A vhost-user device (a `vid`) as a vDPA driver sees it. */
export interface VdpaVhostDevice {
  /** The vhost device id, for messages and for the app's tables. */
  readonly vid: number;
  /** The frontend's memory table. */
  memTable(): readonly VhostMemoryRegion[];
  /** Features both sides agreed on (`SET_FEATURES`). */
  negotiatedFeatures(): bigint;
  /** Vrings the frontend set up (queue pairs x 2 for net). */
  vringCount(): number;
  /** Vring `qid`. */
  vring(qid: number): VhostVringInfo;
  /** Where vring `qid` stands. */
  vringBase(qid: number): VringBase;
  /** Records where the device stopped vring `qid` (answered later to `GET_VRING_BASE`). */
  setVringBase(qid: number, base: VringBase): void;
  /**
   * Asks the frontend to map (or unmap) the device's doorbell of vring `qid` (or of every
   * vring with `'all'`) over its notify area, so kicks bypass this process
   * (`VHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG`). Returns whether the frontend was asked.
   */
  hostNotifierCtrl(qid: number | 'all', enable: boolean): boolean;
  /** Tells the frontend that the device configuration changed (`CONFIG_CHANGE_MSG`). */
  configChange(): void;
  /** Signals vring `qid`'s call eventfd. */
  vringCall(qid: number): void;
  /** The dirty log, once the frontend has shared one. */
  logArea(): VhostLogArea | undefined;
  /** Marks `length` bytes at `offset` of vring `qid`'s used ring dirty. */
  logUsedVring(qid: number, offset: number, length: number): void;
}
