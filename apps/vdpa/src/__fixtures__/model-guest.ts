/**
 * The guest of the IFCVF-model guest tests: test-kit's IFCVF model (Intel's subsystem ids, the
 * LM block in BAR4) served over vfio-user to a TCG guest, behind the guest's intel-iommu and
 * bound to vfio-pci there, and the two backends that drive it in the guest: DPDK's `dpdk-vdpa`
 * example (DPDK's own IFCVF driver) and `nic-vdpa`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootGuest, qemuTierMissing, type Guest, type GuestProcess } from '@nic/qemu-tier';
import { IfcvfModel } from '@nic/test-kit/models';
import { VfioUserServer, vfioUserPciAddress, vfioUserQemuArgs } from '@nic/test-kit/vfio-user';
import { CLI } from './child.js';

/** DPDK's vdpa example, built by tools/setup-host.sh. */
export const DPDK_VDPA = '/var/cache/nic-dpdk-vdpa/dpdk-vdpa';
/** Why the model's guest tests cannot run here, or undefined. */
export const MODEL_GUEST_MISSING = qemuTierMissing() ?? (existsSync(DPDK_VDPA) ? undefined : `${DPDK_VDPA} is missing`) ?? (existsSync(CLI) ? undefined : `${CLI} is missing (npm run build)`);
export const BOOT_MS = 240_000;
/** The model's address in the guest. */
export const ADDRESS = vfioUserPciAddress(0);
/** The backends, each serving `<iface>0`; `ready` once its socket listens. */
export const BACKENDS = [
  { name: 'dpdk-vdpa', command: `stdbuf -oL ${DPDK_VDPA}`, iface: '/run/ifcvf-dpdk-', ready: /^enter 'q' to quit$/ },
  { name: 'nic-vdpa', command: `node ${CLI}`, iface: '/run/ifcvf-nic-', ready: /^serving .* on \/run\/ifcvf-nic-0$/ },
] as const;
export type Backend = (typeof BACKENDS)[number];

/** The booted guest with the model in it. */
export interface ModelGuest {
  readonly guest: Guest;
  readonly model: IfcvfModel;
  readonly server: VfioUserServer;
  /** Frames the device sent onto its wire, oldest first (tests empty it). */
  readonly wire: Uint8Array[];
  close(): Promise<void>;
}

/** Boots the guest with one IFCVF model function of `queuePairs` and binds it to vfio-pci. */
export async function bootModelGuest(queuePairs = 1): Promise<ModelGuest> {
  const dir = mkdtempSync(join(tmpdir(), 'ifcvf-guest-'));
  const model = new IfcvfModel({ name: 'ifcvf (guest)', queues: queuePairs, mac: [0x02, 0x1f, 0xc0, 0, 0, 1] });
  const wire: Uint8Array[] = [];
  model.onTransmit((frame) => void wire.push(frame.slice()));
  const server = new VfioUserServer(join(dir, 'ifcvf.sock'), model);
  let guest: Guest | undefined;
  const close = async (): Promise<void> => {
    await guest?.shutdown();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    guest = await bootGuest({ nics: 0, sharedMemory: { kind: 'memfd' }, extraArgs: vfioUserQemuArgs([server.path]), timeoutMs: BOOT_MS });
    // The guest's virtio-pci driver takes the function first (it is a modern virtio-net); vfio-pci it must be.
    await guest.bindDriver([ADDRESS], 'vfio-pci');
    return { guest, model, server, wire, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Starts `backend` in `guest` on the model's function with `devargs` after `vdpa=1`, its stdin
 * a FIFO it holds open itself (reads block: dpdk-vdpa spins on end of input); resolves once
 * its socket listens.
 */
export async function startBackend(guest: Guest, backend: Backend, devargs: string, timeoutMs: number): Promise<GuestProcess> {
  const fifo = `/run/${backend.name}.stdin`;
  const vdpa = guest.spawn(`rm -f ${backend.iface}0 ${fifo} && mkfifo ${fifo} && exec ${backend.command} -l 0 --no-huge -m 32 --file-prefix ${backend.name} -a ${ADDRESS},vdpa=1${devargs} -- --iface ${backend.iface} <> ${fifo}`);
  await vdpa.waitFor(backend.ready, timeoutMs);
  return vdpa;
}
