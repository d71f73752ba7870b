/**
 * The PCI device backend serving modelled 82576 ports (see {@link ModelBackend}): each
 * port appears in a fake sysfs tree bound to vfio-pci, BAR0 128 KiB of registers and
 * BAR3 16 KiB of MSI-X table.
 */
import { FakeSysfs } from '@nic/pci/testing';
import { ModelBackend, type ModelDevice } from '../model/backend.js';
import { IgbModel, type IgbModelOptions } from './model.js';

/** One modelled 82576 port the backend serves. */
export type IgbModelDevice = ModelDevice<IgbModel>;

/** Serves modelled 82576 ports; register it with `registerPciBackend`. */
export class IgbModelBackend extends ModelBackend<IgbModel, Omit<IgbModelOptions, 'dma'>> {
  /** A backend whose ports appear in `sysfs` (default: a new tree, removed by the owner). */
  constructor(sysfs: FakeSysfs = new FakeSysfs('nic-igb-model-')) {
    super('igb model', (options) => new IgbModel(options), sysfs);
  }
}
