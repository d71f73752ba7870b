/**
 * The PCI side of net_e1000_igb (DPDK's `eth_igb_dev_init` / `eth_igb_pci_remove`): the id
 * table, and probe: reset the function, check the EEPROM, read the permanent MAC address,
 * power the PHY down until start, allocate the port and hook up its interrupts.
 */
import { NicError, registerLogtype, type Eal } from '@nic/eal';
import { allocatePort, findDevByName, probingFinish, removeDevicePorts } from '@nic/ethdev/driver';
import { PCI_DRV_INTR_LSC, PCI_DRV_INTR_RMV, PCI_DRV_NEED_MAPPING, pciDevice, type PciDevice, type PciDriver, type PciId } from '@nic/pci/driver';
import { validateNvmChecksum } from './base/eeprom.js';
import { HwError, IntelHw, rarRead } from '@nic/intel-common';
import { I350_DEVICE_IDS, IGB_DEVICE_IDS, INTEL_VENDOR_ID, QUEUES_82576, QUEUES_I350 } from './base/ids.js';
import { phyPower } from './base/phy.js';
import { resetHw } from './base/reset.js';
import { CTRL_EXT, CTRL_EXT_PFRSTD, RAH, RAL } from './base/regs.js';
import { IntelInterrupts, publishBar, unpublishBar } from '@nic/intel-common/driver';
import { IGB_MSIX } from './base/msix.js';
import { NET_E1000_IGB } from './datapath.js';
import { IgbOps } from './ethdev.js';
import { IGB_PRIV_SIZE } from './layout.js';

const log = registerLogtype('pmd.net.igb.init');

/** DPDK tries the checksum twice: the first read can fail while the device leaves a low-power state. */
const NVM_TRIES = 2;

/** The devices net_e1000_igb serves. */
export const IGB_ID_TABLE: readonly PciId[] = Object.values(IGB_DEVICE_IDS).map((deviceId) => pciDevice(INTEL_VENDOR_ID, deviceId));

/** What the ops and interrupts of each probed device are, by PCI name. */
const probed = new Map<string, { readonly ops: IgbOps; readonly interrupts: IntelInterrupts }>();

function hwFailure(dev: PciDevice, e: unknown): NicError {
  if (e instanceof HwError) {
    const code = e.kind === 'removed' ? 'NIC_ENODEV' : 'NIC_EIO';
    return new NicError(code, `${NET_E1000_IGB} ${dev.name}: ${e.message}`, { cause: e });
  }
  return e instanceof NicError ? e : new NicError('NIC_EIO', `${NET_E1000_IGB} ${dev.name}: ${String(e)}`, { cause: e });
}

function checkNvm(hw: IntelHw): void {
  for (let attempt = 1; ; attempt++) {
    try {
      validateNvmChecksum(hw);
      return;
    } catch (e) {
      if (attempt >= NVM_TRIES || !(e instanceof HwError && e.kind === 'nvm')) throw e;
    }
  }
}

function isValidMac(mac: Uint8Array): boolean {
  return (mac[0] & 1) === 0 && mac.some((b) => b !== 0);
}

async function probe(dev: PciDevice, eal: Eal): Promise<void> {
  const bar = dev.bar(0);
  if (!bar) throw new NicError('NIC_EIO', `${NET_E1000_IGB} ${dev.name}: BAR0 is not mapped`);
  const hw = new IntelHw(bar.regs);
  let mac: Uint8Array;
  try {
    resetHw(hw);
    checkNvm(hw);
    mac = rarRead(hw, RAL(0), RAH(0));
    if (!isValidMac(mac)) throw new HwError('nvm', `the permanent MAC address ${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':')} is not a unicast address`);
    hw.setBits(CTRL_EXT, CTRL_EXT_PFRSTD);
    phyPower(hw, false);
  } catch (e) {
    throw hwFailure(dev, e);
  }
  const maxQueues = I350_DEVICE_IDS.has(dev.id.deviceId) ? QUEUES_I350 : QUEUES_82576;
  const ops = new IgbOps(hw, { maxQueues });
  const interrupts = new IntelInterrupts(eal, dev, ops, IGB_MSIX);
  ops.interrupts = interrupts;
  const port = allocatePort(eal, dev.name, NET_E1000_IGB, ops, {
    device: dev.name,
    privateSize: IGB_PRIV_SIZE,
    intrLsc: interrupts.canSignalLink,
    intrRmv: interrupts.canSignalRemoval,
    mac,
  });
  publishBar(port.data, bar.regs, bar.address, bar.length);
  interrupts.attach(port);
  probed.set(dev.name, { ops, interrupts });
  log.info(`port ${port.port}: ${dev.name} (${dev.id.deviceId.toString(16)}) MAC ${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':')}`);
  probingFinish(port);
}

function remove(dev: PciDevice, eal: Eal): void {
  const entry = probed.get(dev.name);
  const port = findDevByName(dev.name, eal);
  if (port) {
    entry?.interrupts.detach();
    unpublishBar(port.data);
  }
  removeDevicePorts(eal, dev.name);
  probed.delete(dev.name);
}

/** The PCI driver of net_e1000_igb. */
export const igbPciDriver: PciDriver = {
  name: NET_E1000_IGB,
  idTable: IGB_ID_TABLE,
  flags: PCI_DRV_NEED_MAPPING | PCI_DRV_INTR_LSC | PCI_DRV_INTR_RMV,
  probe,
  remove,
};
