/**
 * Exact counts of guest work. `plugin/guest-counts.c` is a QEMU TCG plugin that counts, per
 * vCPU, the guest instructions and translation blocks executed and keeps the counts in a
 * file; this module builds it with the host's C compiler (once per version of its source,
 * into the tier's cache) and reads the counts while the guest runs.
 *
 * Under TCG a guest program's cost is mostly per translated block (one ends at every branch,
 * call and return) and per instruction, so per-packet counts compare two programs exactly
 * where their run times move by 10-20% with the host's load.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NicError } from '@nic/native';
import { parseBlockProfile, type BlockProfile } from './guest-profile.js';
import { cacheDir, PACKAGE_DIR } from './host.js';

/** The plugin's source. */
export const GUEST_COUNTS_SOURCE = join(PACKAGE_DIR, 'plugin', 'guest-counts.c');
/** vCPUs the plugin keeps counts for (`GC_MAX_VCPUS`). */
export const GUEST_COUNTS_MAX_VCPUS = 16;
const U64 = 8;
const COMPILER = 'cc';
/** How long the plugin may take to write a block profile (it looks for requests every 2 ms). */
const PROFILE_TIMEOUT_MS = 60_000;
const PROFILE_POLL_MS = 5;

/** What one vCPU has executed since QEMU started. */
export interface VcpuCounts {
  /** Guest instructions. */
  readonly instructions: number;
  /** Translation blocks. */
  readonly blocks: number;
}

/** The shared object built from {@link GUEST_COUNTS_SOURCE} under `dir`, built now if missing. */
function buildPlugin(dir: string): string {
  const source = readFileSync(GUEST_COUNTS_SOURCE);
  const so = join(dir, `guest-counts-${createHash('sha256').update(source).digest('hex').slice(0, 12)}.so`);
  if (existsSync(so)) return so;
  mkdirSync(dir, { recursive: true });
  accessSync(dir, constants.W_OK);
  const partial = `${so}.${process.pid}.tmp`;
  const cc = spawnSync(COMPILER, ['-O2', '-Wall', '-shared', '-fPIC', '-fvisibility=hidden', '-o', partial, GUEST_COUNTS_SOURCE, '-lpthread'], { encoding: 'utf8' });
  if (cc.error !== undefined || cc.status !== 0) {
    throw new NicError('NIC_ENOTSUP', `guest counts: cannot build ${GUEST_COUNTS_SOURCE} with ${COMPILER}: ${cc.error?.message ?? cc.stderr.trim()}`);
  }
  renameSync(partial, so);
  return so;
}

/**
 * The guest-work counter of one guest: pass {@link GuestCounter.plugin} in `BootOptions.plugins`,
 * then read the counts at any time while the guest runs.
 */
export class GuestCounter {
  /** The value of QEMU's `-plugin` option that loads the counter. */
  readonly plugin: string;

  private constructor(
    so: string,
    /** The file QEMU keeps the counts in. */
    readonly file: string,
    /** The file the plugin writes block profiles to, or undefined when it does not profile. */
    readonly profileFile: string | undefined,
  ) {
    this.plugin = `${so},out=${file}${profileFile === undefined ? '' : `,profile=${profileFile}`}`;
  }

  /**
   * A counter that keeps its counts in `file` (which QEMU creates when it starts), building the
   * plugin first if it is not in the cache yet. With `profile`, the plugin also counts each
   * translation block's executions per vCPU, for {@link GuestCounter.profile} (snapshots go to
   * `<file>.blocks`; the guest runs a few percent slower).
   * @throws NicError NIC_EINVAL for a file name QEMU's option syntax cannot carry (a comma);
   *   NIC_ENOTSUP when the plugin cannot be built (no C compiler)
   */
  static create(file: string, options: { readonly profile?: boolean } = {}): GuestCounter {
    if (file.includes(',')) throw new NicError('NIC_EINVAL', `guest counts: the counts file ${JSON.stringify(file)} has a comma`);
    let so: string;
    try {
      so = buildPlugin(cacheDir());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EACCES') throw e;
      so = buildPlugin(join(tmpdir(), 'nic-qemu'));
    }
    return new GuestCounter(so, file, options.profile === true ? `${file}.blocks` : undefined);
  }

  /**
   * A snapshot of every translation block's executions per vCPU so far (see guest-profile.ts).
   * @throws NicError NIC_ENOTSUP for a counter made without `profile`; NIC_EIO when the
   *   plugin wrote none within a minute (QEMU not running)
   */
  async profile(): Promise<BlockProfile> {
    const file = this.profileFile;
    if (file === undefined) throw new NicError('NIC_ENOTSUP', 'guest counts: this counter was created without profile: true');
    const request = `${file}.request`;
    writeFileSync(request, '');
    const deadline = Date.now() + PROFILE_TIMEOUT_MS;
    // The plugin renames the snapshot into place, then removes the request.
    while (existsSync(request)) {
      if (Date.now() > deadline) throw new NicError('NIC_EIO', `guest counts: no block profile in ${file} within ${PROFILE_TIMEOUT_MS} ms: is QEMU running with ${this.plugin}?`);
      await sleep(PROFILE_POLL_MS);
    }
    return parseBlockProfile(readFileSync(file));
  }

  /**
   * What vCPU `vcpu` has executed so far, as of the plugin's last refresh (every 2 ms).
   * @throws NicError NIC_EINVAL for a vCPU index out of range; NIC_ENOENT before QEMU has
   *   created the file
   */
  read(vcpu: number): VcpuCounts {
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= GUEST_COUNTS_MAX_VCPUS) {
      throw new NicError('NIC_EINVAL', `guest counts: vCPU ${vcpu} is not in 0 to ${GUEST_COUNTS_MAX_VCPUS - 1}`);
    }
    let data: Buffer;
    try {
      data = readFileSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NicError('NIC_ENOENT', `guest counts: ${this.file} does not exist: is QEMU running with ${this.plugin}?`);
      throw e;
    }
    const at = (index: number): number => Number(data.readBigUInt64LE(index * U64));
    return { instructions: at(1 + 2 * vcpu), blocks: at(2 + 2 * vcpu) };
  }
}
