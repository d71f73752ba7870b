/**
 * The guest kernel: Debian's `linux-image-*-amd64`, unpacked (not installed) by
 * `tools/setup-host.sh` into `<cache>/kernel/` with its `modules.dep` made by `depmod -b`
 * and its image decompressed, and the order in which its modules load.
 */
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { NicError } from '@nic/native';

/** A kernel image and the module tree built with it. */
export interface GuestKernel {
  /** `uname -r` of the kernel, e.g. `6.1.0-56-amd64`. */
  readonly release: string;
  /** The uncompressed ELF image (`boot/vmlinux-<release>`), which QEMU starts at its PVH entry. */
  readonly image: string;
  /** The tree that holds `<release>/modules.dep` (the kernel's `/lib/modules`), symlinks resolved. */
  readonly modulesRoot: string;
}

/**
 * The kernel unpacked in `<cacheDir>/kernel`, or a sentence saying what is missing there.
 */
export function findGuestKernel(cacheDir: string): GuestKernel | string {
  const root = join(cacheDir, 'kernel');
  const modulesRoot = join(root, 'lib', 'modules');
  if (!existsSync(modulesRoot)) return `no guest kernel in ${root}`;
  const [release, ...more] = readdirSync(modulesRoot);
  if (release === undefined || more.length > 0) return `expected one kernel release in ${modulesRoot}, found ${[release, ...more].join(', ')}`;
  const image = join(root, 'boot', `vmlinux-${release}`);
  if (!existsSync(image)) return `no kernel image ${image}`;
  if (!existsSync(join(modulesRoot, release, 'modules.dep'))) return `no modules.dep for ${release} (depmod -b ${root} ${release})`;
  return { release, image, modulesRoot: realpathSync(modulesRoot) };
}

/** A module's name as the kernel knows it: the file name without `.ko`, dashes as underscores. */
function moduleName(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.ko$/, '').replaceAll('-', '_');
}

/**
 * The module files (paths relative to the release directory, as `modules.dep` gives them)
 * to load, in a working order, for the modules `wanted` and everything they depend on.
 * @param modulesDep the text of `modules.dep`
 * @throws NicError NIC_ENOENT when a wanted module is not in it
 */
export function moduleLoadOrder(modulesDep: string, wanted: readonly string[]): string[] {
  const deps = new Map<string, { path: string; needs: string[] }>();
  for (const line of modulesDep.split('\n')) {
    const [path, needs = ''] = line.split(':');
    if (path) deps.set(moduleName(path), { path, needs: needs.trim().split(/\s+/).filter(Boolean).map(moduleName) });
  }
  const order: string[] = [];
  const visit = (name: string): void => {
    const module = deps.get(name.replaceAll('-', '_'));
    if (module === undefined) throw new NicError('NIC_ENOENT', `kernel module ${name} is not in modules.dep`);
    if (order.includes(module.path)) return;
    module.needs.forEach(visit);
    order.push(module.path);
  };
  wanted.forEach(visit);
  return order;
}

/** `moduleLoadOrder` of `kernel`'s own `modules.dep`. */
export function kernelModuleOrder(kernel: GuestKernel, wanted: readonly string[]): string[] {
  return moduleLoadOrder(readFileSync(join(kernel.modulesRoot, kernel.release, 'modules.dep'), 'utf8'), wanted);
}
