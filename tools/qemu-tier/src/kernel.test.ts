import { describe, expect, it } from 'vitest';
import { moduleLoadOrder } from './kernel.js';

const MODULES_DEP = [
  'kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko kernel/drivers/vfio/vfio.ko',
  'kernel/drivers/vfio/pci/vfio-pci-core.ko: kernel/drivers/vfio/vfio.ko',
  'kernel/drivers/vfio/vfio.ko:',
  'kernel/drivers/vfio/vfio_iommu_type1.ko: kernel/drivers/vfio/vfio.ko',
  '',
].join('\n');

describe('moduleLoadOrder', () => {
  it('puts every dependency before its user, each module once, dashes and underscores alike', () => {
    expect(moduleLoadOrder(MODULES_DEP, ['vfio_pci', 'vfio-iommu-type1'])).toEqual([
      'kernel/drivers/vfio/vfio.ko',
      'kernel/drivers/vfio/pci/vfio-pci-core.ko',
      'kernel/drivers/vfio/pci/vfio-pci.ko',
      'kernel/drivers/vfio/vfio_iommu_type1.ko',
    ]);
  });

  it('names a module that modules.dep lacks', () => {
    expect(() => moduleLoadOrder(MODULES_DEP, ['igb'])).toThrow(expect.objectContaining({ code: 'NIC_ENOENT', message: expect.stringMatching(/igb/) }));
  });
});
