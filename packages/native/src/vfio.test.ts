import { describe, expect, it } from 'vitest';
import {
  allocAnonymous,
  NicError,
  VFIO,
  closeFd,
  eventfd,
  vfioCheckExtension,
  vfioDeviceGetInfo,
  vfioDeviceGetIrqInfo,
  vfioDeviceGetRegionInfo,
  vfioDeviceReset,
  vfioDeviceSetIrqs,
  vfioGetApiVersion,
  vfioGroupGetDeviceFd,
  vfioGroupGetStatus,
  vfioGroupSetContainer,
  vfioGroupUnsetContainer,
  vfioIommuMapDma,
  vfioIommuUnmapDma,
  vfioOpenContainer,
  vfioOpenGroup,
  vfioSetIommu,
} from './index.js';

const ENOTTY = 25;

describe('VFIO', () => {
  it('exports the constants of <linux/vfio.h>', () => {
    expect(VFIO).toMatchObject({
      VFIO_API_VERSION: 0,
      VFIO_TYPE1_IOMMU: 1,
      VFIO_TYPE1v2_IOMMU: 3,
      VFIO_NOIOMMU_IOMMU: 8,
      VFIO_PCI_BAR0_REGION_INDEX: 0,
      VFIO_PCI_CONFIG_REGION_INDEX: 7,
      VFIO_PCI_INTX_IRQ_INDEX: 0,
      VFIO_PCI_MSI_IRQ_INDEX: 1,
      VFIO_PCI_MSIX_IRQ_INDEX: 2,
      VFIO_IRQ_SET_DATA_EVENTFD: 4,
      VFIO_IRQ_SET_ACTION_TRIGGER: 32,
    });
    expect(Object.isFrozen(VFIO)).toBe(true);
  });

  // The real container, group, device and its interrupts need /dev/vfio and a device, which
  // CI's host has not: they run in the QEMU guest (pmd-igb's guest.test.ts, kernel paths).
  it('names the container node it cannot open', () => {
    expect(() => vfioOpenContainer('/nonexistent/vfio')).toThrow(
      expect.objectContaining({ code: 'NIC_ENOENT', errno: 2, syscall: 'open', message: expect.stringContaining('/nonexistent/vfio') }),
    );
  });

  it('opens groups by number, name or path', () => {
    expect(() => vfioOpenGroup(987654)).toThrow(expect.objectContaining({ code: 'NIC_ENOENT', message: expect.stringContaining('/dev/vfio/987654') }));
    expect(() => vfioOpenGroup('noiommu-987654')).toThrow(/\/dev\/vfio\/noiommu-987654/);
    expect(() => vfioOpenGroup('/nonexistent/group')).toThrow(/\/nonexistent\/group/);
    expect(() => vfioOpenGroup({} as unknown as number)).toThrow(TypeError);
  });

  it('reports each ioctl refused by a non-VFIO fd, with its name', () => {
    const fd = eventfd();
    // DMA ranges must lie in nic memory before the ioctl is tried at all.
    const memory = allocAnonymous(4096);
    const calls: [string, () => unknown][] = [
      ['VFIO_GET_API_VERSION', () => vfioGetApiVersion(fd)],
      ['VFIO_CHECK_EXTENSION', () => vfioCheckExtension(fd, VFIO.VFIO_TYPE1_IOMMU)],
      ['VFIO_SET_IOMMU', () => vfioSetIommu(fd, VFIO.VFIO_TYPE1_IOMMU)],
      ['VFIO_GROUP_GET_STATUS', () => vfioGroupGetStatus(fd)],
      ['VFIO_GROUP_SET_CONTAINER', () => vfioGroupSetContainer(fd, fd)],
      ['VFIO_GROUP_UNSET_CONTAINER', () => vfioGroupUnsetContainer(fd)],
      ['VFIO_GROUP_GET_DEVICE_FD', () => vfioGroupGetDeviceFd(fd, '0000:01:00.0')],
      ['VFIO_DEVICE_GET_INFO', () => vfioDeviceGetInfo(fd)],
      ['VFIO_DEVICE_GET_REGION_INFO', () => vfioDeviceGetRegionInfo(fd, VFIO.VFIO_PCI_BAR0_REGION_INDEX)],
      ['VFIO_DEVICE_GET_IRQ_INFO', () => vfioDeviceGetIrqInfo(fd, VFIO.VFIO_PCI_MSIX_IRQ_INDEX)],
      ['VFIO_DEVICE_SET_IRQS', () => vfioDeviceSetIrqs(fd, VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [fd])],
      ['VFIO_DEVICE_SET_IRQS', () => vfioDeviceSetIrqs(fd, VFIO.VFIO_PCI_INTX_IRQ_INDEX, 0, 'unmask')],
      ['VFIO_DEVICE_SET_IRQS', () => vfioDeviceSetIrqs(fd, VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'disable')],
      ['VFIO_DEVICE_RESET', () => vfioDeviceReset(fd)],
      ['VFIO_IOMMU_MAP_DMA', () => vfioIommuMapDma(fd, memory.address, 0x1000, 0x1000)],
      ['VFIO_IOMMU_UNMAP_DMA', () => vfioIommuUnmapDma(fd, 0x1000, 0x1000)],
    ];
    for (const [name, call] of calls) {
      expect(call, name).toThrow(
        expect.objectContaining({ name: 'NicError', errno: ENOTTY, syscall: 'ioctl', message: expect.stringContaining(`${name} on fd ${fd}`) }),
      );
    }
    closeFd(fd);
    memory.unmap();
  });

  it('checks arguments before any ioctl', () => {
    const fd = eventfd();
    const invalid = expect.objectContaining({ code: 'NIC_EINVAL' });
    expect(() => vfioDeviceGetInfo(-1)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', errno: 9 }));
    expect(() => vfioDeviceGetInfo('3' as unknown as number)).toThrow(TypeError);
    expect(() => vfioDeviceGetRegionInfo(fd, -1)).toThrow(invalid);
    expect(() => vfioDeviceGetRegionInfo(fd, 2 ** 32)).toThrow(invalid);
    expect(() => vfioGroupGetDeviceFd(fd, '')).toThrow(invalid);
    expect(() => vfioDeviceSetIrqs(fd, 2, 0, [fd, -2])).toThrow(invalid);
    expect(() => vfioDeviceSetIrqs(fd, 2, 0, new Array(2049).fill(-1))).toThrow(invalid);
    expect(() => vfioDeviceSetIrqs(fd, 2, 0, 'bogus' as 'mask')).toThrow(TypeError);
    expect(() => vfioDeviceSetIrqs(fd, 2, 0, 'mask', -1)).toThrow(invalid);
    expect(() => vfioIommuMapDma(fd, -4096, 0, 4096)).toThrow(invalid);
    expect(() => vfioIommuMapDma(fd, 4096, 2 ** 53, 4096)).toThrow(invalid);
    expect(() => vfioIommuUnmapDma(fd, 0, Number.NaN)).toThrow(invalid);
    expect(() => vfioSetIommu(fd, 1.5)).toThrow(NicError);
    closeFd(fd);
  });
});
