// Runs inside the QEMU guest of the hardware-model tier: the kernel paths the host of the
// unit tests lacks, on one igb function bound to vfio-pci (node kernel-paths.mjs <pci>).
//
// - VFIO through @nic/native: the container, the group, the device, its regions and
//   interrupt kinds, a DMA window mapped and unmapped;
// - interrupts through @nic/intr's handles on that device: INTx (VFIO_LEGACY: the kernel
//   masks the line on each interrupt, ack unmasks it) and MSI (VFIO_MSI), each raised by
//   the device itself (an interrupt cause written to ICS);
// - a 1 GiB hugepage (the guest boots with one reserved).
//
// Prints one line, RESULT <json>, or FAIL <message> (exit status 1).
import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { setImmediate } from 'node:timers';
import { IntrHandle, IntrHandleType } from '@nic/intr/driver';
import {
  allocAnonymous,
  allocHugepages,
  closeFd,
  eventfd,
  eventfdRead,
  HUGEPAGE_1G,
  hugepagePool,
  mapFd,
  pread,
  pwrite,
  VFIO,
  vfioCheckExtension,
  vfioDeviceGetInfo,
  vfioDeviceGetIrqInfo,
  vfioDeviceGetRegionInfo,
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
  virtToPhys,
} from '@nic/native';

const [addr] = process.argv.slice(2);
const WAIT_MS = 60_000;
/** 82576 registers (byte offsets in BAR0) and the link-status-change cause. */
const ICR = 0x00c0;
const ICS = 0x00c8;
const IMS = 0x00d0;
const IMC = 0x00d8;
const ICR_LSC = 0x4;
/** PCI Command register and its memory-space and bus-master bits (MSI is a memory write). */
const PCI_COMMAND = 4;
const COMMAND_MEMORY_MASTER = 0x6;
const DMA_IOVA = 0x1000_0000;
/** The base page size, the step between the physical addresses of a 1 GiB page's first and last pages. */
const SMALL_PAGE = 4096;
const DMA_LENGTH = 2 * 1024 * 1024;

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The eventfd's count once it is non-zero (the interrupt arrived), or a timeout. */
async function nextEvent(fd, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const n = eventfdRead(fd);
    if (n > 0) return n;
    if (Date.now() > deadline) throw new Error(`no interrupt within ${WAIT_MS} ms: ${what}`);
    await tick();
  }
}

const codeOf = (fn) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    return e.code ?? String(e);
  }
};

async function vfioPaths(result) {
  const container = vfioOpenContainer();
  const groupNo = Number(basename(readlinkSync(`/sys/bus/pci/devices/${addr}/iommu_group`)));
  const group = vfioOpenGroup(groupNo);
  result.vfio = { apiVersion: vfioGetApiVersion(container), type1v2: vfioCheckExtension(container, VFIO.VFIO_TYPE1v2_IOMMU) };
  result.vfio.groupBefore = vfioGroupGetStatus(group);
  vfioGroupSetContainer(group, container);
  vfioSetIommu(container, VFIO.VFIO_TYPE1v2_IOMMU);
  result.vfio.groupAfter = vfioGroupGetStatus(group);
  const device = vfioGroupGetDeviceFd(group, addr);
  const info = vfioDeviceGetInfo(device);
  const bar0 = vfioDeviceGetRegionInfo(device, VFIO.VFIO_PCI_BAR0_REGION_INDEX);
  const config = vfioDeviceGetRegionInfo(device, VFIO.VFIO_PCI_CONFIG_REGION_INDEX);
  const irqs = Object.fromEntries(
    [['intx', VFIO.VFIO_PCI_INTX_IRQ_INDEX], ['msi', VFIO.VFIO_PCI_MSI_IRQ_INDEX], ['msix', VFIO.VFIO_PCI_MSIX_IRQ_INDEX]].map(([name, index]) => {
      const irq = vfioDeviceGetIrqInfo(device, index);
      return [name, { count: irq.count, eventfd: irq.eventfd, automasked: irq.automasked }];
    }),
  );
  result.vfio.device = { pci: info.pci, numRegions: info.numRegions, numIrqs: info.numIrqs, bar0: { size: bar0.size, mappable: bar0.mappable }, configSize: config.size, irqs };

  // A DMA window: held while mapped (the memory cannot be unmapped under the device).
  const memory = allocAnonymous(DMA_LENGTH);
  vfioIommuMapDma(container, memory.address, DMA_IOVA, DMA_LENGTH);
  const unmapWhileMapped = codeOf(() => memory.unmap());
  const unmapped = vfioIommuUnmapDma(container, DMA_IOVA, DMA_LENGTH);
  memory.unmap();
  result.vfio.dma = { unmapWhileMapped, unmapped };

  const command = new Uint8Array(2);
  pread(device, command, config.offset + PCI_COMMAND);
  command[0] |= COMMAND_MEMORY_MASTER;
  pwrite(device, command, config.offset + PCI_COMMAND);
  const bar = mapFd(device, { offset: bar0.offset, length: bar0.size, writable: true });
  const regs = new Uint32Array(bar.buffer);
  const reg = (offset) => regs[offset >>> 2];
  const write = (offset, value) => void (regs[offset >>> 2] = value);
  write(IMC, 0xffffffff);
  reg(ICR);
  write(IMS, ICR_LSC);
  try {
    result.intx = await intxPath(device, reg, write);
    result.msi = await msiPath(device, reg, write);
  } finally {
    write(IMC, 0xffffffff);
    bar.unmap();
    closeFd(device);
    vfioGroupUnsetContainer(group);
    closeFd(group);
    closeFd(container);
  }
}

/**
 * INTx: the kernel masks the line on each interrupt, so a cause left pending comes back only
 * through ack (VFIO's unmask, which re-signals a line still asserted); once the cause is
 * read away, ack unmasks for good and the next cause interrupts again.
 */
async function intxPath(device, reg, write) {
  const fd = eventfd(0, { nonblock: true });
  const handle = new IntrHandle({ type: IntrHandleType.VFIO_LEGACY, fd, devFd: device });
  try {
    handle.enable();
    write(ICS, ICR_LSC);
    const first = await nextEvent(fd, 'INTx after ICS');
    handle.ack();
    const stillAsserted = await nextEvent(fd, 'INTx re-signalled by ack while the cause is pending');
    const cause = reg(ICR);
    handle.ack();
    write(ICS, ICR_LSC);
    const again = await nextEvent(fd, 'INTx after ack and a new cause');
    reg(ICR);
    handle.ack();
    handle.mask();
    handle.unmask();
    handle.disable();
    return { first, stillAsserted, cause, again };
  } finally {
    closeFd(fd);
  }
}

/** MSI: one message per new cause; nothing to acknowledge, and VFIO cannot mask it. */
async function msiPath(device, reg, write) {
  const fd = eventfd(0, { nonblock: true });
  const handle = new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd, devFd: device });
  try {
    handle.enable();
    write(ICS, ICR_LSC);
    const first = await nextEvent(fd, 'MSI after ICS');
    const cause = reg(ICR);
    handle.ack();
    write(ICS, ICR_LSC);
    const again = await nextEvent(fd, 'MSI after a second cause');
    reg(ICR);
    const mask = codeOf(() => handle.mask());
    handle.disable();
    return { first, cause, again, mask };
  } finally {
    closeFd(fd);
  }
}

/** A 1 GiB page: allocated from the pool the guest reserved, one physically contiguous, aligned gigabyte; two are refused. */
function gigantic(result) {
  const pool = hugepagePool(HUGEPAGE_1G);
  const m = allocHugepages(HUGEPAGE_1G, { pageSize: HUGEPAGE_1G, method: 'memfd' });
  // Touch both ends: the whole gigabyte is backed.
  const bytes = new Uint8Array(m.buffer);
  bytes[0] = 1;
  bytes[HUGEPAGE_1G - 1] = 2;
  const first = virtToPhys(m.address);
  const last = virtToPhys(m.address + HUGEPAGE_1G - SMALL_PAGE);
  const tooMany = codeOf(() => allocHugepages(2 * HUGEPAGE_1G, { pageSize: HUGEPAGE_1G, method: 'memfd' }));
  m.unmap();
  result.hugepage1G = { pool: pool && { total: pool.total, free: pool.free }, aligned: first % HUGEPAGE_1G === 0, contiguous: last - first === HUGEPAGE_1G - SMALL_PAGE, tooMany };
}

try {
  const result = {};
  await vfioPaths(result);
  gigantic(result);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} catch (e) {
  process.stdout.write(`FAIL ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
}
