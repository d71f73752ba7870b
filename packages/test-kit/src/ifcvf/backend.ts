/**
 * The PCI device backend serving modelled IFC VFs (see {@link ModelBackend}): each function
 * appears in a fake sysfs tree bound to vfio-pci with its own DMA space, so a driver can open
 * it into a private container as DPDK's IFCVF driver does.
 */
import { FakeSysfs } from '@nic/pci/testing';
import { ModelBackend, type ModelDevice } from '../model/backend.js';
import { IfcvfModel, type IfcvfModelOptions } from './model.js';

/** One modelled IFC VF the backend serves. */
export type IfcvfModelDevice = ModelDevice<IfcvfModel>;

/** Serves modelled IFC VFs; register it with `registerPciBackend`. */
export class IfcvfModelBackend extends ModelBackend<IfcvfModel, Omit<IfcvfModelOptions, 'dma' | 'name'>> {
  /** A backend whose functions appear in `sysfs` (default: a new tree, removed by the owner). */
  constructor(sysfs: FakeSysfs = new FakeSysfs('nic-ifcvf-model-')) {
    super('ifcvf model', (options) => new IfcvfModel(options), sysfs, { dmaPerDevice: true });
  }
}
