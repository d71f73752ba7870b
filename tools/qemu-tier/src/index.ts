/**
 * @nic/qemu-tier: the hardware-model test tier. Boots a Linux guest under QEMU (TCG) with
 * Intel 82576 (igb) NICs bound to vfio-pci behind an emulated VT-d IOMMU, the host's root
 * shared read-only (so the guest runs this checkout with the host's node), and gives tests
 * its commands, its NICs' frames and its QMP monitor.
 */
export { bootGuest, nicMac, nicPciAddress, BOOT_ATTEMPTS, MAX_NICS, STANDALONE_READY, type BootOptions } from './boot.js';
export { Guest, CONSOLE_TAIL_LINES } from './guest.js';
export { GuestPrompted } from './prompted.js';
export { DEFAULT_RUN_TIMEOUT_MS, type GuestProcess, type RunOptions, type RunResult, type RunToEndOptions } from './agent-client.js';
export { GuestNic, type ReceiveOptions } from './nic.js';
export type { EventQuery, QmpEvent } from './qmp.js';
export { GuestCounter, GUEST_COUNTS_MAX_VCPUS, GUEST_COUNTS_SOURCE, type VcpuCounts } from './guest-counts.js';
export {
  blockRuns,
  GuestSymbolizer,
  KERNEL,
  PAST_THE_CAP,
  parseBlockProfile,
  parsePerfMap,
  parseProcMaps,
  PROFILE_MAGIC,
  SymbolTable,
  workByFunction,
  type BlockProfile,
  type BlockRun,
  type FileMapping,
  type GuestSymbol,
  type ProfiledBlock,
  type Work,
} from './guest-profile.js';
export { CACHE_DIR_ENV, DEFAULT_CACHE_DIR, INSTALL_COMMAND, qemuBinary, qemuTierMissing } from './host.js';
