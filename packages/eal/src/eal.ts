/**
 * One EAL instance and the `init` flow that builds it, in DPDK v2.2's order: arguments,
 * plugins (`-d`), bus scan, alarms, dev init (vdevs, then each pdev driver hands its bus
 * driver to its bus), interrupt thread, probe. Each instance owns its bus lists, so tests
 * can run several side by side; `cleanup` undoes everything.
 */
import { basename, dirname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { getAffinity, NicError } from '@nic/native';
import { parseDevargs, type Devargs } from './devargs.js';
import { reserveMemory, type EalMemory } from './eal-memory.js';
import { LCORE_ID_ANY, lcoreId, setLcoreContext } from './lcore/context.js';
import { Lcores } from './lcore/lcores.js';
import { ThreadPlacement } from './lcore/placement.js';
import { registerLogtype, resetLogLevels, setLogLevel, type LogLevel } from './log.js';
import type { Arena } from './memory/arena.js';
import { memzoneDump } from './memory/memzone.js';
import { parseEalArgs } from './options/parse.js';
import type { EalOptions } from './options/types.js';
import { ealUsage } from './options/usage.js';
import { loadPlugin } from './plugins.js';
import { registeredBuses, registeredDrivers, registeredSubsystems } from './registry.js';
import type {
  BusInstance,
  DeviceInfo,
  DriverDescriptor,
  ProbeResult,
  SubsystemDescriptor,
  SubsystemStage,
} from './types.js';
import { registerMempoolTelemetry } from './memory/mempool-telemetry.js';
import { registerTelemetryBuiltins, TELEMETRY_VERSION } from './telemetry/builtin.js';
import { registerEalTelemetry } from './telemetry/eal-commands.js';
import { createRuntimeDir, removeRuntimeDir } from './telemetry/runtime-dir.js';
import { TelemetryServer } from './telemetry/server.js';
import { VDEV_BUS, VdevBus } from './vdev.js';
import { NIC_VERSION } from './version.js';

const log = registerLogtype('eal');
/** Tries at making the runtime directory and binding the telemetry socket in it. */
const RUNTIME_DIR_ATTEMPTS = 3;

/** Extra inputs of {@link init} that are not command-line arguments. */
export interface InitOptions {
  /** Drivers this instance uses besides those in `dev_driver_list` (e.g. from `./driver` entries). */
  readonly drivers?: readonly DriverDescriptor[];
  /** Program name shown by `-h` (default: the script's file name). */
  readonly programName?: string;
  /** Where `-h` writes the usage text (default: stdout). */
  readonly stdout?: { write(text: string): unknown };
}

/** The command line an instance was started with, as DPDK's telemetry reports it. */
export interface EalArgv {
  /** The program name, then EAL's arguments (up to `--`, which is left out). */
  readonly eal: readonly string[];
  /** The application's arguments (after `--`). */
  readonly app: readonly string[];
}

/** What {@link init} returns. */
export interface InitResult {
  /** How many arguments EAL consumed (through `--`): `argv.slice(consumed)` are the application's. */
  readonly consumed: number;
  readonly eal: Eal;
}

type InstanceState = 'initializing' | 'running' | 'cleaning' | 'cleaned';

interface ServiceEntry {
  readonly descriptor: SubsystemDescriptor;
  readonly state: unknown;
}

const INSTANCES_KEY = Symbol.for('nic.eal.instances.v1');

/** Live instances of this thread by file prefix, and the device claims between them. */
interface Instances {
  readonly byPrefix: Map<string, Eal>;
  readonly claims: Map<string, Eal>;
}

function instances(): Instances {
  const g = globalThis as { [INSTANCES_KEY]?: Instances };
  return (g[INSTANCES_KEY] ??= { byPrefix: new Map(), claims: new Map() });
}

/** A running EAL instance. Create it with {@link init}. */
export class Eal {
  /** The parsed command line. */
  readonly options: EalOptions;
  /** The command line, split as `/eal/params` and `/eal/app_params` report it. */
  readonly argv: EalArgv;
  readonly #extraDrivers: readonly DriverDescriptor[];
  #drivers: DriverDescriptor[] = [];
  readonly #buses = new Map<string, BusInstance>();
  readonly #services = new Map<string, ServiceEntry>();
  readonly #devargs: Devargs[] = [];
  #probeResults: ProbeResult[] = [];
  #state: InstanceState = 'initializing';
  #memory?: EalMemory;
  /** Whether this instance set the main thread's lcore context (the first live instance does). */
  #ownsThreadContext = false;
  #lcores?: Lcores;
  /** The threads this instance pinned (the first instance in the main thread does), to put back at cleanup. */
  #placement?: ThreadPlacement;
  #telemetry?: TelemetryServer;

  /** @internal EAL builds instances through {@link init}. */
  constructor(options: EalOptions, extraDrivers: readonly DriverDescriptor[], argv: EalArgv = { eal: [], app: [] }) {
    this.options = options;
    this.argv = argv;
    this.#extraDrivers = extraDrivers;
  }

  /** The instance's file prefix (`--file-prefix`), which names it among live instances. */
  get filePrefix(): string {
    return this.options.filePrefix;
  }

  /** @internal The CPUs the process had before this instance pinned its threads, when it did. */
  get cpusBeforePinning(): readonly number[] | undefined {
    return this.#placement?.allowed;
  }

  /**
   * The path of the instance's telemetry socket (DPDK's `dpdk_telemetry.v2`, with `:N` when
   * another live instance of the prefix has the plain name), or undefined with `--no-telemetry`.
   */
  get telemetryPath(): string | undefined {
    return this.#telemetry?.path;
  }

  /** Whether `init` has finished and `cleanup` has not started. */
  get running(): boolean {
    return this.#state === 'running';
  }

  /** `dev_driver_list` as this instance saw it at `init` (after `-d` plugins), in registration order. */
  drivers(): readonly DriverDescriptor[] {
    return this.#drivers;
  }

  /** The memory arena every data-path structure of this instance lives in. */
  get arena(): Arena {
    if (!this.#memory) throw new NicError('NIC_ENODEV', `EAL instance "${this.filePrefix}" has no memory (not initialised, or cleaned up)`);
    return this.#memory.arena;
  }

  /** Where the arena's memory came from: `hugetlbfs`, `memfd` or `anonymous` (`--no-huge`). */
  get memorySource(): string {
    return this.#memory?.source ?? 'none';
  }

  /**
   * DPDK's `rte_dump_physmem_layout` plus `rte_memzone_dump`: the arena (size, source, page
   * size, IOVA mode and range) and every memzone carved from it.
   */
  memoryDump(): string {
    const { arena } = this;
    const hex = (n: number): string => `0x${n.toString(16)}`;
    const head =
      `arena: ${arena.size} bytes from ${this.memorySource}, va ${hex(arena.address(0))}, ` +
      `iova ${arena.iovaMode} ${hex(arena.iova(0))}..${hex(arena.iova(arena.size - 1))}`;
    return `${head}\n${memzoneDump(arena)}\n`;
  }

  /** The lcores: ids, states, and the launch API (`remoteLaunch`, `waitLcore`, `mpWaitLcore`). */
  get lcores(): Lcores {
    if (!this.#lcores) throw new NicError('NIC_ENODEV', `EAL instance "${this.filePrefix}" has no lcores (not initialised, or cleaned up)`);
    return this.#lcores;
  }

  /** The bus named `name` (`pci`, `vdev`); a bus nobody registered is `NIC_ENODEV`. */
  bus<T extends BusInstance = BusInstance>(name: string): T {
    const bus = this.#buses.get(name);
    if (!bus) throw new NicError('NIC_ENODEV', `bus "${name}" is not registered (import the package that provides it, or load it with -d)`);
    return bus as T;
  }

  /** Whether a bus named `name` is present. */
  hasBus(name: string): boolean {
    return this.#buses.has(name);
  }

  /** All buses of this instance, in probe order (vdev last). */
  buses(): readonly BusInstance[] {
    return [...this.#buses.values()];
  }

  /** The virtual-device bus. */
  get vdev(): VdevBus {
    return this.bus<VdevBus>(VDEV_BUS);
  }

  /** The state a subsystem's `init` returned; an absent subsystem is `NIC_ENODEV`. */
  service<T>(name: string): T {
    const entry = this.#services.get(name);
    if (!entry) throw new NicError('NIC_ENODEV', `subsystem "${name}" is not running in this EAL instance`);
    return entry.state as T;
  }

  /** Whether a subsystem named `name` is running. */
  hasService(name: string): boolean {
    return this.#services.has(name);
  }

  /** Every device of every bus. */
  devices(): DeviceInfo[] {
    return this.buses().flatMap((b) => b.devices());
  }

  /** The outcome of each probe attempt at `init`. */
  probeResults(): readonly ProbeResult[] {
    return this.#probeResults;
  }

  /** Devargs from `-a`, `-b` and `--vdev` naming a device of `bus`. */
  devargs(bus: string): readonly Devargs[] {
    return this.#devargs.filter((d) => d.bus === bus);
  }

  /**
   * Whether the allow/block policy leaves `name` on `bus` alone: with any `-a` for that bus,
   * only allowed devices are used; otherwise every device but the blocked ones.
   */
  isIgnored(bus: string, name: string): boolean {
    const own = this.devargs(bus);
    const entry = own.find((d) => d.name === name);
    if (own.some((d) => d.policy === 'allow')) return entry?.policy !== 'allow';
    return entry?.policy === 'block';
  }

  /**
   * Claims a device for this instance so no other live instance of the thread uses it.
   * A device another instance holds is `NIC_EBUSY`.
   */
  claimDevice(bus: string, name: string): void {
    const key = `${bus}:${name}`;
    const owner = instances().claims.get(key);
    if (owner && owner !== this) throw new NicError('NIC_EBUSY', `${bus} device ${name} is in use by EAL instance "${owner.filePrefix}"`);
    instances().claims.set(key, this);
  }

  /** Gives up a claim made with {@link claimDevice}. */
  releaseDevice(bus: string, name: string): void {
    const key = `${bus}:${name}`;
    if (instances().claims.get(key) === this) instances().claims.delete(key);
  }

  /**
   * Hotplug (DPDK's `rte_dev_probe`): finds the bus that `devargs` names (`0000:01:00.0,k=v`,
   * `net_ring1`, `bus=pci,addr=...`) and asks it to add and probe the device. A bus without
   * hotplug is `NIC_ENOTSUP`; unknown devices and failed probes are the bus's errors.
   */
  async attach(devargs: string): Promise<void> {
    const bus = this.#busFor(devargs);
    if (!bus.attach) throw new NicError('NIC_ENOTSUP', `bus ${bus.name} does not support hotplug (attach ${devargs})`);
    await bus.attach(devargs);
  }

  /** Hot-unplug (DPDK's `rte_dev_remove`) of the device named `devargs` (its name, or devargs). */
  async detach(devargs: string): Promise<void> {
    const bus = this.#busFor(devargs);
    if (!bus.detach) throw new NicError('NIC_ENOTSUP', `bus ${bus.name} does not support hot-unplug (detach ${devargs})`);
    const { name } = parseDevargs(devargs, { buses: this.#busParsers() });
    await bus.detach(name);
  }

  #busParsers(): { name: string; parse?: (n: string) => string | undefined }[] {
    return this.buses().map((b) => ({ name: b.name, parse: b.parse?.bind(b) }));
  }

  #busFor(devargs: string): BusInstance {
    if (this.#state !== 'running') throw new NicError('NIC_EINVAL', `EAL instance "${this.filePrefix}" is not running`);
    const { bus } = parseDevargs(devargs, { buses: this.#busParsers() });
    if (bus === undefined) throw new NicError('NIC_EINVAL', `"${devargs}" names no bus`);
    return this.bus(bus);
  }

  /**
   * Undoes `init`: removes devices (buses in reverse), stops subsystems in reverse, releases
   * claims. Safe to call twice; a new `init` with the same file prefix may follow.
   */
  async cleanup(): Promise<void> {
    if (this.#state === 'cleaned' || this.#state === 'cleaning') return;
    this.#state = 'cleaning';
    const errors: unknown[] = [];
    try {
      this.#telemetry?.stop();
      if (this.#telemetry) removeRuntimeDir(dirname(this.#telemetry.path));
    } catch (e) {
      errors.push(e);
    }
    this.#telemetry = undefined;
    await this.#lcores?.stop().catch((e: unknown) => errors.push(e));
    this.#lcores = undefined;
    try {
      this.#placement?.restore();
    } catch (e) {
      errors.push(e);
    }
    this.#placement = undefined;
    for (const bus of [...this.#buses.values()].reverse()) {
      try {
        await bus.cleanup();
      } catch (e) {
        errors.push(e);
      }
    }
    for (const [name, entry] of [...this.#services].reverse()) {
      try {
        await entry.descriptor.cleanup?.(this, entry.state);
      } catch (e) {
        errors.push(e);
      }
      this.#services.delete(name);
    }
    this.#buses.clear();
    if (this.#memory) {
      if (this.#ownsThreadContext) setLcoreContext(LCORE_ID_ANY, undefined);
      this.#memory.mapping.unmap();
      this.#memory = undefined;
    }
    const { byPrefix, claims } = instances();
    for (const [key, owner] of claims) if (owner === this) claims.delete(key);
    if (byPrefix.get(this.filePrefix) === this) byPrefix.delete(this.filePrefix);
    if (byPrefix.size === 0) resetLogLevels();
    this.#state = 'cleaned';
    if (errors.length > 0) throw new NicError('NIC_EIO', `EAL cleanup: ${errors.length} step(s) failed`, { cause: errors[0] });
  }

  /** @internal Runs the init stages; on failure the caller cleans up. */
  async start(): Promise<void> {
    for (const spec of this.options.plugins) await loadPlugin(spec);
    this.#drivers = mergeDrivers(registeredDrivers(), this.#extraDrivers);
    this.#createBuses();
    this.#resolveDevargs();
    for (const bus of this.#buses.values()) await bus.scan();
    this.#memory = reserveMemory(this.options);
    this.#ownsThreadContext = lcoreId() === LCORE_ID_ANY;
    if (this.#ownsThreadContext) setLcoreContext(this.options.mainLcore, this.#memory.arena);
    await this.#startSubsystems('alarm');
    await this.#devInit();
    await this.#startSubsystems('interrupts');
    // Only the process's main thread places the others: an instance in a worker thread would
    // move the lcores of one in the main thread.
    if (isMainThread && this.#ownsThreadContext && instances().byPrefix.size === 1) {
      const main = this.options.lcores.find((l) => l.id === this.options.mainLcore);
      if (main) this.#placement = ThreadPlacement.apply(main, this.options.lcores);
    }
    this.#lcores = await Lcores.start(this.options.mainLcore, this.options.lcores, this.#memory.arena, this.options.plugins);
    for (const bus of this.#buses.values()) this.#probeResults.push(...(await bus.probe()));
    for (const r of this.#probeResults) {
      if (r.outcome === 'failed') log.err(`probe of ${r.device} by ${r.driver ?? '?'} failed: ${r.error?.message ?? 'unknown error'}`);
    }
    if (this.options.telemetry) this.#startTelemetry();
    this.#state = 'running';
  }

  /** Serves telemetry, last in `init` as in DPDK, so every port and pool is there to report. */
  #startTelemetry(): void {
    registerTelemetryBuiltins();
    registerEalTelemetry();
    registerMempoolTelemetry();
    for (let attempt = 1; ; attempt++) {
      try {
        this.#telemetry = TelemetryServer.start(this, createRuntimeDir(this.filePrefix), TELEMETRY_VERSION);
        return;
      } catch (e) {
        // Another instance of the prefix may remove the directory, empty, between our mkdir and bind.
        if (e instanceof NicError && e.code === 'NIC_ENOENT' && attempt < RUNTIME_DIR_ATTEMPTS) continue;
        throw new NicError(e instanceof NicError ? e.code : 'NIC_EIO', `telemetry: ${(e as Error).message} (--no-telemetry runs without it)`, { cause: e });
      }
    }
  }

  #createBuses(): void {
    for (const descriptor of registeredBuses()) this.#buses.set(descriptor.name, descriptor.create(this));
    this.#buses.set(VDEV_BUS, new VdevBus(this));
  }

  #resolveDevargs(): void {
    const buses = this.#busParsers();
    const add = (policy: Devargs['policy'], text: string) => this.#devargs.push({ ...parseDevargs(text, { buses }), policy });
    for (const text of this.options.allow) add('allow', text);
    for (const text of this.options.block) add('block', text);
    for (const text of this.options.vdevs) this.#devargs.push({ ...parseDevargs(text, { buses }, { bus: VDEV_BUS }), policy: 'allow' });
  }

  async #devInit(): Promise<void> {
    for (const d of this.devargs(VDEV_BUS)) await this.vdev.create(d.name, d.args);
    for (const driver of this.#drivers) if (driver.type === 'pdev') await driver.init(this);
  }

  async #startSubsystems(stage: SubsystemStage): Promise<void> {
    for (const s of registeredSubsystems()) {
      if (s.stage !== stage) continue;
      this.#services.set(s.name, { descriptor: s, state: await s.init(this) });
    }
  }
}

function mergeDrivers(global: readonly DriverDescriptor[], extra: readonly DriverDescriptor[]): DriverDescriptor[] {
  const list = [...global];
  for (const d of extra) {
    const same = list.find((x) => x.name === d.name);
    if (same === d) continue;
    if (same) throw new NicError('NIC_EEXIST', `driver "${d.name}" is already registered by another package`);
    list.push(d);
  }
  return list;
}

/**
 * The CPUs this process may run on, ascending, which EAL numbers lcores from (DPDK's rule):
 * the calling thread's CPU affinity set (`sched_getaffinity`, e.g. narrowed by `taskset`),
 * or, while an instance has pinned this thread to its main lcore, the set it had before.
 * `-l`/`-c` may name no other CPU; `lcoresOnCpus(count, processCpus())` is an `-l` value for
 * `count` lcores that holds on any machine.
 */
export function processCpus(): number[] {
  const pinned = [...instances().byPrefix.values()].find((e) => e.cpusBeforePinning)?.cpusBeforePinning;
  return [...(pinned ?? getAffinity())];
}

/**
 * Initialises an EAL instance from DPDK's EAL command line (`argv` without the program
 * name). Stops at `--`. Lcores run on {@link processCpus} (the default: one per CPU there);
 * malformed options, and `-l`/`-c` naming another CPU, are `NIC_EINVAL`; a live instance with the same
 * `--file-prefix` is `NIC_EBUSY`. `-h` prints the usage and exits the process, as DPDK does.
 */
export async function init(argv: readonly string[], opts: InitOptions = {}): Promise<InitResult> {
  const { consumed, options } = parseEalArgs(argv, { cpus: processCpus() });
  if (options.help) {
    (opts.stdout ?? process.stdout).write(ealUsage(opts.programName ?? basename(process.argv[1] ?? 'nic')));
    process.exit(0);
  }
  const { byPrefix } = instances();
  if (byPrefix.has(options.filePrefix)) {
    throw new NicError('NIC_EBUSY', `EAL instance "${options.filePrefix}" is already initialised (cleanup() it first, or use another --file-prefix)`);
  }
  for (const rule of options.logLevels) applyLogRule(rule.level, rule.pattern, rule.kind);
  if (options.version) log.notice(`nic version ${NIC_VERSION}`);

  const programName = opts.programName ?? basename(process.argv[1] ?? 'nic');
  const ealArgs = argv.slice(0, consumed).filter((a, i) => !(i === consumed - 1 && a === '--'));
  const eal = new Eal(options, opts.drivers ?? [], { eal: [programName, ...ealArgs], app: argv.slice(consumed) });
  byPrefix.set(options.filePrefix, eal);
  try {
    await eal.start();
  } catch (e) {
    await eal.cleanup().catch(() => undefined);
    throw e;
  }
  return { consumed, eal };
}

function applyLogRule(level: number, pattern: string | undefined, kind: 'glob' | 'regex'): void {
  setLogLevel(level as LogLevel, pattern === undefined ? undefined : kind === 'regex' ? new RegExp(pattern) : pattern);
}
