/**
 * The guest's initramfs: busybox-static, `guest/init.sh` as `/init`, and the kernel modules
 * the init needs (with their dependencies, in load order). It is built when a guest boots and
 * kept in the cache directory under the hash of its bytes, so an unchanged one is written once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cpioArchive, type CpioEntry } from './cpio.js';
import { BUSYBOX, INIT_SCRIPT } from './host.js';
import { kernelModuleOrder, type GuestKernel } from './kernel.js';

/**
 * The modules the init loads: virtio PCI transport, virtio-serial (the agent's port), 9p over
 * virtio (the host root), overlayfs (its writable layer), VFIO with the type1 IOMMU backend
 * and vfio-pci (for the igb functions).
 */
export const INIT_MODULES = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay', 'vfio_iommu_type1', 'vfio_pci'] as const;
/** The modules a standalone guest loads too: it has no module tree to `modprobe` from, and its job is networking. */
export const STANDALONE_MODULES = ['virtio_net'] as const;
/** Where a standalone guest's script is in the initramfs (`guest/init.sh` runs it instead of the agent). */
export const STANDALONE_SCRIPT = 'standalone.sh';

/** Digits of the content hash in the file name. */
const HASH_DIGITS = 16;
const EXECUTABLE = 0o755;
const READABLE = 0o644;

/** The archive's entries for `kernel`, with a standalone guest's script if there is one. */
function entries(kernel: GuestKernel, standaloneScript: string | undefined): CpioEntry[] {
  const releaseDir = join(kernel.modulesRoot, kernel.release);
  const modules = kernelModuleOrder(kernel, standaloneScript === undefined ? INIT_MODULES : [...INIT_MODULES, ...STANDALONE_MODULES]);
  const script: CpioEntry[] = standaloneScript === undefined ? [] : [{ type: 'file', path: STANDALONE_SCRIPT, mode: EXECUTABLE, data: Buffer.from(standaloneScript) }];
  return [
    { type: 'dir', path: 'bin', mode: EXECUTABLE },
    { type: 'file', path: 'bin/busybox', mode: EXECUTABLE, data: readFileSync(BUSYBOX) },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    { type: 'file', path: 'init', mode: EXECUTABLE, data: readFileSync(INIT_SCRIPT) },
    { type: 'dir', path: 'modules', mode: EXECUTABLE },
    ...modules.map((m): CpioEntry => ({ type: 'file', path: `modules/${basename(m)}`, mode: READABLE, data: readFileSync(join(releaseDir, m)) })),
    { type: 'file', path: 'modules.load', mode: READABLE, data: Buffer.from(modules.map((m) => `${basename(m)}\n`).join('')) },
    ...script,
  ];
}

/**
 * The path of the initramfs for `kernel` (and a standalone guest's script), in `dir` (created if
 * need be), written now unless an identical one is there already.
 */
export function buildInitramfs(kernel: GuestKernel, dir: string, standaloneScript?: string): string {
  const archive = cpioArchive(entries(kernel, standaloneScript));
  const hash = createHash('sha256').update(archive).digest('hex').slice(0, HASH_DIGITS);
  const path = join(dir, `initramfs-${kernel.release}-${hash}.cpio`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed, so that a concurrent boot never reads half a file.
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, archive);
    renameSync(partial, path);
  }
  return path;
}
