/**
 * A test fixture: modelled ports in a fake sysfs tree, served by a registered
 * {@link ModelBackend}, with the environment pointing PCI scans at the tree, and EAL
 * instances started against it.
 */
import { init, type Eal, type InitOptions } from '@nic/eal';
import { NIC_DEV_ROOT_ENV, registerPciBackend, SYSFS_PCI_DEVICES_ENV } from '@nic/pci/driver';
import { NicError } from '@nic/native';
import type { ModelBackend } from './backend.js';
import type { PciModel } from './pci-model.js';
import { withDefaultLcores } from '../lcores.js';
import { ModelWire, type WirePort } from './wire.js';

/** Options of a bench's `create`. */
export interface ModelBenchOptions {
  /** Ports to model, 1 to 16; default 1. They get addresses `0000:<bus>:00.0` from bus 0x10. */
  readonly ports?: number;
  /** Join ports 0 and 1 with a {@link ModelWire} ({@link ModelBench.wire}); needs two ports. */
  readonly wire?: boolean;
}

/** EAL arguments {@link ModelBench.init} puts before the caller's (and lcore 0, unless the caller chooses lcores). */
export const BENCH_EAL_ARGS: readonly string[] = ['--no-huge', '-m', '64'];
const MAX_PORTS = 16;
const FIRST_BUS = 0x10;
const HEX = 16;

let benches = 0;

/** Modelled ports visible to nic's PCI bus. {@link close} undoes everything. */
export class ModelBench<M extends PciModel & WirePort, O extends object = object> {
  /** The backend serving the ports. */
  readonly backend: ModelBackend<M, O>;
  /** PCI addresses of the ports, in port order. */
  readonly addresses: readonly string[];
  /** The models, in port order. */
  readonly models: readonly M[];
  /** The cable between ports 0 and 1 when asked for. */
  readonly wire: ModelWire<M, M> | undefined;
  /** The environment that points a PCI scan at the tree (set in this process while the bench lives). */
  readonly env: Readonly<Record<string, string>>;
  readonly #unregister: () => void;
  readonly #saved: Record<string, string | undefined> = {};
  readonly #eals: Eal[] = [];
  readonly #id = benches++;
  readonly #tag: string;
  #instances = 0;

  /**
   * Serves `options.ports` ports, each made with `modelOptions`, of a backend `makeBackend`
   * makes (owned by the bench); `tag` names it in messages and file prefixes.
   */
  protected constructor(makeBackend: () => ModelBackend<M, O>, options: ModelBenchOptions, tag: string, modelOptions?: O) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${tag} bench: options must be an object`);
    const ports = options.ports ?? 1;
    if (!Number.isInteger(ports) || ports < 1 || ports > MAX_PORTS) throw new NicError('NIC_EINVAL', `${tag} bench: ports must be 1 to ${MAX_PORTS}, not ${String(ports)}`);
    if (options.wire && ports < 2) throw new NicError('NIC_EINVAL', `${tag} bench: a wire needs two ports`);
    this.#tag = tag;
    this.backend = makeBackend();
    const devices = Array.from({ length: ports }, (_, i) => this.backend.addDevice(`0000:${(FIRST_BUS + i).toString(HEX).padStart(2, '0')}:00.0`, modelOptions));
    this.addresses = devices.map((d) => d.address);
    this.models = devices.map((d) => d.model);
    this.wire = options.wire ? new ModelWire(this.models[0], this.models[1]) : undefined;
    this.env = { [SYSFS_PCI_DEVICES_ENV]: this.backend.sysfs.devicesPath, [NIC_DEV_ROOT_ENV]: this.backend.sysfs.devRoot };
    for (const [key, value] of Object.entries(this.env)) {
      this.#saved[key] = process.env[key];
      process.env[key] = value;
    }
    this.#unregister = registerPciBackend(this.backend);
  }

  /**
   * Starts an EAL instance with {@link BENCH_EAL_ARGS}, its own file prefix, then `args`
   * (add `-a <address>` to name ports), with lcore 0 on a CPU of the process's affinity set
   * unless `args` choose lcores; {@link close} cleans it up.
   */
  async init(args: readonly string[], options?: InitOptions): Promise<Eal> {
    const prefix = `${this.#tag}-bench-${process.pid}-${this.#id}-${this.#instances++}`;
    const { eal } = await init([...BENCH_EAL_ARGS, '--file-prefix', prefix, ...withDefaultLcores(args)], options);
    this.#eals.push(eal);
    return eal;
  }

  /** Cleans up the EAL instances it started, cuts the wire, unregisters the backend, removes the tree, restores the environment. */
  async close(): Promise<void> {
    try {
      for (const eal of this.#eals.splice(0).reverse()) await eal.cleanup();
    } finally {
      this.wire?.disconnect();
      this.#unregister();
      this.backend.sysfs.remove();
      for (const [key, value] of Object.entries(this.#saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }
}
