/**
 * The guest of the net_ifcvf guest tests: a TCG guest behind QEMU's intel-iommu whose
 * virtio-net-pci (`disable-legacy=on,iommu_platform=on`, on a root port of its own, its
 * netdev a `stream` socket to the test) stands in for an IFC VF, bound to vfio-pci.
 */
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, type BootOptions, type Guest } from '@nic/qemu-tier';
import { TESTPMD_MISSING } from '@nic/vhost/testing';
import { StreamWire } from './stream-wire.js';

/** nic-vdpa, as the guest runs it (from the checkout's root). */
export const NIC_VDPA = 'apps/vdpa/dist/main.js';
/** Why the guest tests cannot run here, or undefined. */
export const VIRTIO_VF_MISSING = qemuTierMissing() ?? TESTPMD_MISSING ?? (existsSync(new URL(`../../../../${NIC_VDPA}`, import.meta.url)) ? undefined : `${NIC_VDPA} is not built`);
export { INSTALL_COMMAND };
/** A TCG boot takes 20-60 s here; the deadline leaves room for a loaded machine. */
export const BOOT_MS = 300_000;
/** One step in the guest (a command, a program's start). */
export const STEP_MS = 120_000;
/** QEMU ids of the stand-in VF, its netdev and its root port; the root port's slot on pcie.0. */
export const VF = { device: 'vf', netdev: 'vfnet', port: 'vfport', slot: '0x18', chassis: 24 };
const VF_MAC = '52:54:00:76:64:01';
/** QEMU's modern virtio-net-pci: vendor:device:subsystem vendor:subsystem device, as sysfs spells them. */
const QEMU_VIRTIO_NET = '0x1af4:0x1041:0x1af4:0x1100';

/** The booted guest, the host's end of the VF's wire, and the VF's address in the guest. */
export interface VirtioVfGuest {
  readonly guest: Guest;
  readonly wire: StreamWire;
  readonly bdf: string;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await delay(10);
  }
}

/** QEMU's arguments for the stand-in VF on `wire`. */
function vfArgs(wire: StreamWire): string[] {
  return [
    '-device', `pcie-root-port,id=${VF.port},bus=pcie.0,addr=${VF.slot},chassis=${VF.chassis}`,
    '-netdev', wire.netdev(VF.netdev),
    '-device', `virtio-net-pci,id=${VF.device},netdev=${VF.netdev},mac=${VF_MAC},disable-legacy=on,iommu_platform=on,bus=${VF.port},addr=0,romfile=`,
  ];
}

/** What a test may set of the guest besides the VF: its vCPUs (default 2) and TCG plugins. */
export type VirtioVfBootOptions = Pick<BootOptions, 'cpus' | 'plugins'>;

/** Boots the guest with the stand-in VF on a stream wire at `wirePath`, and binds the VF to vfio-pci. */
export async function bootVirtioVfGuest(wirePath: string, options: VirtioVfBootOptions = {}): Promise<VirtioVfGuest> {
  const wire = await StreamWire.listen(wirePath);
  let guest: Guest | undefined;
  try {
    guest = await bootGuest({ nics: 0, cpus: 2, ...options, extraArgs: vfArgs(wire), timeoutMs: BOOT_MS });
    await until('QEMU on the stream netdev', () => wire.connected, STEP_MS);
    const found = await guest.run(`for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor):$(cat $d/device):$(cat $d/subsystem_vendor):$(cat $d/subsystem_device)" = ${QEMU_VIRTIO_NET} ] && echo \${d##*/}; done; true`);
    const functions = found.stdout.trim().split('\n').filter((l) => l !== '');
    if (functions.length !== 1) throw new Error(`expected one ${QEMU_VIRTIO_NET} function in the guest, found ${JSON.stringify(functions)}`);
    await guest.bindDriver([functions[0]], 'vfio-pci');
    return { guest, wire, bdf: functions[0] };
  } catch (e) {
    await guest?.shutdown();
    await wire.close();
    throw e;
  }
}
