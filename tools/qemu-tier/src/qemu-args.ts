/**
 * The QEMU command line of a guest: a q35 machine under TCG with an Intel vIOMMU (interrupt
 * remapping on, which VFIO's type1 backend wants in the guest), the host root shared read-only
 * over virtio-9p, a virtio-serial port for the agent, the serial console and the QMP monitor
 * on unix sockets that the host listens on, and each igb behind a PCIe root port of its own
 * (its VFs take slots on that bus) with a `dgram` netdev on 127.0.0.1 UDP ports.
 */
import { AGENT_PORT_NAME } from './agent/protocol.js';

/** The guest-facing ends of one igb. */
export interface NicPlan {
  /** The MAC address, `52:54:00:…`. */
  readonly mac: string;
  /** The UDP port QEMU receives the NIC's incoming frames on. */
  readonly qemuPort: number;
  /** The UDP port QEMU sends the frames the NIC transmits to. */
  readonly hostPort: number;
}

/** Everything that differs between guests. */
export interface QemuPlan {
  readonly kernelImage: string;
  readonly initramfs: string;
  readonly kernelCommandLine: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  /** Unix sockets the host listens on; QEMU connects to them at start. */
  readonly consoleSocket: string;
  readonly qmpSocket: string;
  readonly agentSocket: string;
  readonly nics: readonly NicPlan[];
  /** `-plugin` option values. */
  readonly plugins: readonly string[];
  /** Guest RAM in a shared, fd-backed memory backend (see {@link SharedMemory}), or private anonymous memory. */
  readonly sharedMemory?: SharedMemory;
  /** Arguments appended to the command line as they are (devices, chardevs, netdevs of a test). */
  readonly extraArgs: readonly string[];
}

/**
 * Guest RAM that other processes can map: vhost-user backends and vfio-user servers receive
 * its fd and reach the guest's memory directly. `memfd` is an anonymous memory file; `file`
 * is a file at `path` (on tmpfs, say), which outlives QEMU so that a test can read it.
 */
export type SharedMemory = { readonly kind: 'memfd' } | { readonly kind: 'file'; readonly path: string };

/** QEMU's id of the shared memory backend. */
export const SHARED_MEMORY_ID = 'ram';

function memoryArgs(plan: QemuPlan): string[] {
  const machine = 'q35,kernel-irqchip=split';
  const shared = plan.sharedMemory;
  if (shared === undefined) return ['-machine', machine, '-m', String(plan.memoryMiB)];
  const size = `size=${plan.memoryMiB}M`;
  const backend = shared.kind === 'memfd' ? `memory-backend-memfd,id=${SHARED_MEMORY_ID},${size},share=on` : `memory-backend-file,id=${SHARED_MEMORY_ID},${size},mem-path=${shared.path},share=on`;
  return ['-object', backend, '-machine', `${machine},memory-backend=${SHARED_MEMORY_ID}`, '-m', String(plan.memoryMiB)];
}

/** The loopback address every netdev uses. */
export const LOOPBACK = '127.0.0.1';
/**
 * The guest's name. QEMU names its threads after their jobs (`debug-threads=on`): the vCPU
 * threads are `CPU <n>/TCG`, so a benchmark can tell their CPU time apart.
 */
const GUEST_NAME = 'nic-guest';
/** The PCI slot on the root bus of the first NIC's root port; NIC i's is this plus i. */
export const FIRST_ROOT_PORT_SLOT = 0x10;

/** QEMU's ids of NIC `index`'s device, netdev and root port. */
export function nicIds(index: number): { device: string; netdev: string; rootPort: string } {
  return { device: `nic${index}`, netdev: `net${index}`, rootPort: `rp${index}` };
}

function nicArgs(nic: NicPlan, index: number): string[] {
  const ids = nicIds(index);
  const slot = (FIRST_ROOT_PORT_SLOT + index).toString(16);
  const dgram = [`dgram,id=${ids.netdev}`, 'local.type=inet', `local.host=${LOOPBACK}`, `local.port=${nic.qemuPort}`];
  dgram.push('remote.type=inet', `remote.host=${LOOPBACK}`, `remote.port=${nic.hostPort}`);
  return [
    '-device', `pcie-root-port,id=${ids.rootPort},bus=pcie.0,addr=0x${slot},chassis=${index + 1}`,
    '-netdev', dgram.join(','),
    '-device', `igb,id=${ids.device},netdev=${ids.netdev},mac=${nic.mac},bus=${ids.rootPort},addr=0,romfile=`,
  ];
}

/** The arguments of `qemu-system-x86_64` for `plan`. */
export function qemuArgs(plan: QemuPlan): string[] {
  return [
    '-name', `${GUEST_NAME},debug-threads=on`,
    '-accel', 'tcg',
    '-cpu', 'max',
    ...memoryArgs(plan),
    '-device', 'intel-iommu,intremap=on',
    '-smp', String(plan.cpus),
    '-nographic', '-nodefaults', '-no-reboot',
    '-kernel', plan.kernelImage,
    '-initrd', plan.initramfs,
    '-append', plan.kernelCommandLine,
    '-chardev', `socket,id=console,path=${plan.consoleSocket}`,
    '-serial', 'chardev:console',
    '-chardev', `socket,id=qmp,path=${plan.qmpSocket}`,
    '-mon', 'chardev=qmp,mode=control',
    '-fsdev', 'local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', 'virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot',
    '-device', 'virtio-serial-pci,id=serial',
    '-chardev', `socket,id=agent,path=${plan.agentSocket}`,
    '-device', `virtserialport,bus=serial.0,chardev=agent,name=${AGENT_PORT_NAME}`,
    ...plan.nics.flatMap(nicArgs),
    ...plan.plugins.flatMap((plugin) => ['-plugin', plugin]),
    ...plan.extraArgs,
  ];
}
