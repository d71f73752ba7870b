/**
 * The QEMU command-line arguments that make served models PCI functions of a q35 guest: each
 * function behind a `pcie-root-port` of its own (so it is a PCIe endpoint, in an IOMMU group
 * of its own), at a predictable guest address.
 */

/** The first root port's slot on the root bus; function i's port takes slot `FIRST_SLOT + i`. */
const FIRST_SLOT = 0x10;
/** Milliseconds QEMU waits for a reply (its default, 5 s, is within a GC pause of a loaded host). */
const MESSAGE_TIMEOUT_MS = 30_000;
const HEX = 16;

/** The guest PCI address of function `i` of {@link vfioUserQemuArgs}: bus i + 1 (`0000:01:00.0` first). */
export function vfioUserPciAddress(i: number): string {
  return `0000:${(i + 1).toString(HEX).padStart(2, '0')}:00.0`;
}

/** The QEMU device id of function `i` of {@link vfioUserQemuArgs} (for `device_del`, say). */
export function vfioUserDeviceId(i: number): string {
  return `vfu${i}`;
}

/**
 * The QEMU arguments for one `vfio-user-pci` function per socket path in `sockets`, function i
 * at {@link vfioUserPciAddress}(i). They include `-global intel-iommu.caching-mode=on`: QEMU
 * refuses a vfio device behind an emulated VT-d otherwise (and the setting is harmless without one).
 */
export function vfioUserQemuArgs(sockets: readonly string[]): string[] {
  const args = ['-global', 'intel-iommu.caching-mode=on'];
  sockets.forEach((path, i) => {
    const device = {
      driver: 'vfio-user-pci',
      id: vfioUserDeviceId(i),
      bus: `vfu-rp${i}`,
      addr: '0',
      socket: { type: 'unix', path },
      'x-msg-timeout': MESSAGE_TIMEOUT_MS,
    };
    args.push('-device', `pcie-root-port,id=vfu-rp${i},bus=pcie.0,addr=0x${(FIRST_SLOT + i).toString(HEX)},chassis=${i + 1}`, '-device', JSON.stringify(device));
  });
  return args;
}
