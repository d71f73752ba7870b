/**
 * Booting a guest: the initramfs, the kernel command line, the host ends of every socket,
 * QEMU, and the wait for the agent. Whatever fails, nothing is left behind.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NicError } from '@nic/native';
import { AgentClient } from './agent-client.js';
import { withTimeout } from './deadline.js';
import { CONSOLE_TAIL_LINES, Guest } from './guest.js';
import { AGENT_SCRIPT, CHECKOUT_DIR, cacheDir, qemuTierMissing } from './host.js';
import { buildInitramfs } from './initramfs.js';
import { findGuestKernel, type GuestKernel } from './kernel.js';
import { Lines } from './lines.js';
import { GuestNic, bindLoopbackSocket, freeLoopbackPort } from './nic.js';
import { qemuArgs, type NicPlan, type SharedMemory } from './qemu-args.js';
import { QemuProcess, describeExit } from './qemu-process.js';
import { QmpClient } from './qmp.js';
import { Teardown } from './teardown.js';

/** What guest to boot. */
export interface BootOptions {
  /** How many igb NICs (0 to {@link MAX_NICS}). */
  readonly nics: number;
  /** Guest memory (default 1536 MiB). */
  readonly memoryMiB?: number;
  /** Virtual CPUs (default 2). */
  readonly cpus?: number;
  /** 2 MiB hugepages the guest reserves (default 128, i.e. 256 MiB). */
  readonly hugepages?: number;
  /**
   * 1 GiB hugepages the guest kernel reserves at boot (`hugepagesz=1G hugepages=N`; default
   * 0). They and the 2 MiB pages together may take half of `memoryMiB`.
   */
  readonly hugepages1G?: number;
  /** How long the boot may take, every attempt together (default 120 s). */
  readonly timeoutMs?: number;
  /** The guest's working directory for commands (default: this checkout). Its path is the same in the guest. */
  readonly cwd?: string;
  /** QEMU TCG plugins to load, each as QEMU's `-plugin` option takes it (`<path>[,<arg>=<value>…]`), e.g. `GuestCounter.plugin`. */
  readonly plugins?: readonly string[];
  /** Guest RAM in a shared, fd-backed memory backend (for vhost-user and vfio-user peers); default private memory. */
  readonly sharedMemory?: SharedMemory;
  /** QEMU arguments appended as they are: a test's own devices, chardevs and netdevs. */
  readonly extraArgs?: readonly string[];
  /**
   * A busybox `sh` script the guest runs from its initramfs instead of the agent, with no 9p
   * root (QEMU refuses to migrate a guest that has the 9p share mounted): a guest that can be
   * live-migrated. Busybox's applets and the modules of the usual init plus `virtio_net` are
   * there; nothing of the host's filesystem is. The boot resolves when the script prints
   * {@link STANDALONE_READY} on the console; the guest has no agent (`run` and `spawn` reject
   * `NIC_ENOTSUP`).
   */
  readonly standaloneScript?: string;
  /**
   * Start QEMU as the destination of a live migration at this URI (QEMU's `-incoming`, e.g.
   * `unix:/path`): the boot resolves once its monitor answers. The other options must describe
   * the source's machine; only a standalone guest can migrate, so `standaloneScript` is required.
   */
  readonly incoming?: string;
}

/** The console line that tells the boot a standalone guest's script is set up. */
export const STANDALONE_READY = 'nic-init: ready';

/** The most NICs a guest has: one PCIe root port each, on root bus slots 0x10 to 0x17. */
export const MAX_NICS = 8;
const DEFAULT_MEMORY_MIB = 1536;
const DEFAULT_CPUS = 2;
const DEFAULT_HUGEPAGES = 128;
const DEFAULT_BOOT_MS = 120_000;
/** Console lines kept for error messages and {@link Guest.consoleTail}. */
const CONSOLE_KEPT = 500;
/** The line `guest/init.sh` prints when a step fails. */
const INIT_FAILED = /^nic-init: FAILED: (.*)$/;
/** The guest kernel's panic line on the console. */
const KERNEL_PANIC = /Kernel panic - not syncing: (.*)$/;
/**
 * The guest kernel's RCU stall report: a vCPU has not passed a quiescent state for 21 s of
 * guest time. Under TCG on a loaded host a boot can wedge this way (a halted vCPU whose
 * timer never fires: "timer wakeup didn't happen", seen in CI) and it does not recover, so
 * the boot is abandoned at the first report instead of at its deadline.
 */
const RCU_STALL = /rcu: INFO: rcu_\w+ (?:self-)?detected stalls? on CPU.*$/;
/**
 * How many times a boot whose kernel stalls is tried before the stall is reported: CI of
 * 2026-12-08 saw pmd-igb's guest stall on two boots in a row (CPU 0 idle, "0 ticks this GP",
 * fqs=0) while the rest of the suite ran beside it.
 */
export const BOOT_ATTEMPTS = 3;
/** The fixed part of every NIC's MAC address (QEMU's OUI, then "NC"); the last byte is the NIC's index. */
const MAC_PREFIX = '52:54:00:4e:43';

/** The MAC address of NIC `index`. */
export function nicMac(index: number): string {
  return `${MAC_PREFIX}:${index.toString(16).padStart(2, '0')}`;
}

/**
 * The guest PCI address of NIC `index`: root port `index` is the `index + 1`th bridge on the
 * root bus, so the firmware gives its secondary bus number `index + 1`.
 */
export function nicPciAddress(index: number): string {
  return `0000:${(index + 1).toString(16).padStart(2, '0')}:00.0`;
}

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new NicError('NIC_EINVAL', `bootGuest: ${name} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return value;
}

/** A unix socket server at `path` and the first connection to it. */
function listenOnce(path: string): { server: Server; connection: Promise<Socket> } {
  const server = createServer();
  const connection = new Promise<Socket>((resolve, reject) => {
    server.once('connection', resolve);
    server.once('error', reject);
  });
  server.listen(path);
  return { server, connection };
}

/** The kernel command line: console, vIOMMU, and the parameters of `guest/init.sh`. */
function kernelCommandLine(kernel: GuestKernel, cwd: string, hugepages: number, hugepages1G: number): string {
  const params = { cwd, node: realpathSync(process.execPath), agent: AGENT_SCRIPT, hugepages: String(hugepages), modules: kernel.modulesRoot };
  for (const [name, value] of Object.entries(params)) {
    if (/\s/.test(value)) throw new NicError('NIC_EINVAL', `bootGuest: the guest's ${name} path ${JSON.stringify(value)} has white space`);
  }
  // intel_iommu=on: DMA remapping for the vIOMMU (VFIO needs it); iommu=pt: devices the
  // guest kernel drives itself (virtio) stay identity-mapped. panic=-1 with -no-reboot: a
  // panic ends QEMU at once. tsc=reliable: the TSC, not the emulated HPET, is the clock (no
  // MMIO per clock read); mitigations=off: no page-table isolation, whose TLB flushes are
  // costly under TCG. Both shorten the boot and every command; the guest is a throwaway.
  // no_timer_check: the kernel does not time the IO-APIC timer at boot. Under TCG on a busy
  // host the few ticks it waits for can come late, and with interrupt remapping on it then
  // panics ("timer doesn't work through Interrupt-remapped IO-APIC"): an occasional boot
  // failure that looked like QEMU ending with status 0.
  const base = ['console=ttyS0', 'rdinit=/init', 'intel_iommu=on', 'iommu=pt', 'panic=-1', 'tsc=reliable', 'mitigations=off', 'no_timer_check'];
  // 1 GiB pages are reserved by the kernel at boot, before memory fragments (`-cpu max` has pdpe1gb).
  const gigantic = hugepages1G > 0 ? ['hugepagesz=1G', `hugepages=${hugepages1G}`] : [];
  return [...base, ...gigantic, ...Object.entries(params).map(([name, value]) => `nic.${name}=${value}`)].join(' ');
}

/** The initramfs directory: the cache, or the temporary directory when the cache is not writable. */
function initramfsOf(kernel: GuestKernel, standaloneScript: string | undefined): string {
  try {
    return buildInitramfs(kernel, cacheDir(), standaloneScript);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EACCES') throw e;
    return buildInitramfs(kernel, join(tmpdir(), 'nic-qemu'), standaloneScript);
  }
}

/**
 * Boots a guest with `options.nics` igb NICs bound to vfio-pci and resolves when its agent
 * is ready to run commands.
 * A boot whose kernel reports an RCU stall is abandoned and started again, up to
 * {@link BOOT_ATTEMPTS} boots within the one deadline (each retry is logged on stderr).
 * @throws NicError NIC_EINVAL for bad options; NIC_ENOTSUP when the tier is missing (see
 *   `qemuTierMissing`); NIC_EIO when QEMU fails, the guest's init fails, the last boot stalls
 *   or the boot times out (the message holds QEMU's errors and the console's last lines).
 *   Nothing is left running.
 */
export async function bootGuest(options: BootOptions): Promise<Guest> {
  const nicCount = checkCount('nics', options.nics, 0, MAX_NICS);
  const memoryMiB = checkCount('memoryMiB', options.memoryMiB ?? DEFAULT_MEMORY_MIB, 256, 65536);
  const cpus = checkCount('cpus', options.cpus ?? DEFAULT_CPUS, 1, 64);
  const hugepages = checkCount('hugepages', options.hugepages ?? DEFAULT_HUGEPAGES, 0, memoryMiB / 2 / 2);
  const hugepages1G = checkCount('hugepages1G', options.hugepages1G ?? 0, 0, Math.floor((memoryMiB / 2 - hugepages * 2) / 1024));
  const timeoutMs = options.timeoutMs ?? DEFAULT_BOOT_MS;
  const shared = options.sharedMemory;
  if (shared?.kind === 'file' && !/^\/[^,\s]*$/.test(shared.path)) {
    throw new NicError('NIC_EINVAL', `bootGuest: sharedMemory.path must be an absolute path without commas or white space (QEMU's option syntax), not ${JSON.stringify(shared.path)}`);
  }
  if (options.incoming !== undefined && options.standaloneScript === undefined) {
    throw new NicError('NIC_EINVAL', 'bootGuest: incoming needs standaloneScript (a guest with the 9p root mounted cannot migrate)');
  }
  const missing = qemuTierMissing();
  if (missing !== undefined) throw new NicError('NIC_ENOTSUP', `bootGuest: ${missing}`);
  const kernel = findGuestKernel(cacheDir()) as GuestKernel;
  const cmdline = kernelCommandLine(kernel, options.cwd ?? CHECKOUT_DIR, hugepages, hugepages1G);
  const initramfs = initramfsOf(kernel, options.standaloneScript);
  const plan = { options, nicCount, memoryMiB, cpus, kernel, cmdline, initramfs, deadline: Date.now() + timeoutMs };
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootAttempt(plan, attempt);
    } catch (e) {
      if (!stalls.has(e as Error) || attempt === BOOT_ATTEMPTS) throw e;
      process.stderr.write(`bootGuest: ${(e as Error).message.split('\n')[0]}; booting again (attempt ${attempt + 1} of ${BOOT_ATTEMPTS})\n`);
    }
  }
}

/**
 * The errors of boots abandoned because the guest kernel reported an RCU stall (a set, not a
 * subclass: `instanceof NicError`'s brand check would make every NicError one).
 */
const stalls = new WeakSet<Error>();

/** What one boot attempt starts: the checked options and what was built from them. */
interface BootPlan {
  readonly options: BootOptions;
  readonly nicCount: number;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly kernel: GuestKernel;
  readonly cmdline: string;
  readonly initramfs: string;
  /** When every attempt together must be done (`Date.now()` time). */
  readonly deadline: number;
}

/** One QEMU started and waited for; on failure everything it started is gone. */
async function bootAttempt(plan: BootPlan, attempt: number): Promise<Guest> {
  const { options, nicCount, memoryMiB, cpus, kernel, cmdline, initramfs, deadline } = plan;
  const timeoutMs = Math.max(0, deadline - Date.now());
  const teardown = new Teardown();
  // Ends the wait for the init's failure line once the boot is over, either way.
  const booted = new AbortController();
  const console = new Lines(CONSOLE_KEPT);
  const describe = (qemu: QemuProcess): string => {
    const errors = qemu.errorOutput ? `\n--- QEMU said ---\n${qemu.errorOutput}` : '';
    return `${errors}\n--- guest console, last ${CONSOLE_TAIL_LINES} lines ---\n${console.tail(CONSOLE_TAIL_LINES).join('\n')}`;
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'nic-qemu-'));
    // Removed by the teardown, or when this process exits first (QemuProcess kills QEMU then).
    const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
    process.on('exit', removeDir);
    teardown.add(() => {
      process.off('exit', removeDir);
      removeDir();
    });
    const sockets = { console: join(dir, 'console.sock'), qmp: join(dir, 'qmp.sock'), agent: join(dir, 'agent.sock') };
    const listeners = { console: listenOnce(sockets.console), qmp: listenOnce(sockets.qmp), agent: listenOnce(sockets.agent) };
    for (const { server } of Object.values(listeners)) teardown.add(() => server.close());

    const nics: GuestNic[] = [];
    const plans: NicPlan[] = [];
    for (let i = 0; i < nicCount; i++) {
      const socket = await bindLoopbackSocket();
      const nic = new GuestNic(i, nicPciAddress(i), nicMac(i), socket, await freeLoopbackPort());
      teardown.add(() => nic.close());
      nics.push(nic);
      plans.push({ mac: nic.mac, qemuPort: nic.qemuPort, hostPort: nic.hostPort });
    }

    const started = Date.now();
    const qemu = new QemuProcess(
      qemuArgs({ kernelImage: kernel.image, initramfs, kernelCommandLine: cmdline, memoryMiB, cpus, consoleSocket: sockets.console, qmpSocket: sockets.qmp, agentSocket: sockets.agent, nics: plans, plugins: options.plugins ?? [], sharedMemory: options.sharedMemory, extraArgs: [...(options.incoming === undefined ? [] : ['-incoming', options.incoming]), ...(options.extraArgs ?? [])] }),
    );
    teardown.add(() => qemu.kill());
    const initFailure = (match: RegExpMatchArray): NicError => new NicError('NIC_EIO', `the guest's init failed: ${match[1]}${describe(qemu)}`);
    // Every wait below also ends when QEMU does, once the console has said all it had.
    let consoleClosed = Promise.resolve();
    const died = qemu.exited.then(async (exit) => {
      await consoleClosed;
      const lines = console.tail();
      const match = lines.map((line) => line.match(INIT_FAILED)).find((m) => m !== null);
      if (match) throw initFailure(match);
      const panic = lines.map((line) => line.match(KERNEL_PANIC)).find((m) => m !== null);
      if (panic) throw new NicError('NIC_EIO', `the guest kernel panicked while booting: ${panic[1]}${describe(qemu)}`);
      throw new NicError('NIC_EIO', `QEMU ended (${describeExit(exit)}) while the guest booted${describe(qemu)}`);
    });
    died.catch(() => undefined);
    const step = <T>(what: string, promise: Promise<T>): Promise<T> =>
      withTimeout(Promise.race([promise, died]), Math.max(0, deadline - Date.now()), `guest boot (${what})`, () => describe(qemu));

    const consoleSocket = await step('QEMU connecting its console', listeners.console.connection);
    consoleSocket.on('data', (chunk) => console.push(chunk));
    consoleSocket.on('error', () => undefined); // QEMU's end is reported through `died`
    consoleClosed = new Promise((resolve) => consoleSocket.once('close', () => resolve()));
    teardown.add(() => consoleSocket.destroy());
    const qmp = new QmpClient(await step('QEMU connecting its monitor', listeners.qmp.connection));
    const agent = new AgentClient(await step('QEMU connecting the agent port', listeners.agent.connection));
    await step('the QMP handshake', qmp.handshake());
    const initFailed = console.waitFor(INIT_FAILED, timeoutMs, 'the guest init', booted.signal).then((match) => {
      throw initFailure(match);
    });
    initFailed.catch(() => undefined);
    const stalled = console.waitFor(RCU_STALL, timeoutMs, 'an RCU stall', booted.signal).then((match) => {
      const stall = new NicError('NIC_EIO', `the guest kernel stalled while booting, boot ${attempt} of ${BOOT_ATTEMPTS} (${match[0]})${describe(qemu)}`);
      stalls.add(stall);
      throw stall;
    });
    stalled.catch(() => undefined);
    const failed = Promise.race([initFailed, stalled]);
    failed.catch(() => undefined); // a migration's destination waits on neither
    let kernelRelease = '';
    if (options.incoming !== undefined) {
      // The guest arrives with the migration; nothing of it runs yet.
    } else if (options.standaloneScript !== undefined) {
      const ready = console.waitFor(new RegExp(`^${STANDALONE_READY}$`), timeoutMs, 'the standalone script', booted.signal);
      ready.catch(() => undefined);
      await step('waiting for the standalone script', Promise.race([ready, failed]));
    } else {
      kernelRelease = (await step('waiting for the agent', Promise.race([agent.ready, failed]))).kernel;
    }
    booted.abort();
    const bootMs = Date.now() - started;
    if (options.standaloneScript !== undefined) agent.close(new NicError('NIC_ENOTSUP', 'a standalone guest has no agent to run commands'));

    void qemu.exited.then((exit) => {
      const gone = new NicError('NIC_EIO', `QEMU ended (${describeExit(exit)})${describe(qemu)}`);
      agent.close(gone);
      qmp.close(gone);
      console.end(gone);
    });
    return new Guest({ qemu, qmp, agent, console, nics, teardown, kernelRelease, bootMs });
  } catch (e) {
    booted.abort();
    await teardown.run();
    throw e;
  }
}
