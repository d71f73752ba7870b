/** A test fixture of modelled 82599 ports visible to nic's PCI bus (see {@link ModelBench}). */
import { ModelBench, type ModelBenchOptions } from '../model/bench.js';
import { IxgbeModelBackend } from './backend.js';
import type { IxgbeDevice, IxgbeModel, IxgbeModelOptions } from './model.js';

/** Options of {@link IxgbeModelBench.create}. */
export interface IxgbeModelBenchOptions extends ModelBenchOptions {
  /** The part every port models; default `'82599'`. */
  readonly device?: IxgbeDevice;
}

/** Modelled 82599 (or X540) ports in a fake sysfs tree, served by a registered {@link IxgbeModelBackend}. */
export class IxgbeModelBench extends ModelBench<IxgbeModel, Omit<IxgbeModelOptions, 'dma'>> {
  /** Builds the tree, registers the backend and points the environment at the tree. */
  static async create(options: IxgbeModelBenchOptions = {}): Promise<IxgbeModelBench> {
    return new IxgbeModelBench(() => new IxgbeModelBackend(), options, 'ixgbe', { device: options?.device });
  }
}
