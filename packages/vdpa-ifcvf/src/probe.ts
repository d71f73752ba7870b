/**
 * net_ifcvf's PCI driver (DPDK's `ifcvf_pci_probe` / `ifcvf_pci_remove`): takes a function
 * only with `vdpa=1`, opens it into a private VFIO container, maps its BARs, walks its
 * virtio capabilities, reads features and queue count, and registers it as a vDPA device.
 */
import { NicError } from '@nic/native';
import { hasNarrowAccess, matchId, vendorCapabilities, type PciDevice, type PciDriver, type PciId, type PciProbeReturn } from '@nic/pci/driver';
import { registerVdpaDevice, unregisterVdpaDevice, type VdpaDevice } from '@nic/vdpa/driver';
import { IfcvfHw, type IfcvfBar } from './base/hw.js';
import { IFCVF_LM_BAR } from './base/lm.js';
import * as V from './base/virtio.js';
import { parseIfcvfDevargs } from './devargs.js';
import { IFCVF_ID_TABLE, IFCVF_VIRTIO_OPT_IN_IDS, isNetId } from './ids.js';
import { IfcvfVdpa } from './vdpa-device.js';

/** The driver's name. */
export const NET_IFCVF = 'net_ifcvf';
/** Queue pairs (net) or queues (blk) served at most (DPDK's IFCVF_MAX_QUEUES). */
export const IFCVF_MAX_QUEUES = 32;
/** Probe's answer for a function that is not for vDPA. */
const NOT_MINE = 1;
const BAR_COUNT = 6;

interface Probed {
  readonly vdpa: VdpaDevice;
  readonly device: IfcvfVdpa;
}

const probed = new Map<PciDevice, Probed>();

/** The vDPA side of a probed function (for tests and the app). */
export function ifcvfDevice(dev: PciDevice): IfcvfVdpa | undefined {
  return probed.get(dev)?.device;
}

function mapBars(dev: PciDevice): (IfcvfBar | undefined)[] {
  const bars: (IfcvfBar | undefined)[] = [];
  for (let i = 0; i < BAR_COUNT; i++) {
    const bar = dev.bars[i];
    if (bar?.kind !== 'mem' || bar.length === 0) continue;
    const mapping = dev.mapBar(i);
    if (!hasNarrowAccess(mapping.regs)) throw new NicError('NIC_ENOTSUP', `${dev.name}: BAR ${i} cannot be accessed 8 and 16 bits wide`);
    bars[i] = { regs: mapping.regs, length: mapping.length };
  }
  return bars;
}

function queueCount(dev: PciDevice, hw: IfcvfHw, net: boolean): number {
  if (net) {
    const numQueues = hw.numQueues();
    // One virtqueue is the control queue; the rest are rx/tx pairs.
    const pairs = Math.floor((numQueues - 1) / 2);
    if (pairs < 1) throw new NicError('NIC_EINVAL', `${dev.name}: the device has ${numQueues} virtqueues, too few for one queue pair and the control queue`);
    return Math.min(IFCVF_MAX_QUEUES, pairs);
  }
  const queues = new DataView(hw.deviceConfig(V.VIRTIO_BLK_CFG_NUM_QUEUES, 2).buffer).getUint16(0, true);
  if (queues < 1) throw new NicError('NIC_EINVAL', `${dev.name}: the blk device reports no queues`);
  return Math.min(IFCVF_MAX_QUEUES, queues);
}

async function probe(dev: PciDevice): Promise<PciProbeReturn> {
  const args = parseIfcvfDevargs(dev.devargs, dev.name);
  if (!args) return NOT_MINE;
  const ifc = matchId(IFCVF_ID_TABLE, dev.id) !== undefined;
  const net = isNetId(dev.id);
  const dma = dev.openPrivateContainer();
  const bars = mapBars(dev);
  // The LM block only on IFC parts: on QEMU's virtio-net-pci BAR4 is the common config.
  const lm = ifc ? bars[IFCVF_LM_BAR] : undefined;
  if (ifc && !lm) throw new NicError('NIC_EINVAL', `${dev.name}: an IFC part without its live-migration BAR ${IFCVF_LM_BAR}`);
  const hw = new IfcvfHw(dev.name, vendorCapabilities(dev.config), bars, net ? 'net' : 'blk', lm);
  if (!args.swLiveMigration && !hw.hasLm) {
    throw new NicError('NIC_EINVAL', `${dev.name}: this function has no IFC live-migration block; give sw-live-migration=1 to migrate in software`);
  }
  const device = new IfcvfVdpa({
    pci: dev,
    hw,
    dma,
    type: net ? 'net' : 'blk',
    maxQueues: queueCount(dev, hw, net),
    deviceFeatures: hw.features(),
    swLiveMigration: args.swLiveMigration,
  });
  const vdpa = registerVdpaDevice(dev.name, device);
  probed.set(dev, { vdpa, device });
  return 0;
}

async function remove(dev: PciDevice): Promise<PciProbeReturn> {
  const entry = probed.get(dev);
  if (!entry) return 0;
  // As DPDK's remove: the data path stops even while a frontend is attached.
  try {
    entry.device.shutdown();
  } finally {
    unregisterVdpaDevice(entry.vdpa);
    probed.delete(dev);
  }
  return 0;
}

function pciDriver(idTable: readonly PciId[]): PciDriver {
  return { name: NET_IFCVF, idTable, flags: 0, probe, remove };
}

/** net_ifcvf for IFC parts. */
export const ifcvfPciDriver: PciDriver = pciDriver(IFCVF_ID_TABLE);

/**
 * net_ifcvf that also takes QEMU's modern virtio-net-pci (the opt-in entry), for a guest
 * where QEMU's device stands in for a VF. Still only with `vdpa=1`; on that device only
 * the standard virtio structures are used, and migration needs `sw-live-migration=1`.
 */
export const ifcvfVirtioPciDriver: PciDriver = pciDriver([...IFCVF_ID_TABLE, ...IFCVF_VIRTIO_OPT_IN_IDS]);
