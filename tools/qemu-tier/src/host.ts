/**
 * What the hardware-model tier needs on the host, where it finds it, and
 * {@link qemuTierMissing}, which tells whether it is all there.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findGuestKernel } from './kernel.js';

/** The emulator's file name. */
export const QEMU_BINARY = 'qemu-system-x86_64';
/**
 * Where `tools/setup-host.sh` installs the QEMU it builds (10.2, with the vfio-user client), in
 * the cache directory: a link to `qemu-<Debian version>`.
 */
export const QEMU_PREFIX = 'qemu';
/** util-linux's `setpriv`, which QEMU is started through (see qemu-process.ts). */
export const SETPRIV = 'setpriv';
/** The statically linked busybox of Debian's `busybox-static`: the initramfs's only program. */
export const BUSYBOX = '/bin/busybox';
/** Environment variable that moves {@link DEFAULT_CACHE_DIR}. */
export const CACHE_DIR_ENV = 'NIC_QEMU_CACHE';
/** Where `tools/setup-host.sh` unpacks the guest kernel and initramfs images are kept. */
export const DEFAULT_CACHE_DIR = '/var/cache/nic-qemu';
/** The command that installs what the tier needs. */
export const INSTALL_COMMAND = 'bash tools/setup-host.sh';

/** This package's directory (the same from `src/` and from `dist/`). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The checkout this package is part of: the guest's working directory. */
export const CHECKOUT_DIR = resolve(PACKAGE_DIR, '..', '..');
/** The built command agent, which the guest's node runs. */
export const AGENT_SCRIPT = join(PACKAGE_DIR, 'dist', 'agent.js');
/** The guest's `/init`. */
export const INIT_SCRIPT = join(PACKAGE_DIR, 'guest', 'init.sh');

/**
 * The QEMU devices every tier relies on: the Intel 82576 model, and the vfio-user client that
 * serves @nic/test-kit's models to a guest.
 */
const REQUIRED_DEVICES = ['igb', 'vfio-user-pci'] as const;

/** The cache directory in force. */
export function cacheDir(): string {
  return process.env[CACHE_DIR_ENV] ?? DEFAULT_CACHE_DIR;
}

/** The emulator every guest runs on: the one `tools/setup-host.sh` built into the cache. */
export function qemuBinary(): string {
  return join(cacheDir(), QEMU_PREFIX, 'bin', QEMU_BINARY);
}

/** ELF program header type of the interpreter (dynamic loader) path. */
const PT_INTERP = 3;
/** Bytes of the ELF header read: enough for the 64-bit header's program header table fields. */
const ELF_HEADER_BYTES = 64;

/** Whether `path` is a 64-bit ELF executable without an interpreter, i.e. statically linked. */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(ELF_HEADER_BYTES);
    readSync(fd, header, 0, header.length, 0);
    if (header.toString('latin1', 1, 4) !== 'ELF') return false;
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

/** What is missing from the host (what `tools/setup-host.sh` installs), or undefined. */
function hostMissing(): string | undefined {
  const qemu = qemuBinary();
  const help = spawnSync(qemu, ['-device', 'help'], { encoding: 'utf8' });
  if (help.error !== undefined) return `${qemu} is missing`;
  for (const device of REQUIRED_DEVICES) {
    if (!new RegExp(`^name "${device}"`, 'm').test(help.stdout)) return `${qemu} has no "${device}" device (QEMU >= 10.1 needed)`;
  }
  if (spawnSync(SETPRIV, ['--version']).error !== undefined) return `${SETPRIV} is missing (util-linux)`;
  if (!existsSync(BUSYBOX) || !isStaticElf(BUSYBOX)) return `${BUSYBOX} is missing or not statically linked (busybox-static)`;
  const kernel = findGuestKernel(cacheDir());
  return typeof kernel === 'string' ? kernel : undefined;
}

/**
 * Why a guest cannot boot on this machine (no QEMU with the igb and vfio-user-pci devices in the
 * cache, no busybox-static, no guest kernel in the cache, the agent not built), naming the
 * command that fixes it, or undefined when it can. Call it once per test file and pass the result to
 * `describe.skipIf(… !== undefined)`.
 */
export function qemuTierMissing(): string | undefined {
  const missing = hostMissing();
  if (missing !== undefined) return `${missing}: run ${INSTALL_COMMAND}`;
  if (!existsSync(AGENT_SCRIPT)) return `${AGENT_SCRIPT} is not built: run npx turbo run build --filter=@nic/qemu-tier`;
  return undefined;
}
