/** A test fixture of modelled 82576 ports visible to nic's PCI bus (see {@link ModelBench}). */
import { ModelBench, type ModelBenchOptions } from '../model/bench.js';
import { IgbModelBackend } from './backend.js';
import type { IgbModel } from './model.js';

/** Options of {@link IgbModelBench.create}. */
export type IgbModelBenchOptions = ModelBenchOptions;

/** Modelled 82576 ports in a fake sysfs tree, served by a registered {@link IgbModelBackend}. */
export class IgbModelBench extends ModelBench<IgbModel> {
  /** Builds the tree, registers the backend and points the environment at the tree. */
  static async create(options: IgbModelBenchOptions = {}): Promise<IgbModelBench> {
    return new IgbModelBench(() => new IgbModelBackend(), options, 'igb');
  }
}
