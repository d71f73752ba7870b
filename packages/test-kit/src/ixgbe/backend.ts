/**
 * The PCI device backend serving modelled 82599 ports (see {@link ModelBackend}): each
 * port appears in a fake sysfs tree bound to vfio-pci, BAR0 128 KiB of registers and BAR4
 * 16 KiB of MSI-X table, both 64-bit.
 */
import { FakeSysfs } from '@nic/pci/testing';
import { ModelBackend, type ModelDevice } from '../model/backend.js';
import { IxgbeModel, type IxgbeModelOptions } from './model.js';

/** One modelled 82599 port the backend serves. */
export type IxgbeModelDevice = ModelDevice<IxgbeModel>;

/** Serves modelled 82599 ports; register it with `registerPciBackend`. */
export class IxgbeModelBackend extends ModelBackend<IxgbeModel, Omit<IxgbeModelOptions, 'dma'>> {
  /** A backend whose ports appear in `sysfs` (default: a new tree, removed by the owner). */
  constructor(sysfs: FakeSysfs = new FakeSysfs('nic-ixgbe-model-')) {
    super('ixgbe model', (options) => new IxgbeModel(options), sysfs);
  }
}
